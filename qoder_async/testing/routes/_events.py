"""Session events (§4.4): send, history, and the stream routes."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from starlette.datastructures import Headers
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route, request_response

from .._client_events import accept_events, validate_events
from .._core import Core
from .._pagination import paginate
from .._params import created_at_filter, matches_created_at, query_list
from .._responses import api, core_of, json_response, read_json
from .._store import SessionState, in_thread
from .._stream import StreamEndpoint
from .._views import history_event

if TYPE_CHECKING:
    from starlette.types import Receive, Scope, Send

__all__ = ["history_page", "routes"]


@api
async def send_events(request: Request) -> Response:
    """POST /sessions/{session_id}/events."""
    core = core_of(request)
    body = await read_json(request)
    state = core.store.session(request.path_params["session_id"])
    events = validate_events(body.get("events"))
    stored = accept_events(core, state, events)
    with core.store.lock:
        data = [history_event(e, state.meta.get(e["id"]), state.record["id"]) for e in stored]
    return json_response({"data": data})


def history_page(
    state: SessionState, request: Request, thread_id: str | None = None
) -> dict[str, Any]:
    """A page of a session's (or one thread's) buffered events. Call with the lock held."""
    query = request.query_params
    types = set(query_list(query, "types"))
    bounds = created_at_filter(query)
    items = []
    for event in state.events:
        if types and event["type"] not in types:
            continue
        if thread_id is not None and not in_thread(
            event, thread_id, thread_id == state.primary_thread_id
        ):
            continue
        meta = state.meta.get(event["id"])
        if bounds and not matches_created_at(
            meta.created_at if meta else event["processed_at"], bounds
        ):
            continue
        items.append(event)
    session_id = state.record["id"]
    # An anchor the filters left out is placed by its position in the log.
    positions = {event["id"]: index for index, event in enumerate(state.events)}
    return paginate(
        items,
        query,
        render=lambda e: history_event(e, state.meta.get(e["id"]), session_id, thread_id),
        rank=positions.get,
    )


@api
async def list_events(request: Request) -> Response:
    """GET /sessions/{session_id}/events (history, as JSON)."""
    core = core_of(request)
    with core.store.lock:
        state = core.store.session(request.path_params["session_id"])
        return json_response(history_page(state, request))


class _ListOrStream:
    """``GET …/events`` answers with SSE when ``Accept`` asks for ``text/event-stream`` (§1.3)."""

    def __init__(self, core: Core) -> None:
        self.stream = StreamEndpoint(core)
        self.listing = request_response(list_events)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if "text/event-stream" in Headers(scope=scope).get("accept", ""):
            await self.stream(scope, receive, send)
        else:
            await self.listing(scope, receive, send)


def routes(prefix: str, core: Core) -> list[Route]:
    """The session event routes under ``prefix``."""
    item = f"{prefix}/sessions/{{session_id}}/events"
    return [
        Route(item, send_events, methods=["POST"]),
        Route(item, _ListOrStream(core), methods=["GET"]),
        Route(f"{item}/stream", StreamEndpoint(core), methods=["GET"]),
    ]
