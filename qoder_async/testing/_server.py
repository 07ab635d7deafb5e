"""``Emulator``: the API emulator served by uvicorn in a background thread."""

from __future__ import annotations

import asyncio
import contextlib
import copy
import logging
import socket
import threading
import time
from collections.abc import Mapping, Sequence
from types import TracebackType
from typing import Any

try:
    import uvicorn

    from ._app import build_app  # Starlette
except ModuleNotFoundError as missing:  # say what to install, not only what is missing
    raise ModuleNotFoundError(
        f"the emulator needs {missing.name}: pip install 'qoder-async[emulator]'",
        name=missing.name,
    ) from None

from ._core import Core
from ._faults import RequestFault, StreamFault
from ._ids import IdFactory, now_timestamp
from ._recording import RecordedRequest
from ._script import AgentScript, default_script
from ._service_accounts import EXCHANGE_PATH
from ._store import SessionState, Store
from ._turns import TurnRunner
from ._views import session_view
from .routes._agents import build_agent
from .routes._environments import build_environment
from .routes._files import store_file
from .routes._sessions import create_session_record
from .routes._threads import add_child_thread

__all__ = ["Emulator"]

STARTUP_TIMEOUT = 10.0
SHUTDOWN_TIMEOUT = 5.0
UVICORN_LOGGERS = ("uvicorn.error", "uvicorn.access")


class _OnlyWarningsFrom(logging.Filter):
    """Drops the records below WARNING that one thread logs (the emulator's access log and
    startup lines), so that a uvicorn app serving in the same process keeps a log of its own:
    uvicorn's loggers are shared by every server in a process."""

    def __init__(self, thread_name: str) -> None:
        super().__init__()
        self.thread_name = thread_name

    def filter(self, record: logging.LogRecord) -> bool:
        return record.levelno >= logging.WARNING or record.threadName != self.thread_name


class Emulator:
    """A local, in-process emulator of the Qoder Cloud Agents API.

    Use it as a context manager; ``__enter__`` returns once the socket is listening::

        with Emulator() as emu:
            client = httpx.Client(base_url=emu.base_url, headers={"Authorization": "Bearer x"})

    The server runs on its own asyncio loop in a background thread, so it serves sync tests
    and clients on any event loop alike. All inspection and injection methods are
    thread-safe and hand out copies.

    ``pace`` is the pause in seconds before each event of a turn (a tenth of it between
    preview deltas); 0 runs turns as fast as possible. ``ids="random"`` issues 128 random bits
    per id instead of time-ordered ids, so that a client's reliance on id order shows.
    """

    def __init__(
        self,
        port: int = 0,
        *,
        pace: float = 0.0,
        heartbeat_interval: float = 15.0,
        host: str = "127.0.0.1",
        agent: AgentScript | None = None,
        file_download: str = "bytes",
        ids: str = "ordered",
        work_min_ttl: float = 10.0,
    ) -> None:
        if pace < 0 or heartbeat_interval <= 0:
            raise ValueError("pace must be >= 0 and heartbeat_interval > 0")
        if file_download not in ("bytes", "url"):
            raise ValueError("file_download must be 'bytes' or 'url'")
        self._requested_port = port
        self._host = host
        self._core = Core(
            script=agent or default_script,
            pace=pace,
            heartbeat_interval=heartbeat_interval,
            file_download=file_download,
            store=Store(IdFactory(ids)),
        )
        self._core.work.min_ttl = work_min_ttl
        self._core.runner = TurnRunner(self._core)
        self._server: uvicorn.Server | None = None
        self._thread: threading.Thread | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._socket: socket.socket | None = None
        self._failure: BaseException | None = None
        self._quiet: logging.Filter | None = None
        self._port = 0

    # -- lifecycle -----------------------------------------------------------------------

    def __enter__(self) -> Emulator:
        self.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.stop()

    def start(self) -> None:
        """Bind the socket and serve in a background thread; returns once listening."""
        if self._thread is not None:
            raise RuntimeError("the emulator is already running")
        family = socket.AF_INET6 if ":" in self._host else socket.AF_INET
        # An explicit IPPROTO_TCP lets asyncio set TCP_NODELAY on accepted connections;
        # without it, Nagle's algorithm adds ~40 ms to every keep-alive response.
        sock = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        sock.bind((self._host, self._requested_port))
        sock.listen(128)
        sock.setblocking(False)
        self._socket = sock
        self._port = sock.getsockname()[1]
        self._core.public_url = f"http://{self._url_host}:{self._port}"
        # No log_config, log_level or access_log=False: each of those reconfigures uvicorn's
        # loggers for the whole process. The filter quiets this server's own records instead.
        config = uvicorn.Config(
            build_app(self._core), host=self._host, port=self._port, lifespan="off", log_config=None
        )
        self._server = uvicorn.Server(config)
        self._core.server = self._server
        name = f"qoder-emulator-{self._port}"
        self._quiet = _OnlyWarningsFrom(name)
        for logger in UVICORN_LOGGERS:
            logging.getLogger(logger).addFilter(self._quiet)
        self._thread = threading.Thread(target=self._serve, name=name, daemon=True)
        self._thread.start()
        deadline = time.monotonic() + STARTUP_TIMEOUT
        while not self._server.started:
            if self._failure is not None or not self._thread.is_alive():
                self._thread.join(1.0)
                self._thread = None
                sock.close()
                self._remove_log_filter()
                raise RuntimeError("the emulator failed to start") from self._failure
            if time.monotonic() > deadline:
                self._remove_log_filter()
                raise RuntimeError("the emulator did not start in time")
            time.sleep(0.005)

    def stop(self) -> None:
        """Close live streams and shut the server down (well under 2 s)."""
        server, thread, loop = self._server, self._thread, self._loop
        if server is None or thread is None:
            return
        if loop is not None and not loop.is_closed():
            with contextlib.suppress(RuntimeError):  # the loop closed in the meantime
                loop.call_soon_threadsafe(self._begin_shutdown)
        server.should_exit = True
        server.force_exit = True
        thread.join(SHUTDOWN_TIMEOUT)
        if self._socket is not None:
            self._socket.close()
        self._server = None
        self._thread = None
        self._loop = None
        self._remove_log_filter()

    def _remove_log_filter(self) -> None:
        if self._quiet is not None:
            for logger in UVICORN_LOGGERS:
                logging.getLogger(logger).removeFilter(self._quiet)
            self._quiet = None

    def _begin_shutdown(self) -> None:
        self._core.closing = True
        self._core.store.wake_all()

    def _serve(self) -> None:
        loop = asyncio.new_event_loop()
        asyncio.set_event_loop(loop)
        self._loop = loop
        self._core.loop = loop
        assert self._server is not None
        assert self._socket is not None
        try:
            loop.run_until_complete(self._server.serve(sockets=[self._socket]))
        except BaseException as exc:
            self._failure = exc
        finally:
            try:
                pending = [task for task in asyncio.all_tasks(loop) if not task.done()]
                for task in pending:
                    task.cancel()
                if pending:
                    loop.run_until_complete(asyncio.gather(*pending, return_exceptions=True))
                loop.run_until_complete(loop.shutdown_asyncgens())
            finally:
                loop.close()

    # -- addresses -----------------------------------------------------------------------

    @property
    def _url_host(self) -> str:
        return f"[{self._host}]" if ":" in self._host else self._host

    @property
    def port(self) -> int:
        """The port the emulator listens on (the real one when constructed with port=0)."""
        return self._port

    @property
    def base_url(self) -> str:
        """``http://HOST:PORT/api/v1/cloud``, without a trailing slash."""
        return f"http://{self._url_host}:{self._port}{self._core.base_path}"

    @property
    def exchange_url(self) -> str:
        """The service-account token exchange: ``http://HOST:PORT/api/v1/serviceToken/exchange``
        (pass it as ``ServiceAccountCredential(exchange_url=...)``)."""
        return f"http://{self._url_host}:{self._port}{EXCHANGE_PATH}"

    def _live(self, session_id: str) -> SessionState:
        """A live session, or ``KeyError`` (the test-facing API never raises ``ApiError``)."""
        with self._core.store.lock:
            state = self._core.store.sessions.get(session_id)
        if state is None:
            raise KeyError(session_id)
        return state

    # -- inspection ------------------------------------------------------------------------

    def log(self, session_id: str) -> list[dict[str, Any]]:
        """The session's buffered events in order, in stream form (copies)."""
        store = self._core.store
        with store.lock:
            return copy.deepcopy(store.any_session(session_id).events)

    @property
    def requests(self) -> list[RecordedRequest]:
        """Every request received so far (a snapshot)."""
        return self._core.requests.snapshot()

    @property
    def open_streams(self) -> int:
        """How many SSE connections are open right now."""
        with self._core.store.lock:
            return self._core.store.open_streams

    def count(self, kind: str) -> int:
        """How many objects of a kind are stored.

        Kinds: agents, environments, sessions, files, events, resources, threads.
        """
        return self._core.store.count(kind)

    def wait_idle(self, session_id: str, timeout: float = 10.0) -> None:
        """Block until the session's turn has finished; ``TimeoutError`` if it does not."""
        if not self._core.store.wait_idle(session_id, timeout):
            raise TimeoutError(f"session {session_id} still running after {timeout} s")

    def session(self, session_id: str) -> dict[str, Any]:
        """The stored session object (a copy), as ``GET /sessions/{id}`` would return it."""
        store = self._core.store
        with store.lock:
            return session_view(self._live(session_id))

    def work_items(self, environment_id: str) -> list[dict[str, Any]]:
        """The work items of a self-hosted environment in queue order (copies)."""
        with self._core.store.lock:
            return [self._core.work.view(i) for i in self._core.work.of(environment_id)]

    def file_content(self, file_id: str) -> bytes:
        """The bytes of a stored file (uploaded or produced by the agent)."""
        store = self._core.store
        with store.lock:
            stored = store.files.get(file_id)
            if stored is None:
                raise KeyError(file_id)
            return stored.content

    def files(self) -> list[dict[str, Any]]:
        """The metadata of every stored file, oldest first (copies)."""
        store = self._core.store
        with store.lock:
            return [copy.deepcopy(store.files[k].meta) for k in store.files]

    # -- shortcuts that skip HTTP ----------------------------------------------------------

    def new_session(
        self,
        *,
        agent: Mapping[str, Any] | None = None,
        **session_fields: Any,
    ) -> dict[str, Any]:
        """Create an agent, an environment and a session bound to both, without HTTP.

        ``agent`` holds agent create fields (default: name "emulated-agent", model
        "ultimate"); ``session_fields`` are session create fields (not ``initial_events``).
        Returns the session object.
        """
        if "initial_events" in session_fields:
            raise ValueError("send initial events over HTTP; new_session does not run turns")
        store = self._core.store
        agent_body = {"name": "emulated-agent", "model": "ultimate", **dict(agent or {})}
        with store.lock:
            agent_object = build_agent(store.ids.new("agent_"), agent_body, 1, now_timestamp())
            store.agents[agent_object["id"]] = [agent_object]
            environment = build_environment({"name": "emulated-environment"}, store.ids)
            store.environments[environment["id"]] = environment
            body = {"agent": agent_object["id"], "environment_id": environment["id"]}
            state, _ = create_session_record(self._core, {**body, **session_fields})
            return session_view(state)

    def upload(
        self,
        filename: str,
        content: bytes,
        mime_type: str | None = None,
        *,
        status: str = "ready",
    ) -> dict[str, Any]:
        """Store a file as if uploaded; returns its metadata.

        A ``status`` other than "ready" (e.g. "processing") makes mounting it a 409.
        """
        meta = store_file(self._core.store, filename, content, mime_type)
        if status != "ready":
            with self._core.store.lock:
                self._core.store.files[meta["id"]].meta["status"] = status
            meta["status"] = status
        return meta

    def add_thread(self, session_id: str, agent_name: str = "worker") -> dict[str, Any]:
        """Add a child thread to a session (publishing ``session.thread_created``)."""
        return add_child_thread(self._core, self._live(session_id), agent_name)

    # -- service accounts ------------------------------------------------------------------

    def add_service_account(self, key: str, *, ttl_seconds: int | None = None) -> None:
        """Accept ``key`` at :attr:`exchange_url`; ``ttl_seconds`` caps the lifetime of the
        tokens issued for it (short lifetimes test renewal). Requests carrying an issued
        token after its lifetime get 401."""
        self._core.service_accounts.add(key, ttl_seconds)

    def expire_tokens(self) -> None:
        """End the lifetime of every access token issued so far (their next use gets 401)."""
        self._core.service_accounts.expire_all()

    @property
    def exchanges(self) -> int:
        """How many token exchanges were received (accepted or refused)."""
        return self._core.service_accounts.exchanges

    # -- injection -------------------------------------------------------------------------

    def append_events(
        self, session_id: str, events: Sequence[Mapping[str, Any]]
    ) -> list[dict[str, Any]]:
        """Append events to a session's log and publish them to its live streams.

        Each needs a ``"type"``; ``id`` and ``processed_at`` are assigned unless given.
        Returns the stored copies.
        """
        return self._core.store.publish(self._live(session_id), events)

    def stream_faults(self, session_id: str | None, faults: Sequence[StreamFault]) -> None:
        """Queue faults, one per new stream connection, for a session (or any, if None)."""
        self._core.faults.add_stream_faults(session_id, faults)

    def request_faults(self, faults: Sequence[RequestFault]) -> None:
        """Queue faults for ordinary requests, consumed in order by matching requests."""
        self._core.faults.add_request_faults(faults)

    def clear_faults(self) -> None:
        """Drop every queued fault not yet consumed and reset the stream options."""
        self._core.faults.clear()

    def set_stream_options(self, session_id: str | None, **options: Any) -> None:
        """Set persistent wire options for new stream connections (globally if None).

        Options: ``heartbeat_ms``, ``line_ending`` ("\\n", "\\r\\n", "\\r"), ``multiline_data``,
        ``bom``, ``retry_ms``, ``omit_event_line``, ``omit_data_id``.
        """
        self._core.faults.set_options(session_id, options)
