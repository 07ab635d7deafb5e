"""The SSE endpoints: ``…/events/stream`` and ``…/threads/{id}/stream``.

They are raw ASGI apps rather than Starlette responses so that they can watch for the client
going away while idle, stall, and abort the connection in the middle of a body.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from typing import TYPE_CHECKING

from starlette.requests import Request

from ._errors import ApiError, bad_request, not_found
from ._faults import StreamFault, StreamOptions
from ._params import query_list
from ._responses import error_response, request_id_of
from ._sse import comment, encode_frame, retry_field
from ._store import TERMINAL_EVENT_TYPES, FeedItem, SessionState, Subscriber

if TYPE_CHECKING:
    from starlette.types import Receive, Scope, Send

    from ._core import Core

__all__ = ["StreamEndpoint"]

DELTA_TYPES = frozenset({"agent.message", "agent.thinking"})


class _Dropped(Exception):
    """The fault says: abort this connection now."""


class StreamEndpoint:
    """ASGI app serving one kind of stream (session-wide, or one thread)."""

    def __init__(self, core: Core, *, thread: bool = False) -> None:
        self.core = core
        self.thread = thread

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        request = Request(scope, receive)
        request_id = request_id_of(scope)
        store = self.core.store
        try:
            session_id = request.path_params["session_id"]
            state = store.session(session_id)
            thread_id: str | None = None
            if self.thread:
                thread_id = request.path_params["thread_id"]
                if thread_id not in state.threads:
                    raise not_found("Session thread", thread_id)
            deltas = self._deltas(request)
        except ApiError as exc:
            await error_response(request_id, exc)(scope, receive, send)
            return

        fault = self.core.faults.next_stream_fault(session_id) or StreamFault()
        if fault.status is not None:
            headers = {"Retry-After": fault.retry_after} if fault.retry_after is not None else None
            error = ApiError(
                fault.status, "The stream is temporarily unavailable.", headers=headers
            )
            await error_response(request_id, error)(scope, receive, send)
            return

        options = self.core.faults.options_for(session_id)
        subscriber = store.subscribe(
            state,
            asyncio.get_running_loop(),
            last_event_id=request.headers.get("last-event-id"),
            deltas=deltas,
            thread_id=thread_id,
        )
        try:
            connection = _Connection(
                self.core, state, subscriber, options, fault, scope, receive, send
            )
            await connection.serve()
        finally:
            store.unsubscribe(state, subscriber)

    def _deltas(self, request: Request) -> frozenset[str]:
        requested = set(query_list(request.query_params, "event_deltas"))
        unknown = requested - DELTA_TYPES
        if unknown:
            raise bad_request(
                "event_deltas[] accepts agent.message and agent.thinking, "
                f"not {sorted(unknown)[0]!r}.",
                "event_deltas[]",
            )
        # Thread streams do not support deltas (docs); the parameter is accepted and ignored.
        return frozenset() if self.thread else frozenset(requested)


class _Connection:
    """One open SSE response."""

    def __init__(
        self,
        core: Core,
        state: SessionState,
        subscriber: Subscriber,
        options: StreamOptions,
        fault: StreamFault,
        scope: Scope,
        receive: Receive,
        send: Send,
    ) -> None:
        self.core = core
        self.state = state
        self.subscriber = subscriber
        self.options = options
        self.fault = fault
        self.scope = scope
        self.receive = receive
        self.send = send
        self.sent_frames = 0
        self.stalled = False
        self.stall_ended = False
        self.disconnected = asyncio.Event()
        interval_ms = options.heartbeat_ms
        self.heartbeat = interval_ms / 1000 if interval_ms is not None else core.heartbeat_interval

    async def serve(self) -> None:
        watcher = asyncio.ensure_future(self._watch_disconnect())
        try:
            await self.send(
                {
                    "type": "http.response.start",
                    "status": 200,
                    "headers": [
                        (b"content-type", b"text/event-stream; charset=utf-8"),
                        (b"cache-control", b"no-cache"),
                        (b"x-accel-buffering", b"no"),
                    ],
                }
            )
            await self._pump()
            if not self.disconnected.is_set():
                await self.send({"type": "http.response.body", "body": b"", "more_body": False})
        except _Dropped:
            if self.core.abort_connection(self.scope):
                # Return only once uvicorn has seen the connection go, so it does not try to
                # finish the response itself.
                with contextlib.suppress(asyncio.TimeoutError):
                    await asyncio.wait_for(self.disconnected.wait(), 2.0)
            else:
                raise
        finally:
            watcher.cancel()

    async def _watch_disconnect(self) -> None:
        while True:
            message = await self.receive()
            if message["type"] == "http.disconnect":
                self.disconnected.set()
                self.subscriber.wake.set()
                return

    async def _write(self, data: bytes) -> None:
        await self.send({"type": "http.response.body", "body": data, "more_body": True})

    def _finished(self) -> bool:
        return self.disconnected.is_set() or self.core.closing

    def _session_over(self) -> bool:
        """Archived or terminated: nothing more will be published, so the body ends once
        what was asked for is replayed (a stream opened later does not wait forever)."""
        with self.core.store.lock:
            record = self.state.record
            return record.get("archived_at") is not None or record.get("status") == "terminated"

    async def _opening(self) -> None:
        prefix = b""
        if self.options.bom:
            prefix += "\ufeff".encode()
        retry = self.fault.retry_ms if self.fault.retry_ms is not None else self.options.retry_ms
        if retry is not None:
            prefix += retry_field(retry, self.options)
        if not (self.fault.stall and self.fault.stall_after == 0):
            prefix += comment("heartbeat", self.options)
        await self._write(prefix)
        await self._after_frame()

    async def _after_frame(self) -> None:
        """Apply a fault that triggers once enough frames went out."""
        fault = self.fault
        if (
            fault.drop_after is not None
            and not fault.drop_mid_frame
            and self.sent_frames >= fault.drop_after
        ):
            raise _Dropped
        if fault.stall > 0 and not self.stalled and self.sent_frames >= fault.stall_after:
            self.stalled = True
            with contextlib.suppress(asyncio.TimeoutError):
                await asyncio.wait_for(self.disconnected.wait(), fault.stall)
            self.stall_ended = True

    async def _frame(self, item: FeedItem) -> None:
        data = encode_frame(item, self.options)
        fault = self.fault
        if (
            fault.drop_after is not None
            and fault.drop_mid_frame
            and self.sent_frames >= fault.drop_after
        ):
            await self._write(data[: max(1, len(data) // 2)])
            raise _Dropped
        await self._write(data)
        self.sent_frames += 1
        await self._after_frame()

    async def _pump(self) -> None:
        await self._opening()
        store = self.core.store
        next_heartbeat = time.monotonic() + self.heartbeat
        while not self._finished():
            self.subscriber.wake.clear()
            over = self._session_over()  # checked first, so the read below has all there is
            for item in store.read(self.state, self.subscriber):
                await self._frame(item)
                if self._finished():
                    return
                if not item.is_delta and item.sse_event in TERMINAL_EVENT_TYPES:
                    return
            if over:
                return
            if self.stall_ended:
                # Silence is the point of a stall: restart the heartbeat clock after it.
                self.stall_ended = False
                next_heartbeat = time.monotonic() + self.heartbeat
            remaining = next_heartbeat - time.monotonic()
            if remaining <= 0:
                await self._write(comment("heartbeat", self.options))
                next_heartbeat = time.monotonic() + self.heartbeat
                continue
            with contextlib.suppress(asyncio.TimeoutError):
                await asyncio.wait_for(self.subscriber.wake.wait(), remaining)
