"""Playing one turn on a screen: send, draw every event as it arrives, stop at idle."""

from __future__ import annotations

from contextlib import aclosing

import qoder_async as qa

from ._control import CtrlC
from ._screen import Screen
from ._view import TurnView

__all__ = ["play_turn"]


async def play_turn(
    session: qa.AsyncSession,
    message: str,
    *,
    screen: Screen,
    view: TurnView,
    control: CtrlC,
    on_permission: qa.OnPermission | None = None,
) -> list[qa.Event]:
    """Run one turn, drawing it; return its complete events (previews left out).
    ``on_permission`` decides the turn's ``always_ask`` calls (see ``AsyncSession.turn``).

    Ctrl-C during the turn interrupts it (see :class:`CtrlC`); the turn then ends as the
    API ends it, with ``session.status_idle``.
    """
    events: list[qa.Event] = []
    with control.turn(session, view):
        async with (
            screen.live(view),
            aclosing(session.turn(message, deltas=True, on_permission=on_permission)) as stream,
        ):
            async for event in stream:
                screen.show(view.feed(event))
                if not isinstance(event, (qa.EventStart, qa.EventDelta)):
                    events.append(event)
    return events
