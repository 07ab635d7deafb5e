"""Environments (§4.2): create, list, retrieve, update, archive, delete."""

from __future__ import annotations

import copy
from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from .._errors import bad_request, not_found
from .._ids import IdFactory, now_timestamp
from .._pagination import paginate
from .._params import (
    apply_metadata_patch,
    created_at_filter,
    matches_created_at,
    optional_string,
    query_bool,
    require_string,
    validate_metadata,
)
from .._responses import api, core_of, json_response, read_json

__all__ = ["build_environment", "routes"]

SCOPES = ("organization", "account")


def _config(value: Any) -> dict[str, Any]:
    if value is None:
        return {"type": "cloud", "networking": {"type": "unrestricted"}}
    if not isinstance(value, dict) or value.get("type") not in ("cloud", "self_hosted"):
        raise bad_request("config.type must be 'cloud' or 'self_hosted'.", "config.type")
    networking = value.get("networking")
    if networking is not None and (
        not isinstance(networking, dict)
        or networking.get("type") not in ("unrestricted", "limited")
    ):
        raise bad_request(
            "config.networking.type must be 'unrestricted' or 'limited'.", "config.networking.type"
        )
    return copy.deepcopy(value)


def _scope(value: Any) -> str:
    if value is None:
        return "account"
    if value not in SCOPES:
        raise bad_request("scope must be 'organization' or 'account'.", "scope")
    return str(value)


def _environment(request: Request, environment_id: str) -> dict[str, Any]:
    environment = core_of(request).store.environments.get(environment_id)
    if environment is None:
        raise not_found("Environment", environment_id)
    return environment


def build_environment(body: dict[str, Any], ids: IdFactory) -> dict[str, Any]:
    """Validate a create body into a new Environment object."""
    now = now_timestamp()
    environment_id = ids.new("env_")
    environment: dict[str, Any] = {
        "id": environment_id,
        "type": "environment",
        "name": require_string(body, "name", max_length=256),
        "description": optional_string(body, "description"),
        "config": _config(body.get("config")),
        "scope": _scope(body.get("scope")),
        "metadata": validate_metadata(body.get("metadata")),
        "created_at": now,
        "updated_at": now,
        "archived_at": None,
    }
    return environment


@api
async def create_environment(request: Request) -> Response:
    """POST /environments."""
    core = core_of(request)
    environment = build_environment(await read_json(request), core.store.ids)
    with core.store.lock:
        core.store.environments[environment["id"]] = environment
    return json_response(copy.deepcopy(environment), 201)


@api
async def list_environments(request: Request) -> Response:
    """GET /environments."""
    core = core_of(request)
    query = request.query_params
    include_archived = query_bool(query, "include_archived")
    bounds = created_at_filter(query)
    with core.store.lock:
        items = [
            environment
            for environment in core.store.environments.values()
            if (include_archived or environment["archived_at"] is None)
            and matches_created_at(environment["created_at"], bounds)
        ]
        return json_response(paginate(items, query, rank=core.store.ids.rank))


@api
async def retrieve_environment(request: Request) -> Response:
    """GET /environments/{environment_id}."""
    with core_of(request).store.lock:
        environment = _environment(request, request.path_params["environment_id"])
        return json_response(copy.deepcopy(environment))


@api
async def update_environment(request: Request) -> Response:
    """POST /environments/{environment_id}."""
    body = await read_json(request)
    with core_of(request).store.lock:
        environment = _environment(request, request.path_params["environment_id"])
        updated = copy.deepcopy(environment)
        if body.get("name") is not None:
            updated["name"] = require_string(body, "name", max_length=256)
        if "description" in body:
            updated["description"] = optional_string(body, "description")
        if body.get("config") is not None:
            updated["config"] = _config(body["config"])
        if body.get("scope") is not None:
            updated["scope"] = _scope(body["scope"])
        if "metadata" in body:
            updated["metadata"] = apply_metadata_patch(updated["metadata"], body["metadata"])
        updated["updated_at"] = now_timestamp()
        environment.update(updated)
        return json_response(copy.deepcopy(environment))


@api
async def archive_environment(request: Request) -> Response:
    """POST /environments/{environment_id}/archive."""
    with core_of(request).store.lock:
        environment = _environment(request, request.path_params["environment_id"])
        if environment["archived_at"] is None:
            environment["archived_at"] = environment["updated_at"] = now_timestamp()
        return json_response(copy.deepcopy(environment))


@api
async def delete_environment(request: Request) -> Response:
    """DELETE /environments/{environment_id}."""
    environment_id = request.path_params["environment_id"]
    store = core_of(request).store
    with store.lock:
        _environment(request, environment_id)
        del store.environments[environment_id]
    return json_response({"id": environment_id, "type": "environment_deleted"})


def routes(prefix: str) -> list[Route]:
    """The environment routes under ``prefix``."""
    item = f"{prefix}/environments/{{environment_id}}"
    return [
        Route(f"{prefix}/environments", create_environment, methods=["POST"]),
        Route(f"{prefix}/environments", list_environments, methods=["GET"]),
        Route(item, retrieve_environment, methods=["GET"]),
        Route(item, update_environment, methods=["POST"]),
        Route(item, delete_environment, methods=["DELETE"]),
        Route(f"{item}/archive", archive_environment, methods=["POST"]),
    ]
