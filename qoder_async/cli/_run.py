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

__all__ = ["RunOptions", "event_json", "run"]


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
                session, options.prompt, screen=screen, view=view, control=control
            )
    events: list[qa.Event] = []
    with control.turn(session, view):
        async with aclosing(session.turn(options.prompt)) as stream:
            async for event in stream:
                print(event_json(event), flush=True)
                events.append(event)
    return events
