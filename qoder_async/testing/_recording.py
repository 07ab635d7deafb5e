"""A thread-safe record of every request the emulator received."""

from __future__ import annotations

import threading
from dataclasses import dataclass, field

__all__ = ["RecordedRequest", "RequestLog"]


@dataclass(frozen=True)
class RecordedRequest:
    """One received request. ``headers`` has lower-cased names; repeated headers are joined."""

    method: str
    path: str
    query: str
    headers: dict[str, str] = field(default_factory=dict)
    body: bytes = b""


class RequestLog:
    """Append-only list of requests, safe to snapshot from any thread."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._items: list[RecordedRequest] = []

    def add(self, request: RecordedRequest) -> None:
        """Record a request."""
        with self._lock:
            self._items.append(request)

    def snapshot(self) -> list[RecordedRequest]:
        """A copy of everything recorded so far."""
        with self._lock:
            return list(self._items)

    def clear(self) -> None:
        """Forget everything recorded so far."""
        with self._lock:
            self._items.clear()
