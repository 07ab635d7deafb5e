"""Fault descriptions and per-connection wire options for the emulator's tests."""

from __future__ import annotations

import dataclasses
import threading
from collections import deque
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

__all__ = ["STREAM_OPTION_NAMES", "FaultBook", "RequestFault", "StreamFault", "StreamOptions"]


@dataclass(frozen=True)
class StreamFault:
    """A misbehaviour applied to exactly one stream connection.

    - ``drop_after``: abort the connection (incomplete chunked body) after this many event
      frames; with ``drop_mid_frame`` the first half of the next frame is sent before aborting.
    - ``stall`` seconds of total silence (no frames, no heartbeats) after ``stall_after`` frames.
    - ``status`` (+ ``retry_after``): answer the stream request with this error status instead.
    - ``retry_ms``: send an SSE ``retry:`` field when the connection opens.

    Delta frames (``event_start``/``event_delta``) count as event frames; comments do not.
    """

    drop_after: int | None = None
    drop_mid_frame: bool = False
    stall: float = 0.0
    stall_after: int = 0
    status: int | None = None
    retry_after: str | None = None
    retry_ms: int | None = None


@dataclass(frozen=True)
class RequestFault:
    """A misbehaviour for ordinary (non-stream) requests, consumed by matching requests.

    - ``status`` + ``headers``: answer with this error status (envelope body) without executing.
    - ``drop_response``: execute the request, then close the connection without any response.
    - ``method`` / ``path_prefix``: match only these requests (None matches any). The prefix is
      compared to the path relative to the base URL (``/sessions``) or to the full path.
    - ``times``: how many matching requests the fault applies to.
    """

    status: int | None = None
    headers: Mapping[str, str] = field(default_factory=dict)
    method: str | None = None
    path_prefix: str | None = None
    drop_response: bool = False
    times: int = 1
    message: str | None = None

    def __post_init__(self) -> None:
        if self.status is None and not self.drop_response:
            raise ValueError("a RequestFault needs a status or drop_response=True")
        if self.times < 1:
            raise ValueError("times must be at least 1")

    def matches(self, method: str, path: str, base_path: str) -> bool:
        """Whether a request with this method and absolute path is affected."""
        if self.method is not None and self.method.upper() != method.upper():
            return False
        if self.path_prefix is None:
            return True
        relative = path[len(base_path) :] if path.startswith(base_path) else path
        return path.startswith(self.path_prefix) or relative.startswith(self.path_prefix)


@dataclass(frozen=True)
class StreamOptions:
    """Persistent wire options of stream connections (see ``Emulator.set_stream_options``)."""

    heartbeat_ms: int | None = None
    line_ending: str = "\n"
    multiline_data: bool = False
    bom: bool = False
    retry_ms: int | None = None
    omit_event_line: bool = False
    omit_data_id: bool = False

    def __post_init__(self) -> None:
        if self.line_ending not in ("\n", "\r\n", "\r"):
            raise ValueError("line_ending must be '\\n', '\\r\\n' or '\\r'")
        if self.heartbeat_ms is not None and self.heartbeat_ms <= 0:
            raise ValueError("heartbeat_ms must be positive")

    def merged(self, overrides: Mapping[str, Any]) -> StreamOptions:
        """A copy with ``overrides`` applied (validated)."""
        return dataclasses.replace(self, **dict(overrides))


STREAM_OPTION_NAMES = frozenset(f.name for f in dataclasses.fields(StreamOptions))


class FaultBook:
    """Thread-safe queues of pending faults and the stream options in force."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._stream_faults: dict[str | None, deque[StreamFault]] = {}
        self._request_faults: list[list[Any]] = []
        self._options: dict[str | None, dict[str, Any]] = {}

    def add_stream_faults(self, session_id: str | None, faults: Iterable[StreamFault]) -> None:
        """Queue faults for the next stream connections of a session (or of any, if None)."""
        with self._lock:
            self._stream_faults.setdefault(session_id, deque()).extend(faults)

    def next_stream_fault(self, session_id: str) -> StreamFault | None:
        """Consume the fault for a new connection: the session's queue, else the global one."""
        with self._lock:
            for key in (session_id, None):
                queue = self._stream_faults.get(key)
                if queue:
                    return queue.popleft()
            return None

    def add_request_faults(self, faults: Iterable[RequestFault]) -> None:
        """Queue faults for ordinary requests."""
        with self._lock:
            self._request_faults.extend([fault, fault.times] for fault in faults)

    def next_request_fault(self, method: str, path: str, base_path: str) -> RequestFault | None:
        """Consume one use of the first queued fault that matches this request."""
        with self._lock:
            for entry in self._request_faults:
                fault: RequestFault = entry[0]
                if fault.matches(method, path, base_path):
                    entry[1] -= 1
                    if entry[1] <= 0:
                        self._request_faults.remove(entry)
                    return fault
            return None

    def clear(self) -> None:
        """Forget every pending fault and every stream option set."""
        with self._lock:
            self._stream_faults.clear()
            self._request_faults.clear()
            self._options.clear()

    def set_options(self, session_id: str | None, options: Mapping[str, Any]) -> None:
        """Persistently override stream options for a session (or globally, if None)."""
        unknown = set(options) - STREAM_OPTION_NAMES
        if unknown:
            raise TypeError(f"unknown stream options: {sorted(unknown)}")
        with self._lock:
            merged = {**self._options.get(session_id, {}), **options}
            # Validate now, so a bad value fails in the caller rather than in a stream.
            StreamOptions().merged(merged)
            self._options[session_id] = merged

    def options_for(self, session_id: str) -> StreamOptions:
        """The options of a new connection: global ones overridden by the session's."""
        with self._lock:
            overrides = {**self._options.get(None, {}), **self._options.get(session_id, {})}
        return StreamOptions().merged(overrides)
