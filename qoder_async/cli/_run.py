"""``qoder-async run``: one turn, its events as they arrive, then the answer."""

from __future__ import annotations

import json
import shlex
import signal
import sys
from collections.abc import Sequence
from contextlib import aclosing

import anyio
from attrs import frozen

import qoder_async as qa

from ._connect import EMULATOR_TOKEN, Connection, start_session
from ._control import CtrlC
from ._errors import EXIT_ERROR, EXIT_INTERRUPTED
from ._keyboard import keys_hidden, stdin_fd
from ._screen import Screen
from ._turn import play_turn
from ._view import TurnView

__all__ = ["RunOptions", "allow_only", "event_json", "keep_serving", "run", "tail_command"]


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
    keep: bool = False


def allow_only(names: Sequence[str], *, command: str = "run", why: str = "") -> qa.OnPermission:
    """Approve the ``always_ask`` calls of the named tools and refuse every other one, when
    nobody can be asked (``run``, or ``chat`` on a pipe); ``why`` ends the refusal."""
    allowed = frozenset(names)

    def decide(call: qa.PendingCall) -> bool | qa.Deny:
        if call.name in allowed:
            return True
        return qa.Deny(
            f"qoder-async {command} does not allow {call.name} (no --allow {call.name}{why})"
        )

    return decide


def event_json(event: qa.Event) -> str:
    """An event as one line of JSON: the object the API sent."""
    return json.dumps(event.raw or {"id": event.id, "type": event.type}, ensure_ascii=False)


async def run(connection: Connection, options: RunOptions, screen: Screen) -> int:
    """Run the turn; returns the exit status (non-zero if the turn did not end normally).

    With ``options.keep`` on the embedded emulator, it then serves until Ctrl-C, after
    printing the ``tail`` command that follows the session.
    """
    async with anyio.create_task_group() as tasks:
        control = CtrlC(tasks.cancel_scope)
        await tasks.start(control.watch, tasks)
        session, events = await _run(connection, options, screen, control)
        tasks.cancel_scope.cancel()
    if control.quit or control.interrupting:
        return EXIT_INTERRUPTED
    result = qa.TurnResult.from_events(events)
    if options.print_answer:
        print(result.text, flush=True)
    if options.keep and connection.embedded:
        await keep_serving(connection.client.base_url, session.id)
    return 0 if result.stop_reason is not None else EXIT_ERROR


def tail_command(base_url: str, session_id: str) -> str:
    """The shell line that follows ``session_id`` on the emulator at ``base_url``."""
    settings = [f"QODER_BASE_URL={base_url}", f"QODER_ACCESS_TOKEN={EMULATOR_TOKEN}"]
    return shlex.join([*settings, "qoder-async", "tail", session_id])


async def keep_serving(base_url: str, session_id: str) -> None:
    """Say how to follow the session, then wait for Ctrl-C (or SIGTERM) while the embedded
    emulator, in its own thread, goes on serving."""
    print(
        f"--keep: the embedded emulator keeps serving at {base_url} until Ctrl-C. "
        f"Follow {session_id} from another terminal with:\n"
        f"  {tail_command(base_url, session_id)}",
        file=sys.stderr,
        flush=True,
    )
    try:
        with anyio.open_signal_receiver(signal.SIGINT, signal.SIGTERM) as signals:
            async for _ in signals:
                break
    except NotImplementedError:  # no signal receivers (Windows): Ctrl-C raises instead
        await anyio.sleep_forever()


async def _run(
    connection: Connection, options: RunOptions, screen: Screen, control: CtrlC
) -> tuple[qa.AsyncSession, list[qa.Event]]:
    session, mounted = await start_session(connection, options, title=options.prompt[:80])
    screen.note(f"session {session.id}" + "".join(f" · mounted {path}" for path in mounted))
    return session, await _turn(session, options, screen, control)


async def _turn(
    session: qa.AsyncSession, options: RunOptions, screen: Screen, control: CtrlC
) -> list[qa.Event]:
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
