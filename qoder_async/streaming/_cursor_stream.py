"""CursorStream: an EventStream that starts from a cursor store and commits what was handled.

When is an event handled? When the consumer asks for the next one: the body of
``async for`` returned without raising. The commit is therefore automatic, not an explicit
``ack``, because that is the one moment the loop itself can see, it costs the consumer no
code, and it cannot be forgotten; a body that raises, or a task cancelled mid-body, leaves
its event uncommitted, so it is delivered again. Leaving the loop with ``break`` inside
``async with session.events(...)`` (clean exit) counts the last event as handled; any other
close does not. Closing flushes commits a batching store held back.
"""

from __future__ import annotations

from types import TracebackType
from typing import TYPE_CHECKING, Any, Final

import anyio

from .._models._events import Event
from ..cursors._store import CursorStore
from ._stream import EventStream

if TYPE_CHECKING:
    from .._http._core import HTTPCore

__all__ = ["CursorStream"]

_FLUSH_TIMEOUT: Final = 10.0  # a close must end even if the store does not answer


class CursorStream(EventStream):
    """An :class:`EventStream` whose start and progress live in a :class:`CursorStore`.

    Without an explicit ``last_event_id`` it resumes after ``cursors.load(session_id)``.
    """

    def __init__(
        self,
        client: HTTPCore,
        path: str,
        *,
        cursors: CursorStore,
        session_id: str,
        **options: Any,
    ) -> None:
        super().__init__(client, path, **options)
        self.cursors = cursors
        """Where the stream loads its start and commits handled events."""
        self._session_id = session_id
        self._committed: str | None = None
        self._loaded = False

    async def _load(self) -> None:
        self._loaded = True
        self._committed = self.last_event_id
        if self._committed is None:
            self._committed = await self.cursors.load(self._session_id)
            if self._committed is not None:
                # Not connected yet: the first connection starts after the stored cursor.
                self._follower.last_event_id = self._committed

    async def _commit_last(self) -> None:
        current = self.last_event_id
        if current is not None and current != self._committed:
            self._committed = current
            await self.cursors.commit(self._session_id, current)

    async def open(self) -> CursorStream:
        """Load the start from the store, then connect (see :meth:`EventStream.open`)."""
        if not self._loaded:
            await self._load()
        await super().open()
        return self

    async def __anext__(self) -> Event:
        if self._loaded:
            await self._commit_last()  # asking for the next event: the last one is handled
        else:
            await self._load()
        return await super().__anext__()

    async def aclose(self) -> None:
        """Close the connection, then flush the store's held-back commits."""
        try:
            await super().aclose()
        finally:
            with anyio.CancelScope(shield=True), anyio.fail_after(_FLUSH_TIMEOUT):
                await self.cursors.flush(self._session_id)

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        try:
            if exc_type is None and self._loaded:
                await self._commit_last()
        finally:
            await self.aclose()
