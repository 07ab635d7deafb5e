"""``qoder-async tail``: follow a session's events, resuming across dropped connections."""

from __future__ import annotations

import sys

import anyio

import qoder_async as qa

from ._control import CtrlC
from ._errors import EXIT_INTERRUPTED
from ._run import event_json
from ._screen import Screen
from ._view import TurnView

__all__ = ["tail"]


async def tail(
    client: qa.AsyncQoder,
    session_id: str,
    *,
    from_id: str | None,
    as_json: bool,
    until_idle: bool,
    screen: Screen,
) -> int:
    """Follow until the session ends, ``until_idle`` sees a turn end, or Ctrl-C."""
    session = client.session(session_id)
    stream = session.events(last_event_id=from_id, deltas=not as_json)
    async with anyio.create_task_group() as tasks:
        control = CtrlC(tasks.cancel_scope)
        await tasks.start(control.watch, tasks)
        async with stream:
            await _follow(stream, as_json=as_json, until_idle=until_idle, screen=screen)
        tasks.cancel_scope.cancel()
    if control.quit:
        if stream.last_event_id:
            print(
                f"stopped after {stream.last_event_id}; resume with: "
                f"qoder-async tail {session_id} --from {stream.last_event_id}",
                file=sys.stderr,
                flush=True,
            )
        return EXIT_INTERRUPTED
    return 0


async def _follow(
    stream: qa.EventStream, *, as_json: bool, until_idle: bool, screen: Screen
) -> None:
    view = TurnView()
    view.activity = "waiting for events"
    async with screen.live(view):
        async for event in stream:
            if as_json:
                print(event_json(event), flush=True)
            else:
                screen.show(view.feed(event))
            if isinstance(event, qa.SessionStatusIdle):
                if until_idle:
                    return
                view.activity = "waiting for events"
