"""``qoder-async chat``: a conversation with an agent, one turn per line typed."""

from __future__ import annotations

import os
from collections import deque
from collections.abc import Sequence

import anyio
from attrs import frozen

import qoder_async as qa

from ._approve import TerminalApprover, TypeAhead
from ._connect import Connection, mount_files, mount_repository, start_session
from ._control import CtrlC
from ._errors import EXIT_INTERRUPTED, CliError, describe
from ._keyboard import LineReader, keys_hidden
from ._prompt import Prompt
from ._run import allow_only
from ._screen import RichScreen, Screen
from ._turn import play_turn
from ._view import Line, TurnView

__all__ = ["ChatOptions", "chat"]

NOBODY_TO_ASK = ", and stdin is not a terminal to ask at"

HELP = (
    "/file PATH  upload a file and mount it under /data/inputs/\n"
    "/repo URL   mount a git repository\n"
    "/thinking   show the agent's thoughts in full, or collapse them again\n"
    "/quit       leave (so do Ctrl-D, and Ctrl-C when no turn runs)\n"
    "Ctrl-C during a turn interrupts the agent; a second Ctrl-C quits.\n"
    "Lines typed while a turn runs are queued and sent, in order, when it ends.\n"
    "A tool that asks for approval asks here: y allows it, n denies it (a reason may follow\n"
    "n; Ctrl-C or Ctrl-D deny too). Only what is typed at the question answers it.\n"
    "Up and Down walk the history of earlier runs (QODER_CHAT_HISTORY names its file)."
)


@frozen(kw_only=True)
class ChatOptions:
    """What ``chat`` was asked for on its command line."""

    session_id: str | None
    agent_id: str | None
    environment_id: str | None
    model: str
    files: Sequence[str]
    allow: Sequence[str] = ()


async def chat(connection: Connection, options: ChatOptions, screen: Screen) -> int:
    """Talk until end of input, ``/quit`` or Ctrl-C; returns the exit status."""
    async with anyio.create_task_group() as tasks:
        control = CtrlC(tasks.cancel_scope)
        await tasks.start(control.watch, tasks)
        await _converse(connection, options, screen, control)
        tasks.cancel_scope.cancel()
    if control.quit:
        screen.note("")  # end the line the ^C was echoed on
        return EXIT_INTERRUPTED
    return 0


async def _converse(
    connection: Connection, options: ChatOptions, screen: Screen, control: CtrlC
) -> None:
    session, mounted = await start_session(connection, options, title="qoder-async chat")
    screen.note(f"session {session.id} · type /help for commands · Ctrl-C interrupts, twice quits")
    for path in mounted:
        screen.note(f"mounted {path}")
    reader = LineReader()
    interactive = isinstance(screen, RichScreen)
    prompt = Prompt() if interactive and os.isatty(reader.fd) else None
    queued: deque[str] = deque()
    while True:
        if queued:
            text = queued.popleft()
            if prompt is not None:
                screen.show([Line("user", text)])
        else:
            try:
                line = await (prompt.read() if prompt is not None else reader.readline())
            except KeyboardInterrupt:  # Ctrl-C at prompt_toolkit's prompt
                control.quit = True
                return
            if line is None:
                if interactive:
                    screen.note("")  # Ctrl-D: leave the shell's prompt off the chat's line
                return
            text = line.strip()
        if not text:
            continue
        if text.startswith("/"):
            if not await _command(text, session, screen):
                return
            continue
        view = TurnView(echo_user=not interactive)
        view.queued = queued
        type_ahead = TypeAhead(reader, queued)
        on_permission: qa.OnPermission
        if prompt is not None and isinstance(screen, RichScreen):
            on_permission = TerminalApprover(
                prompt=prompt, screen=screen, type_ahead=type_ahead, allowed=options.allow
            )
        else:
            on_permission = allow_only(options.allow, command="chat", why=NOBODY_TO_ASK)
        try:
            with keys_hidden(reader.fd, drop_typed=prompt is None):
                async with anyio.create_task_group() as typing:
                    if prompt is not None:
                        typing.start_soon(type_ahead.run)
                    await play_turn(
                        session,
                        text,
                        screen=screen,
                        view=view,
                        control=control,
                        on_permission=on_permission,
                    )
                    typing.cancel_scope.cancel()
        except qa.QoderError as exc:
            screen.error(describe(exc))


async def _command(text: str, session: qa.AsyncSession, screen: Screen) -> bool:
    """Run a slash command; ``False`` means leave."""
    name, _, argument = text.partition(" ")
    argument = argument.strip()
    try:
        if name in ("/quit", "/exit"):
            return False
        if name == "/help":
            screen.note(HELP)
        elif name == "/file":
            if not argument:
                raise CliError("usage: /file PATH")
            for path in await mount_files(session, [argument], option="/file"):
                screen.note(f"mounted {path}")
        elif name == "/repo":
            if not argument:
                raise CliError("usage: /repo URL")
            screen.note(f"mounted {await mount_repository(session, argument)}")
        elif name == "/thinking" and isinstance(screen, RichScreen):
            screen.show_thinking = not screen.show_thinking
            screen.note("thoughts " + ("in full" if screen.show_thinking else "collapsed"))
        elif name == "/thinking":
            screen.note("thoughts are always shown in full here")
        else:
            raise CliError(f"unknown command {name}; /help lists them")
    except (qa.QoderError, CliError) as exc:
        screen.error(describe(exc))
    return True
