"""The commands and their options (typer); each one hands over to a module of its own."""

# No ``from __future__ import annotations`` here: typer reads the annotations at run time.

import signal
import sys
import threading
from collections.abc import Awaitable, Callable
from typing import Annotated, TypeVar

import typer
from rich.console import Console

import qoder_async as qa
from qoder_async.testing import DEFAULT_PACE

from . import _chat, _run, _tail, _worker
from ._connect import check_files, connect, has_token
from ._errors import CliError, describe, run_command
from ._help import Command
from ._screen import PlainScreen, RichScreen, Screen
from ._tables import (
    AGENT_COLUMNS,
    SESSION_COLUMNS,
    Output,
    agent_fields,
    agent_row,
    session_fields,
    session_row,
)

T = TypeVar("T")

__all__ = ["app"]

app = typer.Typer(
    name="qoder-async",
    help="Talk to Qoder Cloud agents from the terminal. Without QODER_ACCESS_TOKEN, "
    "chat and run use an embedded emulator of the API.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode="markdown",
    context_settings={"help_option_names": ["-h", "--help"]},
)
agents_app = typer.Typer(help="List, show and archive agents (lists them by default).")
sessions_app = typer.Typer(help="List, show and archive sessions (lists them by default).")
app.add_typer(agents_app, name="agents")
app.add_typer(sessions_app, name="sessions")

BaseUrl = Annotated[
    str | None,
    typer.Option(
        "--base-url",
        metavar="URL",
        help="The API's address (default: QODER_BASE_URL, else Qoder Cloud).",
    ),
]
Debug = Annotated[bool, typer.Option("--debug", help="Log every request; show tracebacks.")]
AgentId = Annotated[
    str | None,
    typer.Option(
        "--agent",
        metavar="ID",
        help="Use this agent (default: one the CLI made before, or a new one).",
    ),
]
EnvironmentId = Annotated[
    str | None,
    typer.Option(
        "--environment", metavar="ID", help="Use this environment (default: as for --agent)."
    ),
]
SessionId = Annotated[
    str | None,
    typer.Option(
        "--session", metavar="ID", help="Continue this session instead of opening a new one."
    ),
]
Model = Annotated[str, typer.Option("--model", metavar="NAME", help="The model of a new agent.")]
Files = Annotated[
    list[str] | None,
    typer.Option(
        "--file",
        "-f",
        metavar="PATH",
        help="Upload this file and mount it under /data/inputs/ (repeatable).",
    ),
]
AsJson = Annotated[bool, typer.Option("--json", help="Print JSON lines (the API's objects).")]
Allow = Annotated[
    list[str] | None,
    typer.Option("--allow", metavar="TOOL", help="Approve this always_ask tool (repeatable)."),
]


def _stderr_line(text: str) -> None:
    Console(stderr=True, highlight=False, soft_wrap=True).print(text, style="dim")


def _finish(main: Callable[[], Awaitable[int]], debug: bool) -> None:
    raise typer.Exit(run_command(main, debug=debug))


def _terminal_screen(*, show_thinking: bool = False) -> Screen:
    console = Console(highlight=False)
    if console.is_terminal:
        return RichScreen(console, show_thinking=show_thinking)
    return PlainScreen(sys.stdout)


@app.command(cls=Command)
def chat(
    agent: AgentId = None,
    environment: EnvironmentId = None,
    session: SessionId = None,
    model: Model = "ultimate",
    file: Files = None,
    thinking: Annotated[
        bool, typer.Option("--thinking", help="Show the agent's thoughts in full.")
    ] = False,
    allow: Allow = None,
    base_url: BaseUrl = None,
    debug: Debug = False,
) -> None:
    """Talk with an agent. Ctrl-C interrupts a turn, a second Ctrl-C quits; /help in the chat.

    A tool whose policy is always_ask asks at the terminal (y/n) unless --allow names it;
    when stdin is not a terminal, it is refused unless --allow names it.
    """
    options = _chat.ChatOptions(
        session_id=session,
        agent_id=agent,
        environment_id=environment,
        model=model,
        files=file or [],
        allow=allow or [],
    )
    screen = _terminal_screen(show_thinking=thinking)

    async def main() -> int:
        check_files(options.files)
        async with connect(base_url, embedded_allowed=True, notice=_stderr_line) as connection:
            return await _chat.chat(connection, options, screen)

    _finish(main, debug)


@app.command(cls=Command)
def run(
    prompt: Annotated[str, typer.Argument(help="What to ask the agent.")],
    file: Files = None,
    as_json: AsJson = False,
    quiet: Annotated[
        bool, typer.Option("--quiet", "-q", help="Print only the answer, not the events.")
    ] = False,
    agent: AgentId = None,
    environment: EnvironmentId = None,
    session: SessionId = None,
    model: Model = "ultimate",
    allow: Allow = None,
    keep: Annotated[
        bool,
        typer.Option(
            "--keep",
            help="Without a token: keep the embedded emulator serving after the turn and "
            "print the tail command that follows the session; Ctrl-C stops it.",
        ),
    ] = False,
    base_url: BaseUrl = None,
    debug: Debug = False,
) -> None:
    """Run one turn: the agent's events as they arrive, then its answer.

    A tool whose policy is always_ask is refused unless --allow names it.

    On a pipe the answer alone goes to stdout (the events to stderr); --json prints every
    event of the turn as a JSON line. The exit status is non-zero if the turn failed.
    """
    console = Console(highlight=False)
    screen: Screen
    if console.is_terminal and not (as_json or quiet):
        screen = RichScreen(console)
    else:
        screen = PlainScreen(None if quiet else sys.stderr, show_messages=False)
    options = _run.RunOptions(
        prompt=prompt,
        files=file or [],
        as_json=as_json,
        print_answer=not as_json and not isinstance(screen, RichScreen),
        session_id=session,
        agent_id=agent,
        environment_id=environment,
        model=model,
        allow=allow or [],
        keep=keep,
    )

    async def main() -> int:
        if not prompt.strip():
            raise CliError('the prompt is empty: say what to ask, as in qoder-async run "hello"')
        if keep and has_token():
            raise CliError(
                "--keep keeps the embedded emulator (used when no token is set) serving; "
                "with a token the session stays on the service: follow it with "
                "qoder-async tail SESSION_ID"
            )
        check_files(options.files)
        async with connect(base_url, embedded_allowed=True, notice=_stderr_line) as connection:
            return await _run.run(connection, options, screen)

    _finish(main, debug)


@app.command(cls=Command)
def tail(
    session_id: Annotated[str, typer.Argument(help="The session to follow (sess_…).")],
    from_id: Annotated[
        str | None,
        typer.Option(
            "--from", metavar="EVENT_ID", help="Replay what followed this event id first."
        ),
    ] = None,
    until_idle: Annotated[
        bool, typer.Option("--until-idle", help="Stop when a turn ends (session.status_idle).")
    ] = False,
    as_json: AsJson = False,
    base_url: BaseUrl = None,
    debug: Debug = False,
) -> None:
    """Follow a session's events live, resuming across dropped connections; Ctrl-C stops.

    The session is read first: an unreachable API or a missing session is an error at once
    (after a few retries), and so is an unknown --from. With --until-idle, a session that is
    idle with nothing after --from ends the command at once.
    """
    screen = PlainScreen(None) if as_json else _terminal_screen()

    async def main() -> int:
        async with connect(base_url, embedded_allowed=False, notice=_stderr_line) as connection:
            return await _tail.tail(
                connection.client,
                session_id,
                from_id=from_id,
                as_json=as_json,
                until_idle=until_idle,
                screen=screen,
            )

    _finish(main, debug)


async def _first(pager: qa.AsyncPager[T], limit: int) -> list[T]:
    """The first ``limit`` items of a list, fetching no page beyond them."""
    items: list[T] = []
    async for item in pager:
        if len(items) >= limit:
            break
        items.append(item)
    return items


def _client_command(
    work: Callable[[qa.AsyncQoder], Awaitable[None]], base_url: str | None, debug: bool
) -> None:
    async def main() -> int:
        async with connect(base_url, embedded_allowed=False, notice=_stderr_line) as connection:
            await work(connection.client)
        return 0

    _finish(main, debug)


# --- agents ------------------------------------------------------------------------------


@agents_app.callback(invoke_without_command=True)
def agents_default(ctx: typer.Context) -> None:
    """With no subcommand, list the agents."""
    if ctx.invoked_subcommand is None:
        agents_list()


@agents_app.command("list", cls=Command)
def agents_list(
    include_archived: Annotated[
        bool, typer.Option("--all", help="Include archived agents.")
    ] = False,
    limit: Annotated[int, typer.Option("--limit", metavar="N", help="At most this many.")] = 50,
    as_json: AsJson = False,
    base_url: BaseUrl = None,
    debug: Debug = False,
) -> None:
    """List agents, newest first."""

    async def work(client: qa.AsyncQoder) -> None:
        pager = client.agents.list(limit=min(limit, 100), include_archived=include_archived or None)
        agents = await _first(pager, limit)
        output = Output(Console(highlight=False), as_json=as_json)
        output.rows(AGENT_COLUMNS, [agent_row(a) for a in agents], [a.raw for a in agents])

    _client_command(work, base_url, debug)


@agents_app.command("show", cls=Command)
def agents_show(
    agent_id: Annotated[str, typer.Argument(help="The agent (agent_…).")],
    as_json: AsJson = False,
    base_url: BaseUrl = None,
    debug: Debug = False,
) -> None:
    """Show one agent."""

    async def work(client: qa.AsyncQoder) -> None:
        agent = await client.agents.retrieve(agent_id)
        Output(Console(highlight=False), as_json=as_json).fields(agent_fields(agent), agent.raw)

    _client_command(work, base_url, debug)


@agents_app.command("archive", cls=Command)
def agents_archive(
    agent_id: Annotated[str, typer.Argument(help="The agent (agent_…).")],
    base_url: BaseUrl = None,
    debug: Debug = False,
) -> None:
    """Archive an agent: it stays readable but takes no new sessions."""

    async def work(client: qa.AsyncQoder) -> None:
        agent = await client.agents.archive(agent_id)
        print(f"archived {agent.id} ({agent.name}) at {agent.archived_at}", flush=True)

    _client_command(work, base_url, debug)


# --- sessions ----------------------------------------------------------------------------


@sessions_app.callback(invoke_without_command=True)
def sessions_default(ctx: typer.Context) -> None:
    """With no subcommand, list the sessions."""
    if ctx.invoked_subcommand is None:
        sessions_list()


@sessions_app.command("list", cls=Command)
def sessions_list(
    agent: Annotated[
        str | None,
        typer.Option("--agent", metavar="ID", help="Only this agent's sessions."),
    ] = None,
    include_archived: Annotated[
        bool, typer.Option("--all", help="Include archived sessions.")
    ] = False,
    limit: Annotated[int, typer.Option("--limit", metavar="N", help="At most this many.")] = 50,
    as_json: AsJson = False,
    base_url: BaseUrl = None,
    debug: Debug = False,
) -> None:
    """List sessions, newest first."""

    async def work(client: qa.AsyncQoder) -> None:
        pager = client.sessions.list(
            limit=min(limit, 100), agent_id=agent, include_archived=include_archived or None
        )
        sessions = await _first(pager, limit)
        output = Output(Console(highlight=False), as_json=as_json)
        output.rows(
            SESSION_COLUMNS,
            [session_row(s) for s in sessions],
            [s.raw for s in sessions],
            known=("AGENT",) if agent else (),
        )

    _client_command(work, base_url, debug)


@sessions_app.command("show", cls=Command)
def sessions_show(
    session_id: Annotated[str, typer.Argument(help="The session (sess_…).")],
    as_json: AsJson = False,
    base_url: BaseUrl = None,
    debug: Debug = False,
) -> None:
    """Show one session: status, resources, usage."""

    async def work(client: qa.AsyncQoder) -> None:
        info = await client.sessions.retrieve(session_id)
        Output(Console(highlight=False), as_json=as_json).fields(session_fields(info), info.raw)

    _client_command(work, base_url, debug)


@sessions_app.command("archive", cls=Command)
def sessions_archive(
    session_id: Annotated[str, typer.Argument(help="The session (sess_…).")],
    base_url: BaseUrl = None,
    debug: Debug = False,
) -> None:
    """Archive a session: read-only from then on."""

    async def work(client: qa.AsyncQoder) -> None:
        info = await client.sessions.archive(session_id)
        print(f"archived {info.id} at {info.archived_at}", flush=True)

    _client_command(work, base_url, debug)


# --- emulator ----------------------------------------------------------------------------


@app.command(cls=Command)
def emulator(
    port: Annotated[int, typer.Option("--port", metavar="N", help="0 picks a free port.")] = 0,
    host: Annotated[
        str, typer.Option("--host", metavar="ADDRESS", help="The address to listen on.")
    ] = "127.0.0.1",
    pace: Annotated[
        float,
        typer.Option(
            "--pace",
            metavar="SECONDS",
            help="Seconds before each of the scripted agent's events (0: as fast as possible).",
        ),
    ] = DEFAULT_PACE,
) -> None:
    """Serve the local emulator of the API for other programs; prints its base URL first."""
    try:
        from qoder_async.testing import Emulator
    except ImportError as exc:
        _stderr_line(
            describe(CliError(f"the emulator needs {exc.name}: pip install 'qoder-async[cli]'"))
        )
        raise typer.Exit(1) from None
    stop = threading.Event()
    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, lambda *_: stop.set())
    with Emulator(port, pace=pace, host=host) as served:
        print(served.base_url, flush=True)
        print(
            "Serving the Qoder API emulator (any token works). Point programs at it with:\n"
            f"  export QODER_BASE_URL={served.base_url} QODER_ACCESS_TOKEN=emulator\n"
            "Ctrl-C stops it.",
            file=sys.stderr,
            flush=True,
        )
        while not stop.wait(0.5):
            pass


_worker.register(app)  # qoder-async worker ENVIRONMENT_ID (cli/_worker.py)
