"""Deployments and deployment runs (managed-groups §4).

A deployment goes ``active`` ⇄ ``paused`` and, once archived, stays archived (renamed
``<name>_archived_<unix time>``). A run is acknowledged at once: it creates a session bound
to the deployment, which receives the initial events (a ``user.message`` starts a turn of
the scripted agent). A run reads ``running`` while that session works and ``completed``
once it is idle. Schedules are validated and stored, but the emulator fires no scheduled
runs: ``upcoming_runs_at`` stays empty.
"""

from __future__ import annotations

import copy
import re
import time
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from .._client_events import accept_events, validate_events
from .._core import Core
from .._errors import ApiError, bad_request, conflict, not_found
from .._ids import new_id, now_timestamp, parse_timestamp
from .._pagination import paginate
from .._params import (
    MAX_METADATA_PAIRS,
    created_at_filter,
    matches_created_at,
    optional_list,
    optional_string,
    query_bool,
    require_string,
    validate_metadata,
)
from .._resources import build_resources
from .._responses import api, core_of, json_response, read_json
from .._store import BUSY_STATUSES
from ._sessions import create_session_record

__all__ = ["routes"]

MAX_LIMIT = 1000
MAX_INITIAL_EVENTS = 50
MAX_VAULTS = 50
INITIAL_EVENT_TYPES = frozenset({"user.message", "user.define_outcome", "system.message"})
RUN_STATUSES = frozenset({"pending", "running", "completed", "failed", "skipped"})
_ENV_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
_RESERVED_ENV = frozenset({"SERVER_ENDPOINT", "USER_ID", "WORK_DIR"})


def _agent(core: Core, value: Any) -> dict[str, Any]:
    """An agent reference: an id (latest version at each run) or a pinned version."""
    version = None
    agent_id: Any = value
    if isinstance(value, dict) and value.get("type") == "agent":
        agent_id, version = value.get("id"), value.get("version")
        if not isinstance(agent_id, str) or not agent_id:
            raise bad_request("agent.id is required.", "agent.id")
    elif isinstance(value, str) and value:
        pass
    elif value is None:
        raise bad_request("Missing required field: agent", "agent")
    else:
        raise bad_request("agent must be an agent id or an object of type 'agent'.", "agent")
    versions = core.store.agent_versions(agent_id)
    if version is not None and not (
        isinstance(version, int) and not isinstance(version, bool) and 1 <= version <= len(versions)
    ):
        raise ApiError(404, f"Agent '{agent_id}' has no version {version}.")
    return {"type": "agent", "id": agent_id, "version": version}


def _environment_id(core: Core, value: Any) -> str:
    if not isinstance(value, str) or not value:
        raise bad_request("Missing required field: environment_id", "environment_id")
    if value not in core.store.environments:
        raise not_found("Environment", value)
    return value


def _initial_events(value: Any) -> list[dict[str, Any]]:
    if value is None:
        raise bad_request("Missing required field: initial_events", "initial_events")
    if not isinstance(value, list) or not 1 <= len(value) <= MAX_INITIAL_EVENTS:
        raise bad_request(
            f"initial_events must hold 1 to {MAX_INITIAL_EVENTS} events.", "initial_events"
        )
    return validate_events(value, allowed=INITIAL_EVENT_TYPES)


def _schedule(value: Any) -> dict[str, Any] | None:
    if value is None:
        return None
    if not isinstance(value, dict) or value.get("type") != "cron":
        raise bad_request("schedule.type must be 'cron'.", "schedule.type")
    expression, timezone = value.get("expression"), value.get("timezone")
    if not isinstance(expression, str) or len(expression.split()) != 5:
        raise bad_request(
            "schedule.expression must be a 5-field cron expression.", "schedule.expression"
        )
    try:
        ZoneInfo(str(timezone))
    except (ZoneInfoNotFoundError, ValueError):
        raise bad_request(
            "schedule.timezone must be an IANA time zone.", "schedule.timezone"
        ) from None
    return {
        "type": "cron",
        "expression": expression,
        "timezone": timezone,
        "last_run_at": None,
        "upcoming_runs_at": [],
    }


def _vault_ids(body: dict[str, Any]) -> list[str]:
    values = optional_list(body, "vault_ids")
    if len(values) > MAX_VAULTS or not all(isinstance(v, str) and v for v in values):
        raise bad_request(f"vault_ids must be at most {MAX_VAULTS} ids.", "vault_ids")
    return values


def _budget(value: Any) -> dict[str, Any] | None:
    if value is None:
        return None
    if not isinstance(value, dict) or value.get("type") != "limit":
        raise bad_request("budget.type must be 'limit'.", "budget.type")
    if not isinstance(value.get("max_credit_cost"), str):
        raise bad_request("budget.max_credit_cost must be a decimal string.", "budget")
    return {"type": "limit", "max_credit_cost": value["max_credit_cost"]}


def _checked_variables(value: Any) -> str | dict[str, str] | None:
    """Environment variables as sent (the official SDK reads back what it sent: a string)."""
    _environment_variables(value)
    return copy.deepcopy(value)  # type: ignore[no-any-return]  # checked above


def _environment_variables(value: Any) -> dict[str, str]:
    """``KEY=VALUE`` pairs separated by ``;`` or newlines, or an object, as a mapping."""
    if value is None:
        return {}
    pairs: dict[str, str] = {}
    if isinstance(value, str):
        for item in re.split(r"[;\n]", value):
            if item.strip():
                key, equals, text = item.strip().partition("=")
                if not equals:
                    raise bad_request(
                        "environment_variables must be KEY=VALUE pairs.", "environment_variables"
                    )
                pairs[key] = text
    elif isinstance(value, dict) and all(isinstance(v, str) for v in value.values()):
        pairs = dict(value)
    else:
        raise bad_request(
            "environment_variables must be a string or an object.", "environment_variables"
        )
    for key in pairs:
        if not _ENV_NAME.match(key) or key in _RESERVED_ENV or key.startswith(("CAW_", "QODER_")):
            raise bad_request(
                f"environment variable name {key!r} is invalid or reserved.",
                "environment_variables",
            )
    return pairs


def _metadata(value: Any, current: dict[str, Any] | None = None) -> dict[str, Any]:
    """Metadata with the reserved ``cas_config`` object exempt from the string rules; with
    ``current`` it is a patch (``null`` deletes a key)."""
    if value is None:
        return dict(current or {})
    if not isinstance(value, dict):
        raise bad_request("metadata must be an object.", "metadata")
    plain = {k: v for k, v in value.items() if k != "cas_config"}
    checked = validate_metadata(plain, allow_null_values=current is not None)
    merged = dict(current or {})
    for key, item in checked.items():
        if item is None:
            merged.pop(key, None)
        else:
            merged[key] = item
    if "cas_config" in value:
        if not isinstance(value["cas_config"], dict):
            raise bad_request("metadata.cas_config must be an object.", "metadata.cas_config")
        merged["cas_config"] = copy.deepcopy(value["cas_config"])
    if len([k for k in merged if k != "cas_config"]) > MAX_METADATA_PAIRS:
        raise bad_request(f"metadata may hold at most {MAX_METADATA_PAIRS} pairs.", "metadata")
    return merged


def _resources(core: Core, value: Any) -> list[dict[str, Any]]:
    if value is None or value == []:
        return []
    build_resources(core.store, value, [])  # validates; each run mounts its own copies
    return copy.deepcopy(list(value))


def _deployment(core: Core, deployment_id: str) -> dict[str, Any]:
    deployment = core.store.deployments.get(deployment_id)
    if deployment is None:
        raise not_found("Deployment", deployment_id)
    return deployment


def _run_view(core: Core, run: dict[str, Any]) -> dict[str, Any]:
    """The run as it stands now: ``completed`` once its session stopped working."""
    if run["status"] == "running":
        state = core.store.sessions.get(run["session_id"]) or core.store.deleted.get(
            run["session_id"]
        )
        if state is None or state.record.get("status") not in BUSY_STATUSES:
            run["status"] = "completed"
            run["completed_at"] = now_timestamp()
            run["duration_ms"] = (
                parse_timestamp(run["completed_at"]) - parse_timestamp(run["triggered_at"])
            ) // 1_000_000
    return copy.deepcopy(run)


@api
async def create_deployment(request: Request) -> Response:
    """POST /deployments."""
    core = core_of(request)
    body = await read_json(request)
    with core.store.lock:
        now = now_timestamp()
        deployment: dict[str, Any] = {
            "id": new_id("dep_"),
            "type": "deployment",
            "name": require_string(body, "name", max_length=256),
            "description": optional_string(body, "description"),
            "agent": _agent(core, body.get("agent")),
            "environment_id": _environment_id(core, body.get("environment_id")),
            "initial_events": _initial_events(body.get("initial_events")),
            "schedule": _schedule(body.get("schedule")),
            "resources": _resources(core, body.get("resources")),
            "vault_ids": _vault_ids(body),
            "budget": _budget(body.get("budget")),
            "environment_variables": _checked_variables(body.get("environment_variables")),
            "metadata": _metadata(body.get("metadata")),
            "status": "active",
            "paused_reason": None,
            "created_at": now,
            "updated_at": now,
            "archived_at": None,
        }
        core.store.deployments[deployment["id"]] = deployment
        return json_response(copy.deepcopy(deployment), 201)


@api
async def list_deployments(request: Request) -> Response:
    """GET /deployments: newest first; ``status``, ``agent_id``, ``include_archived``."""
    core = core_of(request)
    query = request.query_params
    status, agent_id = query.get("status"), query.get("agent_id")
    if status and status not in ("active", "paused"):
        raise bad_request("status must be 'active' or 'paused'.", "status")
    include_archived = query_bool(query, "include_archived")
    bounds = created_at_filter(query)
    with core.store.lock:
        items = [
            copy.deepcopy(d)
            for _, d in sorted(core.store.deployments.items())
            if (include_archived or d["archived_at"] is None)
            and (not status or d["status"] == status)
            and (not agent_id or d["agent"]["id"] == agent_id)
            and matches_created_at(d["created_at"], bounds)
        ]
    page = paginate(items, query, default_order="desc", allow_order=False, max_limit=MAX_LIMIT)
    return json_response(page)


@api
async def retrieve_deployment(request: Request) -> Response:
    """GET /deployments/{deployment_id}."""
    core = core_of(request)
    with core.store.lock:
        return json_response(copy.deepcopy(_deployment(core, request.path_params["deployment_id"])))


@api
async def update_deployment(request: Request) -> Response:
    """POST /deployments/{deployment_id}: a merge patch."""
    core = core_of(request)
    body = await read_json(request)
    with core.store.lock:
        deployment = _deployment(core, request.path_params["deployment_id"])
        if deployment["archived_at"] is not None:
            raise conflict(f"Deployment '{deployment['id']}' is archived.")
        updated = copy.deepcopy(deployment)
        if body.get("name") is not None:
            updated["name"] = require_string(body, "name", max_length=256)
        if "description" in body:
            updated["description"] = optional_string(body, "description")
        if body.get("agent") is not None:
            updated["agent"] = _agent(core, body["agent"])
        if body.get("environment_id") is not None:
            updated["environment_id"] = _environment_id(core, body["environment_id"])
        if body.get("initial_events") is not None:
            updated["initial_events"] = _initial_events(body["initial_events"])
        if "schedule" in body:
            updated["schedule"] = _schedule(body["schedule"])
        if body.get("resources") is not None:
            updated["resources"] = _resources(core, body["resources"])
        if body.get("vault_ids") is not None:
            updated["vault_ids"] = _vault_ids(body)
        if "budget" in body:
            updated["budget"] = _budget(body["budget"])
        if "environment_variables" in body:
            updated["environment_variables"] = _environment_variables(body["environment_variables"])
        if "metadata" in body:
            updated["metadata"] = _metadata(body["metadata"], updated["metadata"])
        updated["updated_at"] = now_timestamp()
        deployment.update(updated)
        return json_response(copy.deepcopy(deployment))


def _change(request: Request, action: str) -> dict[str, Any]:
    core = core_of(request)
    deployment = _deployment(core, request.path_params["deployment_id"])
    name = f"Deployment '{deployment['id']}'"
    if action == "archive":
        if deployment["archived_at"] is None:
            deployment["archived_at"] = now_timestamp()
            deployment["name"] = f"{deployment['name']}_archived_{int(time.time())}"
            if deployment["schedule"] is not None:
                deployment["schedule"]["upcoming_runs_at"] = []
    elif deployment["archived_at"] is not None:
        raise conflict(f"{name} is archived.")
    elif action == "pause":
        if deployment["status"] == "paused":
            raise conflict(f"{name} is already paused.")
        deployment["status"] = "paused"
        deployment["paused_reason"] = {"type": "manual"}
    else:
        if deployment["status"] != "paused":
            raise conflict(f"{name} is not paused.")
        deployment["status"] = "active"
        deployment["paused_reason"] = None
    deployment["updated_at"] = now_timestamp()
    return copy.deepcopy(deployment)


@api
async def archive_deployment(request: Request) -> Response:
    """POST /deployments/{deployment_id}/archive."""
    with core_of(request).store.lock:
        return json_response(_change(request, "archive"))


@api
async def pause_deployment(request: Request) -> Response:
    """POST /deployments/{deployment_id}/pause."""
    with core_of(request).store.lock:
        return json_response(_change(request, "pause"))


@api
async def unpause_deployment(request: Request) -> Response:
    """POST /deployments/{deployment_id}/unpause."""
    with core_of(request).store.lock:
        return json_response(_change(request, "unpause"))


@api
async def run_deployment(request: Request) -> Response:
    """POST /deployments/{deployment_id}/run: a session that receives the initial events."""
    core = core_of(request)
    with core.store.lock:
        deployment = _deployment(core, request.path_params["deployment_id"])
        if deployment["archived_at"] is not None or deployment["status"] == "paused":
            state_word = "archived" if deployment["archived_at"] is not None else "paused"
            raise conflict(f"Deployment '{deployment['id']}' is {state_word} and cannot run.")
        agent = deployment["agent"]
        state, _ = create_session_record(
            core,
            {
                "agent": agent if agent["version"] is not None else agent["id"],
                "environment_id": deployment["environment_id"],
                "resources": copy.deepcopy(deployment["resources"]),
                "vault_ids": list(deployment["vault_ids"]),
                "budget": copy.deepcopy(deployment["budget"]),
                "environment_variables": _environment_variables(
                    deployment["environment_variables"]
                ),
            },
        )
        state.record["deployment_id"] = deployment["id"]
        now = now_timestamp()
        run: dict[str, Any] = {
            "id": new_id("drun_"),
            "type": "deployment_run",
            "deployment_id": deployment["id"],
            "agent": {
                "type": "agent",
                "id": agent["id"],
                "version": state.record["agent"].get("version"),
            },
            "session_id": state.record["id"],
            "status": "running",
            "trigger_context": {"type": "manual"},
            "error": None,
            "triggered_at": now,
            "completed_at": None,
            "duration_ms": None,
            "created_at": now,
        }
        core.store.deployment_runs[run["id"]] = run
        events = copy.deepcopy(deployment["initial_events"])
    accept_events(core, state, events)
    with core.store.lock:
        return json_response(copy.deepcopy(run))


def _runs(request: Request, deployment_id: str | None) -> list[dict[str, Any]]:
    """The runs to list (oldest first), filtered by the query."""
    core = core_of(request)
    query = request.query_params
    status = query.get("status")
    if status and status not in RUN_STATUSES:
        raise bad_request(f"status must be one of {sorted(RUN_STATUSES)}.", "status")
    trigger_type = query.get("trigger_type")
    has_error = query_bool(query, "has_error") if query.get("has_error") else None
    bounds = created_at_filter(query)
    after, before = query.get("triggered_after"), query.get("triggered_before")
    try:
        after_ns = parse_timestamp(after) if after else None
        before_ns = parse_timestamp(before) if before else None
    except ValueError:
        raise bad_request("triggered_after/before must be ISO 8601 times.") from None
    chosen = []
    for _, run in sorted(core.store.deployment_runs.items()):
        if deployment_id is not None and run["deployment_id"] != deployment_id:
            continue
        view = _run_view(core, run)
        triggered = parse_timestamp(view["triggered_at"])
        if (
            (status and view["status"] != status)
            or (trigger_type and view["trigger_context"]["type"] != trigger_type)
            or (has_error is not None and (view["error"] is not None) != has_error)
            or not matches_created_at(view["created_at"], bounds)
            or (after_ns is not None and triggered < after_ns)
            or (before_ns is not None and triggered > before_ns)
        ):
            continue
        chosen.append(view)
    return chosen


@api
async def list_all_runs(request: Request) -> Response:
    """GET /deployment_runs: newest first; ``deployment_id``, ``status``, ``trigger_type``,
    ``has_error``, ``created_at[...]``."""
    core = core_of(request)
    with core.store.lock:
        items = _runs(request, request.query_params.get("deployment_id") or None)
    page = paginate(
        items, request.query_params, default_order="desc", allow_order=False, max_limit=MAX_LIMIT
    )
    return json_response(page)


@api
async def retrieve_any_run(request: Request) -> Response:
    """GET /deployment_runs/{deployment_run_id}."""
    core = core_of(request)
    run_id = request.path_params["deployment_run_id"]
    with core.store.lock:
        run = core.store.deployment_runs.get(run_id)
        if run is None:
            raise not_found("Deployment run", run_id)
        return json_response(_run_view(core, run))


@api
async def list_runs(request: Request) -> Response:
    """GET /deployments/{deployment_id}/runs: newest trigger first."""
    core = core_of(request)
    with core.store.lock:
        deployment = _deployment(core, request.path_params["deployment_id"])
        items = _runs(request, deployment["id"])
    page = paginate(
        items, request.query_params, default_order="desc", allow_order=False, max_limit=MAX_LIMIT
    )
    return json_response(page)


@api
async def retrieve_run(request: Request) -> Response:
    """GET /deployments/{deployment_id}/runs/{run_id}."""
    core = core_of(request)
    run_id = request.path_params["run_id"]
    with core.store.lock:
        deployment = _deployment(core, request.path_params["deployment_id"])
        run = core.store.deployment_runs.get(run_id)
        if run is None or run["deployment_id"] != deployment["id"]:
            raise not_found("Deployment run", run_id)
        return json_response(_run_view(core, run))


def routes(prefix: str) -> list[Route]:
    """The deployment and deployment-run routes under ``prefix``."""
    item = f"{prefix}/deployments/{{deployment_id}}"
    return [
        Route(f"{prefix}/deployments", create_deployment, methods=["POST"]),
        Route(f"{prefix}/deployments", list_deployments, methods=["GET"]),
        Route(item, retrieve_deployment, methods=["GET"]),
        Route(item, update_deployment, methods=["POST"]),
        Route(f"{item}/archive", archive_deployment, methods=["POST"]),
        Route(f"{item}/pause", pause_deployment, methods=["POST"]),
        Route(f"{item}/unpause", unpause_deployment, methods=["POST"]),
        Route(f"{item}/run", run_deployment, methods=["POST"]),
        Route(f"{item}/runs", list_runs, methods=["GET"]),
        Route(f"{item}/runs/{{run_id}}", retrieve_run, methods=["GET"]),
        Route(f"{prefix}/deployment_runs", list_all_runs, methods=["GET"]),
        Route(f"{prefix}/deployment_runs/{{deployment_run_id}}", retrieve_any_run, methods=["GET"]),
    ]
