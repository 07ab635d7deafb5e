"""A turn that acts: each ``requires_action`` batch is answered and the turn goes on.

The first stretch of the turn is the plain turn of :class:`AsyncSession` (it sends the
message and finds the turn's start). At a ``requires_action`` idle the batch is handed to a
:class:`ToolRunner`, the answers are posted, the cursor (if any) moves past the idle, and
the turn is followed again from the idle's id (``Last-Event-ID``), so nothing that the
agent did meanwhile is missed. It ends at any other idle, at a terminal event, or when
calls are left that only the caller can answer (an ``always_ask`` without
``on_permission``).
"""

from __future__ import annotations

from collections.abc import AsyncGenerator, Sequence
from contextlib import aclosing
from typing import TYPE_CHECKING

from .._errors import QoderError
from .._models._events import TERMINAL_EVENT_TYPES, Event, SessionStatusIdle
from .._models._params import EventParam, UserMessageParam
from ..cursors._store import CursorStore
from ..tools._calls import PendingCall
from ..tools._runner import ToolRunner

if TYPE_CHECKING:
    from ._session import AsyncSession

__all__ = ["ToolTurn"]


class ToolTurn:
    """One turn run with a :class:`ToolRunner`; :attr:`left` holds the calls it could not
    answer once :meth:`events` is exhausted."""

    def __init__(
        self,
        session: AsyncSession,
        message: UserMessageParam,
        runner: ToolRunner,
        *,
        deltas: bool | Sequence[str] = False,
        cursors: CursorStore | None = None,
    ) -> None:
        self.session = session
        self.message = message
        self.runner = runner
        self.deltas = deltas
        self.cursors = cursors
        self.left: tuple[PendingCall, ...] = ()

    async def _post(self, answers: Sequence[EventParam], key: str) -> object:
        client = self.session._client
        return await client.sessions.events.send(
            self.session.id, events=answers, idempotency_key=key
        )

    async def _follow(self, after: str) -> AsyncGenerator[Event, None]:
        stream = self.session.events(after, deltas=self.deltas, cursors=self.cursors)
        async with stream:
            async for event in stream:
                yield event
                if event.type == "session.status_idle" or event.type in TERMINAL_EVENT_TYPES:
                    return

    async def events(self) -> AsyncGenerator[Event, None]:
        """Every event of the turn, each ``requires_action`` idle included."""
        calls: dict[str, PendingCall] = {}
        answered: set[str] = set()
        stretch: AsyncGenerator[Event, None] = self.session._plain_turn(
            self.message, deltas=self.deltas, cursors=self.cursors
        )
        while True:
            idle: SessionStatusIdle | None = None
            async with aclosing(stretch):
                async for event in stretch:
                    call = PendingCall.from_event(event, listed=True)
                    if call is not None:
                        calls[call.tool_use_id] = call
                    if isinstance(event, SessionStatusIdle):
                        idle = event
                    yield event
                    if event.type in TERMINAL_EVENT_TYPES:
                        return
            reason = idle.stop_reason if idle is not None else None
            if idle is None or reason is None or reason.type != "requires_action":
                return
            batch = [
                calls[i] if i in calls else await self._look_up(i)
                for i in reason.event_ids
                if i not in answered
            ]
            self.left = await self.runner.answer(self.session.id, batch, self._post)
            answered.update(
                i for i in reason.event_ids if i not in {c.tool_use_id for c in self.left}
            )
            if self.left:
                return
            if self.cursors is not None:
                await self.cursors.commit(self.session.id, idle.id)
            stretch = self._follow(idle.id)

    async def _look_up(self, call_id: str) -> PendingCall:
        # A call whose tool use came before the turn's stream started (a rare race): the
        # history has it. Without it the call cannot be answered and the turn would wait
        # for ever, so that is an error.
        for call in await self.session.pending():
            if call.tool_use_id == call_id:
                return call
        raise QoderError(f"the turn waits on {call_id}, which the session's history lacks")
