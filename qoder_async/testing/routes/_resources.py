"""Session resources (§4.5): add, list, retrieve, rotate credentials, delete."""

from __future__ import annotations

import copy
from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from .._errors import bad_request, conflict, not_found
from .._ids import now_timestamp
from .._pagination import paginate
from .._resources import build_resources
from .._responses import api, core_of, json_response, read_json
from .._store import SessionState

__all__ = ["routes"]


def _writable(state: SessionState) -> None:
    if state.record.get("archived_at") is not None:
        raise conflict(f"Session '{state.record['id']}' is archived and read-only.")


def _resource(state: SessionState, resource_id: str) -> dict[str, Any]:
    resource = state.resources.get(resource_id)
    if resource is None:
        raise not_found("Session resource", resource_id)
    return resource


@api
async def add_resources(request: Request) -> Response:
    """Accepts the documented ``{"resources": [...]}`` (answers the full list) and, like the
    Py SDK sends it, one bare resource object (answers that resource)."""
    core = core_of(request)
    body = await read_json(request)
    single = "resources" not in body
    items = [body] if single else body["resources"]
    with core.store.lock:
        state = core.store.session(request.path_params["session_id"])
        _writable(state)
        added = build_resources(core.store, items, state.resources.values())
        for resource in added:
            state.resources[resource["id"]] = resource
        state.record["updated_at"] = now_timestamp()
        if single:
            return json_response(copy.deepcopy(added[0]))
        return json_response({"resources": [copy.deepcopy(r) for r in state.resources.values()]})


@api
async def list_resources(request: Request) -> Response:
    """GET /sessions/{session_id}/resources."""
    core = core_of(request)
    with core.store.lock:
        state = core.store.session(request.path_params["session_id"])
        return json_response(
            paginate(list(state.resources.values()), request.query_params, rank=core.store.ids.rank)
        )


@api
async def retrieve_resource(request: Request) -> Response:
    """GET /sessions/{session_id}/resources/{resource_id}."""
    core = core_of(request)
    with core.store.lock:
        state = core.store.session(request.path_params["session_id"])
        return json_response(copy.deepcopy(_resource(state, request.path_params["resource_id"])))


@api
async def update_resource(request: Request) -> Response:
    """POST /sessions/{session_id}/resources/{resource_id}."""
    core = core_of(request)
    body = await read_json(request)
    with core.store.lock:
        state = core.store.session(request.path_params["session_id"])
        _writable(state)
        resource = _resource(state, request.path_params["resource_id"])
        field = {"github_repository": "authorization_token", "git_repository": "password"}.get(
            resource["type"]
        )
        if field is None:
            raise bad_request(f"A {resource['type']} resource has no credential to rotate.")
        value = body.get(field)
        if not isinstance(value, str) or not value:
            raise bad_request(f"Missing required field: {field}", field)
        resource[field] = value
        resource["updated_at"] = now_timestamp()
        return json_response(copy.deepcopy(resource))


@api
async def delete_resource(request: Request) -> Response:
    """DELETE /sessions/{session_id}/resources/{resource_id}."""
    core = core_of(request)
    resource_id = request.path_params["resource_id"]
    with core.store.lock:
        state = core.store.session(request.path_params["session_id"])
        _writable(state)
        _resource(state, resource_id)
        del state.resources[resource_id]
    return json_response({"id": resource_id, "type": "session_resource_deleted"})


def routes(prefix: str) -> list[Route]:
    """The session resource routes under ``prefix``."""
    collection = f"{prefix}/sessions/{{session_id}}/resources"
    item = f"{collection}/{{resource_id}}"
    return [
        Route(collection, add_resources, methods=["POST"]),
        Route(collection, list_resources, methods=["GET"]),
        Route(item, retrieve_resource, methods=["GET"]),
        Route(item, update_resource, methods=["POST"]),
        Route(item, delete_resource, methods=["DELETE"]),
    ]
