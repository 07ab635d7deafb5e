"""``client.sessions`` and its sub-resources ``events``, ``resources`` and ``threads``."""

from __future__ import annotations

from collections.abc import Sequence
from functools import cached_property, partial
from typing import NamedTuple

from .._config import NOT_GIVEN, NotGiven
from .._errors import NotFoundError
from .._http._headers import check_event_id
from .._http._urls import path_segment
from .._models._content import JSONObject
from .._models._events import Event
from .._models._objects import DeletedObject, Session, SessionResource
from .._models._params import EventParam, ResourceParam
from ..cursors._store import CursorStore
from ..streaming._cursor_stream import CursorStream
from ..streaming._reconnect import OnReconnect
from ..streaming._stream import EventStream
from ._endpoints import Resource, endpoint, route
from ._files import Files
from ._pagination import AsyncPager
from ._session import AsyncSession
from ._threads import SessionThreads

__all__ = ["SessionEvents", "SessionResources", "Sessions"]

DELTA_KINDS = ("agent.message", "agent.thinking")
"""The event types whose previews ``deltas=True`` asks for."""

FINISHED_STATUSES = frozenset({"archived", "terminated", "deleted"})


class _SessionAPI(NamedTuple):
    sessions: Sessions
    files: Files


def _bind_session(sessions: Sessions, info: Session) -> AsyncSession:
    return AsyncSession(_SessionAPI(sessions, Files(sessions._client)), info.id, info)


def delta_kinds(deltas: bool | Sequence[str]) -> Sequence[str]:
    """The ``event_deltas[]`` values for a ``deltas`` argument."""
    if isinstance(deltas, bool):
        return DELTA_KINDS if deltas else ()
    return tuple(deltas)


class SessionEvents(Resource):
    """``client.sessions.events``: send events, read the history, follow the stream."""

    @endpoint("POST", "/sessions/{session_id}/events", unwrap="data")
    async def send(
        self,
        session_id: str,
        /,
        *,
        events: Sequence[EventParam],
        idempotency_key: str | None = None,
    ) -> list[Event]:
        """Send events (``user.message``, ``user.interrupt``, ...); returns their echoes.

        A ``user.message`` while a turn runs gives ``ConflictError`` (409).
        """

    @endpoint("GET", "/sessions/{session_id}/events")
    def list(
        self,
        session_id: str,
        /,
        *,
        limit: int | None = None,
        page: str | None = None,
        after_id: str | None = None,
        before_id: str | None = None,
        order: str | None = None,
        types: Sequence[str] | None = None,
        created_at_gt: str | None = None,
        created_at_gte: str | None = None,
        created_at_lt: str | None = None,
        created_at_lte: str | None = None,
    ) -> AsyncPager[Event]:
        """The session's history (complete events only), oldest first by default."""

    @route("GET", "/sessions/{session_id}/events/stream")
    def stream(
        self,
        session_id: str,
        /,
        *,
        last_event_id: str | None = None,
        deltas: bool | Sequence[str] = False,
        idle_timeout: float | None = None,
        cursors: CursorStore | None = None,
        on_reconnect: OnReconnect | None = None,
    ) -> EventStream:
        """Follow the session's events live; see :class:`EventStream`.

        Without ``last_event_id`` the stream starts now; with it, it replays what followed
        that event first. ``deltas=True`` adds ``EventStart``/``EventDelta`` previews of
        messages and thinking. ``idle_timeout`` overrides the client's
        ``stream_idle_timeout``. With ``cursors`` the stream starts after the stored cursor
        (unless ``last_event_id`` is given) and commits each event once handled; see
        :class:`CursorStore`. ``on_reconnect`` is told when the connection drops and when
        it is back (see :class:`Reconnect`).
        """
        if last_event_id is not None:
            check_event_id(last_event_id)
        path = f"/sessions/{path_segment(session_id, 'session_id')}"
        sessions = Sessions(self._client)

        async def finished() -> bool:
            try:
                info = await sessions.retrieve(session_id)
            except NotFoundError:
                return True
            return info.archived_at is not None or info.status in FINISHED_STATUSES

        make = (
            EventStream
            if cursors is None
            else partial(CursorStream, cursors=cursors, session_id=session_id)
        )
        return make(
            self._client,
            path + "/events/stream",
            last_event_id=last_event_id,
            deltas=delta_kinds(deltas),
            idle_timeout=idle_timeout,
            probe=finished,
            on_reconnect=on_reconnect,
        )


class SessionResources(Resource):
    """``client.sessions.resources``: files and repositories mounted into a session."""

    @endpoint("POST", "/sessions/{session_id}/resources", unwrap="resources")
    async def add(
        self,
        session_id: str,
        /,
        *,
        resources: Sequence[ResourceParam],
        idempotency_key: str | None = None,
    ) -> list[SessionResource]:
        """Mount resources; returns the session's resources after the change.

        Raises ``ConflictError`` if one is already mounted or a file is not ready.
        """

    @endpoint("GET", "/sessions/{session_id}/resources")
    def list(
        self,
        session_id: str,
        /,
        *,
        limit: int | None = None,
        page: str | None = None,
        after_id: str | None = None,
        before_id: str | None = None,
    ) -> AsyncPager[SessionResource]:
        """The resources mounted into the session."""

    @endpoint("GET", "/sessions/{session_id}/resources/{resource_id}")
    async def retrieve(self, session_id: str, resource_id: str, /) -> SessionResource:
        """One mounted resource."""

    @endpoint("POST", "/sessions/{session_id}/resources/{resource_id}")
    async def update(
        self,
        session_id: str,
        resource_id: str,
        /,
        *,
        authorization_token: str | NotGiven = NOT_GIVEN,
        password: str | NotGiven = NOT_GIVEN,
    ) -> SessionResource:
        """Rotate a repository's credential (``authorization_token`` or ``password``)."""

    @endpoint("DELETE", "/sessions/{session_id}/resources/{resource_id}")
    async def delete(self, session_id: str, resource_id: str, /) -> DeletedObject:
        """Unmount a resource."""


class Sessions(Resource):
    """``client.sessions``: create returns an :class:`AsyncSession` to work with."""

    @cached_property
    def events(self) -> SessionEvents:
        """Send events, read the history, follow the stream."""
        return SessionEvents(self._client)

    @cached_property
    def resources(self) -> SessionResources:
        """Mounted files and repositories."""
        return SessionResources(self._client)

    @cached_property
    def threads(self) -> SessionThreads:
        """The threads of a multi-agent session, and their events."""
        return SessionThreads(self._client)

    @endpoint("POST", "/sessions", then=(Session, _bind_session))
    async def create(
        self,
        *,
        agent: str | JSONObject,
        environment_id: str,
        title: str | None = None,
        metadata: dict[str, str] | None = None,
        resources: Sequence[ResourceParam] | None = None,
        vault_ids: Sequence[str] | None = None,
        environment_variables: dict[str, str] | None = None,
        budget: JSONObject | None = None,
        initial_events: Sequence[EventParam] | None = None,
        idempotency_key: str | None = None,
    ) -> AsyncSession:
        """Open a session of ``agent`` (an id, or ``{"type": "agent", "id", "version"}``) in
        an environment; returns an :class:`AsyncSession` whose ``info`` is the new session.

        Raises ``NotFoundError`` if the agent or environment does not exist.
        """

    @endpoint("GET", "/sessions")
    def list(
        self,
        *,
        limit: int | None = None,
        page: str | None = None,
        order: str | None = None,
        agent_id: str | None = None,
        agent_version: int | None = None,
        deployment_id: str | None = None,
        memory_store_id: str | None = None,
        include_archived: bool | None = None,
        statuses: Sequence[str] | None = None,
        created_at_gt: str | None = None,
        created_at_gte: str | None = None,
        created_at_lt: str | None = None,
        created_at_lte: str | None = None,
    ) -> AsyncPager[Session]:
        """Sessions, page by page, filtered."""

    @endpoint("GET", "/sessions/{session_id}")
    async def retrieve(self, session_id: str, /) -> Session:
        """A session: status, usage, resources, ..."""

    @endpoint("POST", "/sessions/{session_id}")
    async def update(
        self,
        session_id: str,
        /,
        *,
        title: str | NotGiven = NOT_GIVEN,
        metadata: dict[str, str | None] | NotGiven = NOT_GIVEN,
        environment_variables: dict[str, str] | NotGiven = NOT_GIVEN,
        vault_ids: Sequence[str] | NotGiven = NOT_GIVEN,
        budget: JSONObject | NotGiven | None = NOT_GIVEN,
        agent: JSONObject | NotGiven = NOT_GIVEN,
    ) -> Session:
        """Change a session; ``metadata`` is a patch (a ``None`` value deletes the key)."""

    @endpoint("POST", "/sessions/{session_id}/archive")
    async def archive(self, session_id: str, /) -> Session:
        """Archive a session: read-only from then on (writes give ``ConflictError``)."""

    @endpoint("DELETE", "/sessions/{session_id}")
    async def delete(self, session_id: str, /) -> DeletedObject:
        """Delete a session; open streams receive ``session.deleted`` and end."""

    @endpoint("POST", "/sessions/{session_id}/cancel")
    async def cancel(self, session_id: str, /) -> Session:
        """Cancel the running turn (a no-op on an idle session); the session goes
        ``canceling`` then ``idle``."""
