"""``qoder-async run``: one turn, its events as they arrive, then the answer."""

from __future__ import annotations

import json
from collections.abc import Sequence
from contextlib import aclosing

import anyio
from attrs import frozen

import qoder_async as qa

from ._connect import Connection, start_session
from ._control import CtrlC
from ._errors import EXIT_ERROR, EXIT_INTERRUPTED
from ._keyboard import keys_hidden, stdin_fd
from ._screen import Screen
from ._turn import play_turn
from ._view import TurnView

__all__ = ["RunOptions", "allow_only", "event_json", "run"]


@frozen(kw_only=True)
class RunOptions:
    """What ``run`` was asked for on its command line."""

    prompt: str
    files: Sequence[str]
    as_json: bool
    print_answer: bool
    session_id: str | None
    agent_id: str | None
    environment_id: str | None
    model: str
    allow: Sequence[str] = ()


def allow_only(names: Sequence[str]) -> qa.OnPermission:
    """Approve the ``always_ask`` calls of the named tools and refuse every other one:
    nobody is at the keyboard of ``run`` to ask."""
    allowed = frozenset(names)

    def decide(call: qa.PendingCall) -> bool | qa.Deny:
        if call.name in allowed:
            return True
        return qa.Deny(f"qoder-async run does not allow {call.name} (no --allow {call.name})")

    return decide


def event_json(event: qa.Event) -> str:
    """An event as one line of JSON: the object the API sent."""
    return json.dumps(event.raw or {"id": event.id, "type": event.type}, ensure_ascii=False)


async def run(connection: Connection, options: RunOptions, screen: Screen) -> int:
    """Run the turn; returns the exit status (non-zero if the turn did not end normally)."""
    async with anyio.create_task_group() as tasks:
        control = CtrlC(tasks.cancel_scope)
        await tasks.start(control.watch, tasks)
        events = await _run(connection, options, screen, control)
        tasks.cancel_scope.cancel()
    if control.quit or control.interrupting:
        return EXIT_INTERRUPTED
    result = qa.TurnResult.from_events(events)
    if options.print_answer:
        print(result.text, flush=True)
    return 0 if result.stop_reason is not None else EXIT_ERROR


async def _run(
    connection: Connection, options: RunOptions, screen: Screen, control: CtrlC
) -> list[qa.Event]:
    session, mounted = await start_session(connection, options, title=options.prompt[:80])
    screen.note(f"session {session.id}" + "".join(f" · mounted {path}" for path in mounted))
    view = TurnView()
    if not options.as_json:
        with keys_hidden(stdin_fd()):
            return await play_turn(
                session,
                options.prompt,
                screen=screen,
                view=view,
                control=control,
                on_permission=allow_only(options.allow),
            )
    events: list[qa.Event] = []
    with control.turn(session, view):
        turn = session.turn(options.prompt, on_permission=allow_only(options.allow))
        async with aclosing(turn) as stream:
            async for event in stream:
                print(event_json(event), flush=True)
                events.append(event)
    return events
