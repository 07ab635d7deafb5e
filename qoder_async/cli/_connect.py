"""Whom the CLI talks to, and the session it talks in.

With a token in the environment (``QODER_ACCESS_TOKEN`` or ``QODER_PAT``) the client talks to
the real service (or ``--base-url``). Without one, ``chat`` and ``run`` start the emulator of
``qoder_async.testing`` inside the process and say so on one line.
"""

from __future__ import annotations

import os
import posixpath
from collections.abc import AsyncIterator, Callable, Sequence
from contextlib import asynccontextmanager
from typing import Protocol

import anyio

import qoder_async as qa

from ._errors import CliError

__all__ = [
    "DEMO_SPEC",
    "EMBEDDED_PACE",
    "EMULATOR_TOKEN",
    "NO_TOKEN",
    "Connection",
    "check_files",
    "check_repository",
    "connect",
    "has_token",
    "mount_demo",
    "mount_files",
    "mount_repository",
    "open_session",
    "start_session",
]

TOKEN_VARIABLES = ("QODER_ACCESS_TOKEN", "QODER_PAT")
EMULATOR_TOKEN = "emulator"
"""The token the CLI uses on the embedded emulator (which takes any)."""
EMBEDDED_PACE = 0.12
"""Seconds between the embedded emulator's events: slow enough to watch a turn unfold."""
GITHUB = "https://github.com/"
CLI_TAG = {"created_by": "qoder-async-cli"}
"""Metadata on the agent and environment the CLI creates, so later runs reuse them."""

DEMO_SPEC = """\
# Export service: acceptance criteria
- AC1: POST /exports returns 202 with an export id.
- AC2: GET /exports/{id} reports the status: pending, ready or failed.
- AC3: A ready export can be downloaded for 24 hours.
- AC4: An export larger than 2 GB fails with the error code EXPORT_TOO_LARGE.

## Goal
Let users export a project as a ZIP archive.
"""
"""The spec ``run`` mounts on the embedded emulator, so the demo agent has something to read."""


NO_TOKEN = (
    "no token: set QODER_ACCESS_TOKEN (or QODER_PAT) to talk to Qoder Cloud, or start "
    "`qoder-async emulator` and point QODER_BASE_URL at it (any token works there)"
)


class Connection:
    """A client, and whether it talks to the embedded emulator."""

    def __init__(self, client: qa.AsyncQoder, *, embedded: bool) -> None:
        self.client = client
        self.embedded = embedded


def _token() -> str | None:
    return next((os.environ[name] for name in TOKEN_VARIABLES if os.environ.get(name)), None)


def has_token() -> bool:
    """Whether a token is set, so that commands talk to the service, not an emulator."""
    return _token() is not None


@asynccontextmanager
async def connect(
    base_url: str | None,
    *,
    embedded_allowed: bool,
    notice: Callable[[str], None],
) -> AsyncIterator[Connection]:
    """Open a client: the real service with a token, else (if allowed) an embedded emulator.

    Raises:
        MissingTokenError: no token, and the command cannot use the emulator.
        CliError: ``--base-url`` without a token, or the emulator's extra is not installed.
    """
    token = _token()
    if token is None and not embedded_allowed:
        raise CliError(NO_TOKEN)
    if token is not None:
        async with qa.AsyncQoder(token, base_url) as client:
            yield Connection(client, embedded=False)
        return
    if base_url is not None:
        raise CliError(
            "--base-url needs a token: set QODER_ACCESS_TOKEN (any value works for the emulator)"
        )
    try:
        from qoder_async.testing import Emulator
    except ImportError as exc:
        raise CliError(
            f"the embedded emulator needs {exc.name}: pip install 'qoder-async[cli]'"
        ) from exc
    emulator = Emulator(pace=EMBEDDED_PACE)
    await anyio.to_thread.run_sync(emulator.start)
    try:
        notice(
            f"No QODER_ACCESS_TOKEN: using the embedded emulator at {emulator.base_url} "
            "(set a token for Qoder Cloud)"
        )
        async with qa.AsyncQoder(EMULATOR_TOKEN, emulator.base_url) as client:
            yield Connection(client, embedded=True)
    finally:
        with anyio.CancelScope(shield=True):
            await anyio.to_thread.run_sync(emulator.stop)


async def _tagged_agent(client: qa.AsyncQoder, model: str) -> str:
    async for agent in client.agents.list(limit=100):
        if agent.metadata.get("created_by") == CLI_TAG["created_by"] and agent.model == model:
            return agent.id
    agent = await client.agents.create(name="qoder-async-cli", model=model, metadata=CLI_TAG)
    return agent.id


async def _tagged_environment(client: qa.AsyncQoder) -> str:
    async for environment in client.environments.list(limit=100):
        if environment.metadata.get("created_by") == CLI_TAG["created_by"]:
            return environment.id
    environment = await client.environments.create(name="qoder-async-cli", metadata=CLI_TAG)
    return environment.id


async def open_session(
    client: qa.AsyncQoder,
    *,
    session_id: str | None,
    agent_id: str | None,
    environment_id: str | None,
    model: str,
    title: str,
) -> qa.AsyncSession:
    """The session to talk in: ``session_id``'s, else a new one.

    Without ``agent_id``/``environment_id``, an agent and an environment the CLI made
    before (tagged ``created_by: qoder-async-cli``) are reused, or made now.
    """
    if session_id is not None:
        session = client.session(session_id)
        await session.refresh()
        return session
    agent = agent_id or await _tagged_agent(client, model)
    environment = environment_id or await _tagged_environment(client)
    return await client.sessions.create(agent=agent, environment_id=environment, title=title)


def check_files(paths: Sequence[str], *, option: str = "--file") -> None:
    """Raise :class:`CliError` unless every path names a file that can be read."""
    for path in paths:
        if os.path.isdir(path):
            raise CliError(f"{option} {path}: is a directory; give one {option} per file")
        if not os.path.isfile(path):
            raise CliError(f"{option} {path}: no such file")
        if not os.access(path, os.R_OK):
            raise CliError(f"{option} {path}: not readable")


def check_repository(url: str) -> None:
    """Raise :class:`CliError` unless ``url`` is a GitHub repository's address."""
    owner, _, name = url.removeprefix(GITHUB).rstrip("/").partition("/")
    if not url.startswith(GITHUB) or not owner or not name or "/" in name:
        raise CliError(
            f"/repo takes a GitHub repository's address, like {GITHUB}OWNER/REPO; got {url!r}"
        )


async def mount_files(
    session: qa.AsyncSession, paths: Sequence[str], *, option: str = "--file"
) -> list[str]:
    """Upload each file and mount it under ``/data/inputs/``; return the mount paths."""
    check_files(paths, option=option)
    mounted = []
    for path in paths:
        file = anyio.Path(path)
        resource = await session.upload_and_mount(
            str(file), mount_path=posixpath.join("inputs", file.name)
        )
        mounted.append(resource.mount_path or "")
    return mounted


async def mount_demo(session: qa.AsyncSession) -> str:
    """Mount :data:`DEMO_SPEC` as ``/data/inputs/spec.md``; return its mount path."""
    resource = await session.upload_and_mount(
        DEMO_SPEC.encode(), mount_path="inputs/spec.md", filename="spec.md"
    )
    return resource.mount_path or "/data/inputs/spec.md"


async def mount_repository(session: qa.AsyncSession, url: str) -> str:
    """Mount a GitHub repository; return where it lands.

    A running session takes files and GitHub repositories only (other git repositories can
    be mounted when a session is created).
    """
    check_repository(url)
    resources = await session.add_resources(qa.GitHubRepository(url=url))
    found = next((r for r in resources if r.url == url), None)
    return (found.mount_path if found is not None else None) or url


class SessionChoice(Protocol):
    """The options of a command that works in a session (``chat``, ``run``)."""

    @property
    def session_id(self) -> str | None: ...
    @property
    def agent_id(self) -> str | None: ...
    @property
    def environment_id(self) -> str | None: ...
    @property
    def model(self) -> str: ...
    @property
    def files(self) -> Sequence[str]: ...


async def start_session(
    connection: Connection, options: SessionChoice, *, title: str
) -> tuple[qa.AsyncSession, list[str]]:
    """Open the session a command works in and mount its files: the ones asked for, or the
    demo spec when the embedded emulator serves a new session. Returns the mount paths too."""
    session = await open_session(
        connection.client,
        session_id=options.session_id,
        agent_id=options.agent_id,
        environment_id=options.environment_id,
        model=options.model,
        title=title,
    )
    if options.files:
        return session, await mount_files(session, options.files)
    if connection.embedded and options.session_id is None:
        return session, [await mount_demo(session)]
    return session, []
