"""Session threads (§4.7): list, retrieve, archive, events, stream.

Every session has its primary (coordinator) thread; tests add child threads with
``Emulator.add_thread``.
"""

from __future__ import annotations

import copy
from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from .._core import Core
from .._errors import bad_request, not_found
from .._ids import now_timestamp
from .._pagination import paginate
from .._params import query_list
from .._responses import api, core_of, json_response
from .._store import SessionState
from .._stream import StreamEndpoint
from .._views import thread_view
from ._events import history_page

__all__ = ["add_child_thread", "routes"]


def _thread(state: SessionState, thread_id: str) -> dict[str, Any]:
    thread = state.threads.get(thread_id)
    if thread is None:
        raise not_found("Session thread", thread_id)
    return thread


def add_child_thread(core: Core, state: SessionState, agent_name: str) -> dict[str, Any]:
    """Create a child thread under the primary one and announce it on the stream."""
    store = core.store
    with store.lock:
        primary = state.threads[state.primary_thread_id]
        now = now_timestamp()
        thread_id = store.ids.new("sthr_")
        thread = copy.deepcopy(primary)
        thread.update(
            {
                "id": thread_id,
                "parent_thread_id": primary["id"],
                "name": agent_name,
                "role": "child",
                "status": "idle",
                "usage": {},
                "created_at": now,
                "updated_at": now,
                "archived_at": None,
            }
        )
        thread["agent"]["name"] = agent_name
        state.threads[thread_id] = thread
        store.publish(
            state,
            [
                {
                    "type": "session.thread_created",
                    "session_thread_id": thread_id,
                    "agent_name": agent_name,
                }
            ],
        )
        return thread_view(state, thread)


@api
async def list_threads(request: Request) -> Response:
    """GET /sessions/{session_id}/threads."""
    core = core_of(request)
    statuses = set(query_list(request.query_params, "statuses"))
    with core.store.lock:
        state = core.store.session(request.path_params["session_id"])
        views = [thread_view(state, thread) for thread in state.threads.values()]
        items = [view for view in views if not statuses or view["status"] in statuses]
        return json_response(paginate(items, request.query_params, rank=core.store.ids.rank))


@api
async def retrieve_thread(request: Request) -> Response:
    """GET /sessions/{session_id}/threads/{thread_id}."""
    core = core_of(request)
    with core.store.lock:
        state = core.store.session(request.path_params["session_id"])
        return json_response(thread_view(state, _thread(state, request.path_params["thread_id"])))


@api
async def archive_thread(request: Request) -> Response:
    """POST /sessions/{session_id}/threads/{thread_id}/archive."""
    core = core_of(request)
    with core.store.lock:
        state = core.store.session(request.path_params["session_id"])
        thread = _thread(state, request.path_params["thread_id"])
        if thread["id"] == state.primary_thread_id:
            raise bad_request("Only child threads can be archived; this is the primary thread.")
        if thread["archived_at"] is None:
            now = now_timestamp()
            thread.update(
                {
                    "status": "archived",
                    "stop_reason": {"type": "archive"},
                    "archived_at": now,
                    "updated_at": now,
                }
            )
        return json_response(thread_view(state, thread))


@api
async def list_thread_events(request: Request) -> Response:
    """GET /sessions/{session_id}/threads/{thread_id}/events."""
    core = core_of(request)
    with core.store.lock:
        state = core.store.session(request.path_params["session_id"])
        thread = _thread(state, request.path_params["thread_id"])
        return json_response(history_page(state, request, thread["id"]))


def routes(prefix: str, core: Core) -> list[Route]:
    """The thread routes under ``prefix``."""
    collection = f"{prefix}/sessions/{{session_id}}/threads"
    item = f"{collection}/{{thread_id}}"
    return [
        Route(collection, list_threads, methods=["GET"]),
        Route(item, retrieve_thread, methods=["GET"]),
        Route(f"{item}/archive", archive_thread, methods=["POST"]),
        Route(f"{item}/events", list_thread_events, methods=["GET"]),
        Route(f"{item}/stream", StreamEndpoint(core, thread=True), methods=["GET"]),
    ]
