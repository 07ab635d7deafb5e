"""``client.sessions.threads``: the threads of a multi-agent session, and their events."""

from __future__ import annotations

from functools import cached_property

from .._errors import NotFoundError
from .._http._headers import check_event_id
from .._http._urls import path_segment
from .._models._events import Event
from .._models._objects import SessionThread
from ..streaming._reconnect import OnReconnect
from ..streaming._stream import EventStream
from ._endpoints import Resource, endpoint, route
from ._pagination import AsyncPager

__all__ = ["SessionThreads", "ThreadEvents"]

FINISHED_THREAD_STATUSES = frozenset({"archived", "terminated"})


class ThreadEvents(Resource):
    """``client.sessions.threads.events``: one thread's history and live stream."""

    @endpoint("GET", "/sessions/{session_id}/threads/{thread_id}/events")
    def list(
        self,
        session_id: str,
        thread_id: str,
        /,
        *,
        limit: int | None = None,
        page: str | None = None,
        after_id: str | None = None,
        before_id: str | None = None,
    ) -> AsyncPager[Event]:
        """The thread's history (complete events only), oldest first."""

    @route("GET", "/sessions/{session_id}/threads/{thread_id}/stream")
    def stream(
        self,
        session_id: str,
        thread_id: str,
        /,
        *,
        last_event_id: str | None = None,
        idle_timeout: float | None = None,
        on_reconnect: OnReconnect | None = None,
    ) -> EventStream:
        """Follow the thread's events live: the same resumable :class:`EventStream` as a
        session's, without delta previews (thread streams have none); ``on_reconnect`` as
        for a session's.

        Ends when the session ends for good, or on reconnect when the thread is archived
        or gone.
        """
        if last_event_id is not None:
            check_event_id(last_event_id)
        path = (
            f"/sessions/{path_segment(session_id, 'session_id')}"
            f"/threads/{path_segment(thread_id, 'thread_id')}"
        )
        threads = SessionThreads(self._client)

        async def finished() -> bool:
            try:
                info = await threads.retrieve(session_id, thread_id)
            except NotFoundError:
                return True
            return info.archived_at is not None or info.status in FINISHED_THREAD_STATUSES

        return EventStream(
            self._client,
            path + "/stream",
            last_event_id=last_event_id,
            idle_timeout=idle_timeout,
            probe=finished,
            on_reconnect=on_reconnect,
        )


class SessionThreads(Resource):
    """``client.sessions.threads``: list, retrieve, archive; ``events``."""

    @cached_property
    def events(self) -> ThreadEvents:
        """A thread's history and live stream."""
        return ThreadEvents(self._client)

    @endpoint("GET", "/sessions/{session_id}/threads")
    def list(
        self, session_id: str, /, *, limit: int | None = None, page: str | None = None
    ) -> AsyncPager[SessionThread]:
        """The session's threads: the coordinator first, then the threads it started."""

    @endpoint("GET", "/sessions/{session_id}/threads/{thread_id}")
    async def retrieve(self, session_id: str, thread_id: str, /) -> SessionThread:
        """One thread: its agent, status, usage."""

    @endpoint("POST", "/sessions/{session_id}/threads/{thread_id}/archive")
    async def archive(self, session_id: str, thread_id: str, /) -> SessionThread:
        """Archive a child thread: its pending messages are cancelled and the coordinator
        stops waiting for it."""
