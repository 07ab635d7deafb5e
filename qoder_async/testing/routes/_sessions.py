"""Sessions (§4.3): create, list, retrieve, update, archive, delete, cancel."""

from __future__ import annotations

import asyncio
import copy
import re
from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from .._client_events import accept_events, validate_events
from .._core import Core
from .._errors import ApiError, bad_request, conflict, not_found
from .._ids import now_timestamp
from .._pagination import paginate
from .._params import (
    apply_metadata_patch,
    created_at_filter,
    matches_created_at,
    optional_list,
    optional_string,
    query_bool,
    query_list,
    validate_metadata,
)
from .._resources import build_resources
from .._responses import api, core_of, json_response, read_json
from .._store import BUSY_STATUSES, SessionState
from .._views import agent_snapshot, empty_usage, session_view
from ._vaults import credentials_for

__all__ = ["create_session_record", "routes"]

_DECIMAL = re.compile(r"^\d{1,12}(\.\d{1,2})?$")
OVERRIDE_FIELDS = ("system", "model", "tools", "mcp_servers", "skills")
INITIAL_EVENT_TYPES = frozenset({"user.message", "user.define_outcome"})


def _agent(core: Core, value: Any) -> dict[str, Any]:
    """Resolve the ``agent`` field to a snapshot of the bound version (with overrides)."""
    if value is None:
        raise bad_request("Missing required field: agent", "agent")
    overrides: dict[str, Any] = {}
    version: Any = None
    agent_id: Any
    if isinstance(value, str):
        agent_id = value
    elif isinstance(value, dict) and value.get("type") in ("agent", "agent_with_overrides"):
        agent_id = value.get("id")
        version = value.get("version")
        if value["type"] == "agent_with_overrides":
            overrides = {k: copy.deepcopy(value[k]) for k in OVERRIDE_FIELDS if k in value}
    else:
        raise bad_request(
            "agent must be an agent id or an object of type 'agent' or 'agent_with_overrides'.",
            "agent",
        )
    if not isinstance(agent_id, str) or not agent_id:
        raise bad_request("agent.id is required.", "agent.id")
    versions = core.store.agent_versions(agent_id)
    if versions[-1]["archived_at"] is not None:
        raise conflict(f"Agent '{agent_id}' is archived.")
    if version is None:
        chosen = versions[-1]
    elif (
        isinstance(version, int) and not isinstance(version, bool) and 1 <= version <= len(versions)
    ):
        chosen = versions[version - 1]
    else:
        raise ApiError(404, f"Agent '{agent_id}' has no version {version}.")
    snapshot = agent_snapshot(chosen)
    snapshot.update(overrides)
    return snapshot


def _budget(value: Any) -> dict[str, Any] | None:
    if value is None:
        return None
    if not isinstance(value, dict) or value.get("type") != "limit":
        raise bad_request("budget.type must be 'limit'.", "budget.type")
    cost = value.get("max_credit_cost")
    if not isinstance(cost, str) or not _DECIMAL.match(cost) or float(cost) <= 0:
        raise bad_request(
            "budget.max_credit_cost must be a positive decimal string such as '12.50'.",
            "budget.max_credit_cost",
        )
    return {"type": "limit", "max_credit_cost": cost}


def _string_map(value: Any, name: str) -> dict[str, str]:
    if value is None:
        return {}
    if not isinstance(value, dict) or not all(
        isinstance(k, str) and isinstance(v, str) for k, v in value.items()
    ):
        raise bad_request(f"{name} must map strings to strings.", name)
    return dict(value)


def _string_list(body: dict[str, Any], name: str) -> list[str]:
    values = optional_list(body, name)
    if not all(isinstance(v, str) for v in values):
        raise bad_request(f"{name} must be an array of strings.", name)
    return values


def _check_mcp_credentials(store: Any, agent: dict[str, Any], vault_ids: list[str]) -> None:
    """With vaults, MCP tool discovery at create needs a credential for every URL server of
    the agent: the session fails with the upstream reason otherwise."""
    if not vault_ids:
        return
    urls = {c.get("mcp_server_url") for c in credentials_for(store, vault_ids)}
    for server in agent.get("mcp_servers") or []:
        url = server.get("url") if isinstance(server, dict) else None
        if isinstance(url, str) and url not in urls:
            raise bad_request(
                f"MCP server '{server.get('name', url)}' ({url}): Unauthorized. No credential "
                "in the session's vaults matches its URL.",
                "vault_ids",
            )


def create_session_record(
    core: Core, body: dict[str, Any]
) -> tuple[SessionState, list[dict[str, Any]]]:
    """Validate a create body and store the session; returns it with its initial events.

    Call with the store lock held.
    """
    store = core.store
    agent = _agent(core, body.get("agent"))
    environment_id = body.get("environment_id")
    if not isinstance(environment_id, str) or not environment_id:
        raise bad_request("Missing required field: environment_id", "environment_id")
    environment = store.environments.get(environment_id)
    if environment is None:
        raise not_found("Environment", environment_id)
    if environment["archived_at"] is not None:
        raise conflict(f"Environment '{environment_id}' is archived.")
    initial: list[dict[str, Any]] = []
    if body.get("initial_events") is not None:
        initial = validate_events(body["initial_events"], allowed=INITIAL_EVENT_TYPES)
    resources = []
    if body.get("resources") is not None and body.get("resources") != []:
        resources = build_resources(store, body["resources"], [], memory_stores=True)
    _check_mcp_credentials(store, agent, _string_list(body, "vault_ids"))
    now = now_timestamp()
    session_id = store.ids.new("sess_")
    record: dict[str, Any] = {
        "id": session_id,
        "type": "session",
        "agent": agent,
        "agent_id": agent["id"],
        "environment_id": environment_id,
        "title": optional_string(body, "title"),
        "status": "idle",
        "resources": [],
        "vault_ids": _string_list(body, "vault_ids"),
        "memory_store_ids": _string_list(body, "memory_store_ids"),
        "metadata": validate_metadata(body.get("metadata")),
        "environment_variables": _string_map(
            body.get("environment_variables"), "environment_variables"
        ),
        "budget": _budget(body.get("budget")),
        "outcome_evaluations": [],
        "stats": {"active_seconds": 0.0, "duration_seconds": 0.0},
        "usage": empty_usage(),
        "deployment_id": None,
        "created_at": now,
        "updated_at": now,
        "archived_at": None,
    }
    thread_id = store.ids.new("sthr_")
    state = SessionState(record=record, primary_thread_id=thread_id)
    state.threads[thread_id] = {
        "id": thread_id,
        "type": "session_thread",
        "session_id": session_id,
        "parent_thread_id": None,
        "agent": {
            "id": agent["id"],
            "type": "agent",
            "name": agent.get("name"),
            "model": copy.deepcopy(agent.get("model")),
            "version": agent.get("version"),
        },
        "name": agent.get("name"),
        "role": "coordinator",
        "status": "idle",
        "stop_reason": None,
        "stats": {"active_seconds": 0.0, "duration_seconds": 0.0, "startup_seconds": 0.0},
        "usage": {},
        "created_at": now,
        "updated_at": now,
        "archived_at": None,
    }
    for resource in resources:
        state.resources[resource["id"]] = resource
    store.sessions[session_id] = state
    return state, initial


@api
async def create_session(request: Request) -> Response:
    """POST /sessions."""
    core = core_of(request)
    body = await read_json(request)
    with core.store.lock:
        state, initial = create_session_record(core, body)
    if initial:
        accept_events(core, state, initial)
    with core.store.lock:
        return json_response(session_view(state), 201)


@api
async def list_sessions(request: Request) -> Response:
    """GET /sessions."""
    core = core_of(request)
    query = request.query_params
    include_archived = query_bool(query, "include_archived")
    statuses = set(query_list(query, "statuses"))
    bounds = created_at_filter(query)
    agent_id = query.get("agent_id")
    agent_version = query.get("agent_version")
    memory_store_id = query.get("memory_store_id")
    deployment_id = query.get("deployment_id")
    with core.store.lock:
        items = []
        for session_id in core.store.sessions:
            record = core.store.sessions[session_id].record
            if record["archived_at"] is not None and not include_archived:
                continue
            if statuses and record["status"] not in statuses:
                continue
            if agent_id and record["agent"]["id"] != agent_id:
                continue
            if agent_version and str(record["agent"].get("version")) != agent_version:
                continue
            if memory_store_id and memory_store_id not in record["memory_store_ids"]:
                continue
            if deployment_id and record["deployment_id"] != deployment_id:
                continue
            if not matches_created_at(record["created_at"], bounds):
                continue
            items.append(session_view(core.store.sessions[session_id]))
    return json_response(paginate(items, query, rank=core.store.ids.rank))


@api
async def retrieve_session(request: Request) -> Response:
    """GET /sessions/{session_id}."""
    core = core_of(request)
    with core.store.lock:
        state = core.store.session(request.path_params["session_id"])
        return json_response(session_view(state))


def _writable(state: SessionState) -> None:
    if state.record.get("archived_at") is not None:
        raise conflict(f"Session '{state.record['id']}' is archived and read-only.")


@api
async def update_session(request: Request) -> Response:
    """POST /sessions/{session_id}."""
    core = core_of(request)
    body = await read_json(request)
    with core.store.lock:
        state = core.store.session(request.path_params["session_id"])
        _writable(state)
        record = copy.deepcopy(state.record)
        if "title" in body:
            record["title"] = optional_string(body, "title")
        if "metadata" in body:
            record["metadata"] = apply_metadata_patch(record["metadata"], body["metadata"])
        if "environment_variables" in body:
            record["environment_variables"] = _string_map(
                body["environment_variables"], "environment_variables"
            )
        if "vault_ids" in body:
            record["vault_ids"] = _string_list(body, "vault_ids")
        if "budget" in body:
            record["budget"] = _budget(body["budget"])
        agent = body.get("agent")
        if agent is not None:
            if not isinstance(agent, dict):
                raise bad_request("agent must be an object of overrides.", "agent")
            for name in OVERRIDE_FIELDS:
                if name in agent:
                    value = agent[name]
                    if name == "model" and not value:
                        raise bad_request("agent.model cannot be cleared.", "agent.model")
                    if name in ("tools", "mcp_servers", "skills"):
                        value = [] if value is None else value
                    record["agent"][name] = copy.deepcopy(value)
        record["updated_at"] = now_timestamp()
        state.record.update(record)
        core.store.publish(
            state,
            [
                {
                    "type": "session.updated",
                    "title": record["title"],
                    "metadata": record["metadata"],
                    "agent": record["agent"],
                    "budget": record["budget"],
                }
            ],
        )
        return json_response(session_view(state))


def _stop_turn(core: Core, state: SessionState) -> bool:
    with core.store.lock:
        running = state.record.get("status") in BUSY_STATUSES and state.turn_task is not None
        if running:
            state.record["status"] = "canceling"
    if running and core.runner is not None:
        core.runner.stop(state)
    return running


@api
async def archive_session(request: Request) -> Response:
    """POST /sessions/{session_id}/archive."""
    core = core_of(request)
    state = core.store.session(request.path_params["session_id"])
    task = state.turn_task
    if _stop_turn(core, state) and task is not None:
        # Let the interrupted turn publish its closing events before the terminal one.
        await asyncio.wait([task], timeout=2.0)
    with core.store.lock:
        if state.record["archived_at"] is None:
            state.record["archived_at"] = state.record["updated_at"] = now_timestamp()
            state.record["status"] = "terminated"
            # Archiving is terminal: streams get session.status_terminated and end.
            core.store.publish(state, [{"type": "session.status_terminated"}])
        return json_response(session_view(state))


@api
async def delete_session(request: Request) -> Response:
    """DELETE /sessions/{session_id}."""
    core = core_of(request)
    session_id = request.path_params["session_id"]
    state = core.store.session(session_id)
    if core.runner is not None:
        core.runner.stop(state)
    with core.store.lock:
        core.store.publish(state, [{"type": "session.deleted"}])
        core.store.remove_session(session_id)
    return json_response({"id": session_id, "type": "session_deleted"})


@api
async def cancel_session(request: Request) -> Response:
    """POST /sessions/{session_id}/cancel."""
    core = core_of(request)
    session_id = request.path_params["session_id"]
    state = core.store.session(session_id)
    _writable(state)
    running = _stop_turn(core, state)
    # The SDKs type this body's status as the literal "canceling"; an idle session gets the
    # same body with 200 instead of 202.
    return json_response(
        {"id": session_id, "type": "session", "status": "canceling"}, 202 if running else 200
    )


def routes(prefix: str) -> list[Route]:
    """The session routes under ``prefix``."""
    item = f"{prefix}/sessions/{{session_id}}"
    return [
        Route(f"{prefix}/sessions", create_session, methods=["POST"]),
        Route(f"{prefix}/sessions", list_sessions, methods=["GET"]),
        Route(item, retrieve_session, methods=["GET"]),
        Route(item, update_session, methods=["POST"]),
        Route(item, delete_session, methods=["DELETE"]),
        Route(f"{item}/archive", archive_session, methods=["POST"]),
        Route(f"{item}/cancel", cancel_session, methods=["POST"]),
    ]
