"""AsyncSession: one session, with the calls a conversation needs."""

from __future__ import annotations

import weakref
from collections.abc import AsyncGenerator, Sequence
from types import TracebackType
from typing import TYPE_CHECKING

from attrs import frozen

from ._errors import ConflictError, QoderError
from ._events import (
    TERMINAL_EVENT_TYPES,
    AgentMessage,
    Event,
    SessionStatusIdle,
    SessionUsageEvent,
    SpanModelRequestEnd,
    StopReason,
    UserMessage,
)
from ._fanout import EventHub
from ._models import Session, SessionResource
from ._params import (
    EventParam,
    MessageInput,
    ResourceParam,
    UserDefineOutcomeParam,
    UserInterruptParam,
    UserMessageParam,
)
from ._stream import EventStream

if TYPE_CHECKING:
    from ._client import AsyncQoder

__all__ = ["AsyncSession", "TurnResult"]


@frozen(kw_only=True)
class TurnResult:
    """What one turn produced.

    Attributes:
        text: the agent's messages of the turn, joined by blank lines.
        events: every event of the turn, from the user's message to ``session.status_idle``.
        stop_reason: why the turn ended (``end_turn``, ``requires_action``, ...).
        usage: the last ``session.usage`` snapshot seen in the turn (a dict), if any.
        credits: the credits the turn's model requests reported.
    """

    text: str
    events: tuple[Event, ...]
    stop_reason: StopReason | None
    usage: dict[str, object] | None
    credits: float

    @classmethod
    def from_events(cls, events: Sequence[Event]) -> TurnResult:
        """Summarise the events of one turn."""
        texts = [e.text for e in events if isinstance(e, AgentMessage) and e.text]
        idle = next((e for e in reversed(events) if isinstance(e, SessionStatusIdle)), None)
        usage = next((e.usage for e in reversed(events) if isinstance(e, SessionUsageEvent)), None)
        credits = sum(
            e.model_usage.credits or 0.0
            for e in events
            if isinstance(e, SpanModelRequestEnd) and e.model_usage is not None
        )
        return cls(
            text="\n\n".join(texts),
            events=tuple(events),
            stop_reason=idle.stop_reason if idle is not None else None,
            usage=usage,
            credits=round(credits, 2),
        )


class AsyncSession:
    """A session to talk to: send messages, follow events, run turns.

    Get one from ``await client.sessions.create(...)`` (``info`` is filled) or
    ``client.session("sess_…")`` (no request; ``info`` is ``None`` until :meth:`refresh`).
    ``async with session:`` closes every stream the session opened when the block ends.
    """

    def __init__(self, client: AsyncQoder, session_id: str, info: Session | None = None) -> None:
        self._client = client
        self.id = session_id
        self.info = info
        self._streams: weakref.WeakSet[EventStream] = weakref.WeakSet()

    def __repr__(self) -> str:
        status = self.info.status if self.info is not None else "?"
        return f"<AsyncSession {self.id} status={status}>"

    # --- lifetime ----------------------------------------------------------------------------

    async def aclose(self) -> None:
        """Close every event stream this session opened."""
        for stream in list(self._streams):
            await stream.aclose()

    async def __aenter__(self) -> AsyncSession:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.aclose()

    # --- state -------------------------------------------------------------------------------

    async def refresh(self) -> Session:
        """Fetch the session again; updates and returns :attr:`info`."""
        self.info = await self._client.sessions.retrieve(self.id)
        return self.info

    async def add_resources(self, *resources: ResourceParam) -> list[SessionResource]:
        """Mount files and repositories: ``await session.add_resources(qa.FileResource(...))``.

        Returns the session's resources after the change.
        """
        if not resources:
            raise QoderError("add_resources needs at least one resource")
        return await self._client.sessions.resources.add(self.id, resources=resources)

    # --- sending -----------------------------------------------------------------------------

    async def send_events(self, *events: EventParam) -> list[Event]:
        """Send events as they are; returns their echoes."""
        return await self._client.sessions.events.send(self.id, events=events)

    async def send(
        self, message: MessageInput | UserMessageParam, *, wait_idle: bool = False
    ) -> UserMessage:
        """Send a ``user.message``: text, a content block, or a list of them.

        With ``wait_idle=True`` a message sent while a turn runs waits for the turn to end
        (``session.status_idle``) and is then sent, instead of raising ``ConflictError``.

        Raises:
            InvalidInputError: the message is empty (nothing is sent).
            ConflictError: a turn is running (only without ``wait_idle``).
        """
        param = message if isinstance(message, UserMessageParam) else UserMessageParam(message)
        if not wait_idle:
            return await self._send_message(param)
        async with self.events() as stream:
            return await self._send_when_idle(param, stream)

    async def _send_message(self, param: UserMessageParam) -> UserMessage:
        echoes = await self.send_events(param)
        echo = next((e for e in echoes if isinstance(e, UserMessage)), None)
        return echo if echo is not None else UserMessage(content=param.content)

    async def _send_when_idle(self, param: UserMessageParam, stream: EventStream) -> UserMessage:
        # The stream is open before the first attempt, so the idle event that frees the
        # session cannot slip by between a 409 and the wait.
        while True:
            try:
                return await self._send_message(param)
            except ConflictError:
                async for event in stream:
                    if event.type == "session.status_idle":
                        break
                    if event.type in TERMINAL_EVENT_TYPES:
                        raise
                else:
                    raise

    async def interrupt(self, session_thread_id: str | None = None) -> list[Event]:
        """Stop the running turn (``user.interrupt``), or one thread of it."""
        return await self.send_events(UserInterruptParam(session_thread_id))

    async def define_outcome(
        self,
        description: str,
        rubric: str | dict[str, object] | None = None,
        *,
        max_iterations: int | None = None,
    ) -> list[Event]:
        """Give the agent an outcome to iterate towards (``user.define_outcome``).

        A string ``rubric`` becomes ``{"type": "text", "content": rubric}``.
        """
        if isinstance(rubric, str):
            rubric = {"type": "text", "content": rubric}
        return await self.send_events(UserDefineOutcomeParam(description, rubric, max_iterations))

    # --- reading -----------------------------------------------------------------------------

    def events(
        self,
        last_event_id: str | None = None,
        *,
        deltas: bool | Sequence[str] = False,
        idle_timeout: float | None = None,
    ) -> EventStream:
        """The session's events as an endless, resumable async iterator.

        Starts now, or after ``last_event_id``. ``deltas=True`` adds live previews
        (``EventStart``/``EventDelta``, see :class:`LiveText`). Closed by ``async with``,
        by breaking out, or by closing the session.
        """
        stream = self._client.sessions.events.stream(
            self.id, last_event_id=last_event_id, deltas=deltas, idle_timeout=idle_timeout
        )
        self._streams.add(stream)
        return stream

    def shared_events(
        self,
        last_event_id: str | None = None,
        *,
        deltas: bool | Sequence[str] = False,
        idle_timeout: float | None = None,
        buffer: int = 256,
    ) -> EventHub:
        """One connection shared by several consumers: ``async with session.shared_events()
        as hub:`` then ``async with hub.subscribe() as events:`` in each consumer."""
        stream = self.events(last_event_id, deltas=deltas, idle_timeout=idle_timeout)
        return EventHub(stream, buffer=buffer)

    async def turn(
        self, message: MessageInput | UserMessageParam, *, deltas: bool | Sequence[str] = False
    ) -> AsyncGenerator[Event, None]:
        """Send a message and yield the events of the turn it starts.

        The stream is opened before the message is sent, so no event of the turn is missed;
        a message sent while another turn runs waits for it to end. The iteration begins
        with the echo of the message and ends after ``session.status_idle``.
        """
        param = message if isinstance(message, UserMessageParam) else UserMessageParam(message)
        async with self.events(deltas=deltas) as stream:
            echo = await self._send_when_idle(param, stream)
            started = False
            async for event in stream:
                started = started or event.id == echo.id or (event.id > echo.id and bool(echo.id))
                if not started:
                    continue  # the end of an earlier turn
                yield event
                if event.type == "session.status_idle" or event.type in TERMINAL_EVENT_TYPES:
                    return

    async def ask(self, message: MessageInput | UserMessageParam) -> TurnResult:
        """Run one turn and return what it produced (``.text``, ``.events``, ...)."""
        events = [event async for event in self.turn(message)]
        return TurnResult.from_events(events)
