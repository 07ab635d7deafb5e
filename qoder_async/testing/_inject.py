"""``FaultInjector``: the emulator's faults in the words a test uses."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING

from ._faults import RequestFault, StreamFault
from ._scripted import SessionRef, session_id_of

if TYPE_CHECKING:
    from ._server import Emulator

__all__ = ["FaultInjector"]


class FaultInjector:
    """Queue misbehaviours on an emulator: each stream fault hits one new stream connection
    (of ``session``, or of any session when it is None), each request fault the next
    matching requests. ``clear()`` drops the ones not consumed yet."""

    def __init__(self, emulator: Emulator) -> None:
        self._emulator = emulator

    def _stream(self, session: SessionRef | None, fault: StreamFault) -> None:
        key = None if session is None else session_id_of(session)
        self._emulator.stream_faults(key, [fault])

    def drop_stream(
        self, after: int = 0, *, session: SessionRef | None = None, mid_frame: bool = False
    ) -> None:
        """Cut the next stream connection after ``after`` event frames (``mid_frame``:
        half-way through the next one). A client resumes with ``Last-Event-ID``."""
        self._stream(session, StreamFault(drop_after=after, drop_mid_frame=mid_frame))

    def stall_stream(
        self, seconds: float, *, after: int = 0, session: SessionRef | None = None
    ) -> None:
        """Send nothing at all, not even heartbeats, for ``seconds`` after ``after`` frames."""
        self._stream(session, StreamFault(stall=seconds, stall_after=after))

    def refuse_stream(
        self, status: int, *, retry_after: str | None = None, session: SessionRef | None = None
    ) -> None:
        """Answer the next stream request with an error ``status`` (``Retry-After`` if given)."""
        self._stream(session, StreamFault(status=status, retry_after=retry_after))

    def fail_requests(
        self,
        status: int,
        *,
        times: int = 1,
        method: str | None = None,
        path: str | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> None:
        """Answer the next ``times`` matching requests with an error ``status`` without
        executing them. ``path`` is a prefix relative to the base URL (``"/sessions"``)."""
        self._emulator.request_faults(
            [
                RequestFault(
                    status=status,
                    times=times,
                    method=method,
                    path_prefix=path,
                    headers=dict(headers or {}),
                )
            ]
        )

    def lose_responses(
        self, *, times: int = 1, method: str | None = None, path: str | None = None
    ) -> None:
        """Execute the next ``times`` matching requests, then close the connection without
        answering: what a retry with the same ``Idempotency-Key`` must survive."""
        self._emulator.request_faults(
            [RequestFault(drop_response=True, times=times, method=method, path_prefix=path)]
        )

    def clear(self) -> None:
        """Drop every fault not consumed yet (and reset stream options)."""
        self._emulator.clear_faults()
