"""EventStream: a resumable, typed event stream over one SSE endpoint.

One connection at a time; when it drops, stalls past the idle timeout, or ends, the next one
resumes with ``Last-Event-ID``. Events are read straight off the socket as the consumer asks
for them: nothing queues in between, so a slow consumer slows the socket, not memory.
"""

from __future__ import annotations

import logging
from collections import deque
from collections.abc import AsyncGenerator, Awaitable, Callable, Sequence
from typing import TYPE_CHECKING, Final, Literal

import anyio
import httpx
from httpx_sse import ServerSentEvent

from .._closing import AsyncCloseable
from .._config import retry_after, should_retry
from .._errors import APIStatusError, EventTooLargeError, StreamError
from .._http._headers import sendable_event_id
from .._models._convert import event_id_of, loads, structure_event
from .._models._events import TERMINAL_EVENT_TYPES, Event, MalformedEvent
from ._reconnect import OnReconnect, Reconnect
from ._sse import Frame, FrameDecoder

if TYPE_CHECKING:
    from typing_extensions import Self

    from .._http._core import HTTPCore

__all__ = ["EventStream"]

logger = logging.getLogger("qoder_async")

_PREVIEW_TYPES: Final = frozenset({"event_start", "event_delta"})
# Ids remembered exactly, to drop a replayed event. Ids are opaque (nothing says they sort by
# time), so a replay is recognised by its exact id only, and only within the window. The
# replays a server makes start at the cursor (the last id delivered; a server that resumes
# inclusively replays that one event), so a few ids would do; 64 also covers a server or proxy
# that resumes up to 63 events early. Each id costs ~220 B (the string, a set slot, a deque
# slot): 64 of the API's ids hold 13.8 KiB (benchmarks/run.py, dedupe_window_kib), which
# keeps a stream of any age under the 80 KiB per stream measured in benchmarks/RESULTS.md.
_RECENT_IDS: Final = 64
_HEALTHY_AFTER: Final = 5.0  # a connection open this long counts as healthy even if quiet
_CONNECTED: Final = object()

Probe = Callable[[], Awaitable[bool]]
"""Asked after a connection ended cleanly with no event: is the stream over for good?"""


def decode_frame(sse: Frame | ServerSentEvent) -> Event:
    """Turn one SSE frame into a typed event; never raises.

    The JSON's own ``id`` and ``type`` win; the frame's ``id:`` and ``event:`` lines fill them
    in when missing, empty or ``null``. A numeric JSON id becomes a string. A frame that is not
    a JSON object, or whose fields have the wrong shape (a ``type`` that is not a string
    included), becomes a :class:`MalformedEvent` carrying its text, and the id it carried,
    so the cursor still moves past it.
    """
    event_id = sse.id
    event_type = sse.event
    try:
        data = loads(sse.payload if isinstance(sse, Frame) else sse.data)
        if not isinstance(data, dict):
            raise TypeError(f"event data is a JSON {type(data).__name__}, not an object")
        raw_id = data.get("id")
        if type(raw_id) is str and raw_id:
            event_id = raw_id
        else:
            event_id = event_id_of(raw_id, sse.id)
            if event_id or raw_id is not None:
                data["id"] = event_id
        tag = data.get("type")
        if tag is None:
            if sse.event != "message":
                data["type"] = sse.event
        elif type(tag) is str:
            event_type = tag
        return structure_event(data)
    except (ValueError, TypeError, KeyError, AttributeError) as exc:
        return MalformedEvent(
            id=event_id,
            type=event_type,
            data=sse.data,
            error=f"{type(exc).__name__}: {exc}",
        )


class EventStream(AsyncCloseable):
    """An endless async iterator of typed events that resumes across reconnects.

    ``async for event in stream`` yields each event once, in order. Use ``async with`` (or
    :meth:`aclose`) to close the connection deterministically; breaking out of the loop or
    cancelling the task closes it too. :attr:`last_event_id` is where a new stream would
    resume. Iteration ends after ``session.status_terminated`` / ``session.deleted``, or when
    the session is gone (404) or archived (409) on reconnect.

    Ids are opaque strings: an event is dropped as a replay only when its exact id is one of
    the last 64 delivered (or the ``last_event_id`` the stream started from); nothing
    depends on how ids sort. An event without an id is yielded and leaves the cursor as is.

    ``on_reconnect`` (a plain function) is told each time the connection drops or an attempt
    to reopen it fails, and again when a new connection is open: see :class:`Reconnect`.

    Raises:
        APIStatusError: the first connection was refused (e.g. 404), or a later one with a
            status that is not retried.
        StreamError: too many consecutive connections failed (``__cause__`` says why).
        EventTooLargeError: an event (or a line) grew past the client's ``max_event_size``.
    """

    def __init__(
        self,
        client: HTTPCore,
        path: str,
        *,
        last_event_id: str | None = None,
        deltas: Sequence[str] = (),
        idle_timeout: float | None = None,
        probe: Probe | None = None,
        on_reconnect: OnReconnect | None = None,
    ) -> None:
        # The generator holds the follower, not this object: when the caller drops the
        # stream (breaks out of a loop), nothing cycles back, so the generator is finalised
        # at once and its connection closed.
        self._follower = _Follower(
            client, path, deltas, idle_timeout, probe, last_event_id, on_reconnect
        )
        self._gen = self._follower.run()

    @property
    def reconnects(self) -> int:
        """How many times the stream reconnected."""
        return self._follower.reconnects

    @property
    def last_event_id(self) -> str | None:
        """The id of the last complete event yielded (the resume cursor)."""
        return self._follower.last_event_id

    async def open(self) -> Self:
        """Connect now (the server has answered when this returns); iteration continues
        from this connection. Used to subscribe before sending, so nothing is missed."""
        item = await self._gen.__anext__()
        if item is not _CONNECTED:  # pragma: no cover - the generator announces first
            raise RuntimeError("stream announced an event before connecting")
        return self

    def __aiter__(self) -> EventStream:
        return self

    async def __anext__(self) -> Event:
        while True:
            item = await self._gen.__anext__()
            if item is not _CONNECTED:
                return item  # type: ignore[return-value]  # anything else is an Event

    async def aclose(self) -> None:
        """Close the connection; iteration ends."""
        await self._gen.aclose()

    async def __aenter__(self) -> Self:
        return await self.open()


class _Follower:
    """The state of one followed stream and the generator that follows it."""

    def __init__(
        self,
        client: HTTPCore,
        path: str,
        deltas: Sequence[str],
        idle_timeout: float | None,
        probe: Probe | None,
        last_event_id: str | None,
        on_reconnect: OnReconnect | None = None,
    ) -> None:
        self._client = client
        self._path = path
        self._params = [("event_deltas[]", kind) for kind in deltas]
        self._idle_timeout = idle_timeout
        self._probe = probe
        self._on_reconnect = on_reconnect
        self.last_event_id = last_event_id
        self.reconnects = 0
        self._recent: set[str] = set()
        # Oldest first. (A dict in insertion order would do, but finding its first key walks
        # over every slot deleted before it: ~2 µs an event once the window is full.)
        self._recent_order: deque[str] = deque()
        if last_event_id:
            # A server that resumes inclusively sends the cursor's own event first.
            self._remember(last_event_id)

    def _remember(self, event_id: str) -> bool:
        """Record a delivered id; False if it is one of the last ``_RECENT_IDS`` delivered."""
        recent = self._recent
        if event_id in recent:
            return False
        order = self._recent_order
        if len(order) == _RECENT_IDS:
            recent.discard(order.popleft())
        recent.add(event_id)
        order.append(event_id)
        return True

    async def run(self) -> AsyncGenerator[object, None]:
        policy = self._client.retry_policy
        failures = 0
        announced = False
        connected_once = False
        disconnected = False  # told on_reconnect so, and not yet that it reconnected
        while True:
            healthy = False
            server_retry: int | None = None
            error: BaseException | None = None
            wait_hint: float | None = None
            headers = {"Last-Event-ID": self.last_event_id.encode()} if self.last_event_id else None
            opened_at = anyio.current_time()
            try:
                async with self._client.stream_response(
                    self._path,
                    params=self._params,
                    headers=headers,
                    idle_timeout=self._idle_timeout,
                ) as response:
                    connected_once = True
                    if disconnected:
                        disconnected = False
                        self._tell("reconnected")
                    if not announced:
                        announced = True
                        yield _CONNECTED
                    decoder = FrameDecoder(self._client.max_event_size)
                    try:
                        async for chunk in response.aiter_bytes():
                            for sse in decoder.feed(chunk):
                                event = decode_frame(sse)
                                if event.type not in _PREVIEW_TYPES and event.id:
                                    if not self._remember(event.id):
                                        continue
                                    if sendable_event_id(event.id):
                                        # An id with CR, LF or NUL cannot be sent back: it is
                                        # deduped, but the cursor stays on the one before.
                                        self.last_event_id = event.id
                                healthy = True
                                yield event
                                if event.type in TERMINAL_EVENT_TYPES:
                                    return
                            if decoder.error is not None:
                                raise decoder.error
                    except EventTooLargeError as exc:
                        # Resuming would receive the same event again: the stream ends.
                        exc.last_event_id = self.last_event_id
                        raise
                    finally:
                        server_retry = decoder.retry
            except APIStatusError as exc:
                if connected_once and exc.status_code in (404, 409):
                    logger.info("stream %s ended: %s", self._path, exc)
                    return
                if not should_retry(
                    safe=True, status=exc.status_code, headers=exc.response.headers
                ):
                    raise
                error = exc
                wait_hint = retry_after(exc.response.headers)
            except httpx.TransportError as exc:
                error = exc
            if healthy or anyio.current_time() - opened_at >= _HEALTHY_AFTER:
                failures = 0
            else:
                failures += 1
                if failures >= policy.stream_max_failures:
                    raise StreamError(
                        f"stream {self._path} failed {failures} times in a row"
                        + (f": {type(error).__name__}: {error}" if error else ""),
                        last_event_id=self.last_event_id,
                        attempts=failures,
                    ) from error
            if error is None and not healthy and self._probe is not None and await self._probe():
                return
            delay = policy.stream_delay(failures, server_retry)
            if wait_hint is not None:
                delay = min(max(delay, wait_hint), policy.max_retry_after)
            logger.info(
                "stream %s reconnecting in %.2fs after %s",
                self._path,
                delay,
                f"{type(error).__name__}: {error}" if error else "the server closed it",
            )
            self._client.telemetry.reconnect(
                self._path, self.reconnects + 1, delay, type(error).__name__ if error else None
            )
            disconnected = True
            self._tell("disconnected", error=error, failures=failures, delay=delay)
            await anyio.sleep(delay)
            self.reconnects += 1

    def _tell(
        self,
        state: Literal["disconnected", "reconnected"],
        *,
        error: BaseException | None = None,
        failures: int = 0,
        delay: float = 0.0,
    ) -> None:
        if self._on_reconnect is None:
            return
        self._on_reconnect(
            Reconnect(
                state=state,
                url=self._client.url(self._path),
                error=error,
                failures=failures,
                max_failures=self._client.retry_policy.stream_max_failures,
                delay=delay,
                last_event_id=self.last_event_id,
            )
        )
