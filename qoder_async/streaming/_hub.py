"""EventHub: several consumers of one session sharing one connection.

A reader task owned by the hub's ``async with`` block reads the stream once and hands every
event to each subscriber through a bounded memory stream. A subscriber that falls behind
holds the reader back (and with it the socket) instead of growing a queue: memory stays
bounded by ``buffer`` events per subscriber.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from types import TracebackType

import anyio
from anyio.streams.memory import MemoryObjectReceiveStream, MemoryObjectSendStream

from .._models._events import Event
from ._stream import EventStream

__all__ = ["EventHub"]


class EventHub:
    """Fan one :class:`EventStream` out to many subscribers.

    ::

        async with session.shared_events() as hub:
            async with hub.subscribe() as events:
                async for event in events:
                    ...

    A subscriber sees every event that arrives after it subscribed, in order. When the stream
    ends, every subscription ends; if it fails, the error is raised from the hub's block.
    """

    def __init__(self, stream: EventStream, *, buffer: int = 256) -> None:
        self._stream = stream
        self._buffer = buffer
        self._subscribers: set[MemoryObjectSendStream[Event]] = set()
        self._context: AbstractAsyncContextManager[EventHub] = self._running()
        self._closed = False

    @property
    def subscribers(self) -> int:
        """How many subscriptions are open."""
        return len(self._subscribers)

    @asynccontextmanager
    async def subscribe(self) -> AsyncIterator[MemoryObjectReceiveStream[Event]]:
        """A new subscription: an async iterator of the events from now on."""
        send, receive = anyio.create_memory_object_stream[Event](self._buffer)
        if self._closed:
            send.close()
        else:
            self._subscribers.add(send)
        try:
            async with receive:
                yield receive
        finally:
            self._subscribers.discard(send)
            send.close()

    async def _pump(self) -> None:
        try:
            async for event in self._stream:
                for send in list(self._subscribers):
                    try:
                        await send.send(event)
                    except (anyio.BrokenResourceError, anyio.ClosedResourceError):
                        self._subscribers.discard(send)
        finally:
            self._closed = True
            for send in self._subscribers:
                send.close()
            self._subscribers.clear()

    @asynccontextmanager
    async def _running(self) -> AsyncIterator[EventHub]:
        await self._stream.open()
        try:
            async with anyio.create_task_group() as task_group:
                task_group.start_soon(self._pump)
                yield self
                task_group.cancel_scope.cancel()
        finally:
            with anyio.CancelScope(shield=True):
                await self._stream.aclose()

    async def __aenter__(self) -> EventHub:
        return await self._context.__aenter__()

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> bool | None:
        return await self._context.__aexit__(exc_type, exc, tb)
