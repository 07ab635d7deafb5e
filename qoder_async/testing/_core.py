"""The emulator core: configuration and shared state that every endpoint reaches."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from ._faults import FaultBook
from ._recording import RequestLog
from ._service_accounts import ServiceAccounts
from ._store import Store
from ._work import WorkQueues

if TYPE_CHECKING:
    import uvicorn

    from ._script import AgentScript
    from ._turns import TurnRunner

__all__ = ["BASE_PATH", "Core", "IdempotencyEntry"]

BASE_PATH = "/api/v1/cloud"


@dataclass
class IdempotencyEntry:
    """The first request seen with an idempotency key, and (once known) its response."""

    fingerprint: str
    created: float
    done: asyncio.Event = field(default_factory=asyncio.Event)
    status: int | None = None
    headers: list[tuple[bytes, bytes]] = field(default_factory=list)
    body: bytes = b""


@dataclass
class Core:
    """Configuration plus state. Only ``store``, ``faults`` and ``requests`` are thread-safe;
    the rest is touched on the server loop only."""

    script: AgentScript
    pace: float = 0.0
    heartbeat_interval: float = 15.0
    file_download: str = "bytes"
    base_path: str = BASE_PATH
    store: Store = field(default_factory=Store)
    faults: FaultBook = field(default_factory=FaultBook)
    requests: RequestLog = field(default_factory=RequestLog)
    service_accounts: ServiceAccounts = field(default_factory=ServiceAccounts)
    work: WorkQueues = field(default_factory=WorkQueues)
    idempotency: dict[tuple[str, str], IdempotencyEntry] = field(default_factory=dict)
    loop: asyncio.AbstractEventLoop | None = None
    server: uvicorn.Server | None = None
    runner: TurnRunner | None = None
    closing: bool = False
    public_url: str = ""

    def abort_connection(self, scope: Any) -> bool:
        """Close the TCP connection of a request without completing its response.

        ASGI has no way to do this, so the uvicorn connection serving ``scope`` is found by the
        client address; closing its transport gives the client a broken or empty response.
        """
        if self.server is None:
            return False
        client = tuple(scope.get("client") or ())
        for connection in list(self.server.server_state.connections):
            conn: Any = connection
            if tuple(getattr(conn, "client", None) or ()) == client:
                transport = getattr(conn, "transport", None)
                if transport is not None:
                    transport.close()
                    return True
        return False
