"""Agents (§4.1): create, list, retrieve, versioned update, archive, versions."""

from __future__ import annotations

import copy
from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from .._errors import ApiError, bad_request, conflict
from .._ids import now_timestamp
from .._pagination import paginate
from .._params import (
    apply_metadata_patch,
    created_at_filter,
    matches_created_at,
    optional_list,
    optional_string,
    query_bool,
    require_string,
    validate_metadata,
)
from .._responses import api, core_of, json_response, read_json

__all__ = ["build_agent", "routes"]

MAX_TOOLS = 128
MAX_MCP_SERVERS = 20
MAX_NAME = 256


def _model(value: Any) -> Any:
    if value is None:
        raise bad_request("Missing required field: model", "model")
    if isinstance(value, str) and value:
        return value
    if isinstance(value, dict) and isinstance(value.get("id"), str) and value["id"]:
        return copy.deepcopy(value)
    raise bad_request("model must be a model id string or an object with an 'id'.", "model")


def _tools(body: dict[str, Any]) -> list[Any]:
    tools = optional_list(body, "tools")
    for index, tool in enumerate(tools):
        if not isinstance(tool, dict) or not isinstance(tool.get("type"), str):
            raise bad_request(f"tools[{index}]: each tool needs a 'type'.", f"tools[{index}].type")
    if len(tools) > MAX_TOOLS:
        raise bad_request(f"An agent may have at most {MAX_TOOLS} tools.", "tools")
    return tools


def _mcp_servers(body: dict[str, Any], tools: list[Any]) -> list[Any]:
    servers = optional_list(body, "mcp_servers")
    if len(servers) > MAX_MCP_SERVERS:
        raise bad_request(
            f"An agent may have at most {MAX_MCP_SERVERS} MCP servers.", "mcp_servers"
        )
    referenced = {
        tool.get("mcp_server_name") for tool in tools if tool.get("type") == "mcp_toolset"
    }
    names: set[str] = set()
    for index, server in enumerate(servers):
        param = f"mcp_servers[{index}]"
        if not isinstance(server, dict) or server.get("type") != "url":
            raise bad_request(f"{param}: type must be 'url'.", f"{param}.type")
        name, url = server.get("name"), server.get("url")
        if not isinstance(name, str) or not name:
            raise bad_request(f"{param}: missing required field 'name'.", f"{param}.name")
        if not isinstance(url, str) or not url.startswith(("http://", "https://")):
            raise bad_request(f"{param}: url must be an http(s) URL.", f"{param}.url")
        if name in names:
            raise bad_request(f"{param}: duplicate MCP server name '{name}'.", f"{param}.name")
        if name not in referenced:
            raise bad_request(
                f"{param}: MCP server '{name}' is not referenced by any mcp_toolset.",
                f"{param}.name",
            )
        names.add(name)
    return servers


def _skills(body: dict[str, Any]) -> list[Any]:
    skills = optional_list(body, "skills")
    for index, skill in enumerate(skills):
        if not isinstance(skill, dict) or skill.get("type") not in ("qoder", "custom"):
            raise bad_request(
                f"skills[{index}]: type must be 'qoder' or 'custom'.", f"skills[{index}].type"
            )
    return skills


def _multiagent(value: Any) -> Any:
    if value is None:
        return None
    if not isinstance(value, dict) or value.get("type") != "coordinator":
        raise bad_request("multiagent.type must be 'coordinator'.", "multiagent.type")
    agents = value.get("agents")
    if not isinstance(agents, list) or not 1 <= len(agents) <= 20:
        raise bad_request("multiagent.agents must list 1 to 20 agents.", "multiagent.agents")
    return copy.deepcopy(value)


def build_agent(
    agent_id: str, body: dict[str, Any], version: int, created_at: str
) -> dict[str, Any]:
    """Validate a create body into an Agent object (400 ``ApiError`` on bad fields)."""
    name = require_string(body, "name", max_length=MAX_NAME)
    model = _model(body.get("model"))
    tools = _tools(body)
    system = optional_string(body, "system")
    return {
        "id": agent_id,
        "type": "agent",
        "name": name,
        "description": optional_string(body, "description"),
        "model": model,
        "system": system,
        "instructions": system,
        "tools": tools,
        "mcp_servers": _mcp_servers(body, tools),
        "skills": _skills(body),
        "multiagent": _multiagent(body.get("multiagent")),
        "default_environment": "",
        "metadata": validate_metadata(body.get("metadata")),
        "version": version,
        "created_at": created_at,
        "updated_at": now_timestamp(),
        "archived_at": None,
    }


@api
async def create_agent(request: Request) -> Response:
    """POST /agents."""
    core = core_of(request)
    body = await read_json(request)
    now = now_timestamp()
    agent = build_agent(core.store.ids.new("agent_"), body, 1, now)
    agent["updated_at"] = now
    with core.store.lock:
        core.store.agents[agent["id"]] = [agent]
    return json_response(copy.deepcopy(agent), 201)


@api
async def list_agents(request: Request) -> Response:
    """GET /agents."""
    core = core_of(request)
    query = request.query_params
    include_archived = query_bool(query, "include_archived")
    bounds = created_at_filter(query)
    with core.store.lock:
        latest = [versions[-1] for versions in core.store.agents.values()]
        items = [
            agent
            for agent in latest
            if (include_archived or agent["archived_at"] is None)
            and matches_created_at(agent["created_at"], bounds)
        ]
        page = paginate(items, query, rank=core.store.ids.rank)
    return json_response(page)


def _version_param(request: Request) -> int | None:
    raw = request.query_params.get("version")
    if raw is None or raw == "":
        return None
    try:
        version = int(raw)
    except ValueError:
        raise bad_request("version must be an integer of at least 1.", "version") from None
    if version < 1:
        raise bad_request("version must be an integer of at least 1.", "version")
    return version


@api
async def retrieve_agent(request: Request) -> Response:
    """GET /agents/{agent_id}."""
    core = core_of(request)
    agent_id = request.path_params["agent_id"]
    version = _version_param(request)
    with core.store.lock:
        versions = core.store.agent_versions(agent_id)
        if version is None:
            return json_response(copy.deepcopy(versions[-1]))
        if version > len(versions):
            raise ApiError(404, f"Agent '{agent_id}' has no version {version}.")
        chosen = copy.deepcopy(versions[version - 1])
        chosen["archived_at"] = versions[-1]["archived_at"]
        return json_response(chosen)


def _apply_update(current: dict[str, Any], body: dict[str, Any]) -> dict[str, Any]:
    updated = copy.deepcopy(current)
    if "name" in body:
        if not isinstance(body["name"], str) or not body["name"]:
            raise bad_request("name must not be empty and cannot be cleared.", "name")
        updated["name"] = require_string(body, "name", max_length=MAX_NAME)
    for name in ("description", "system"):
        if name in body:
            updated[name] = optional_string(body, name)
    updated["instructions"] = updated["system"]
    if "model" in body:
        if body["model"] is None:
            raise bad_request("model cannot be cleared.", "model")
        updated["model"] = _model(body["model"])
    if "tools" in body:
        updated["tools"] = _tools(body)
    if "tools" in body or "mcp_servers" in body:
        source = body if "mcp_servers" in body else {"mcp_servers": updated["mcp_servers"]}
        updated["mcp_servers"] = _mcp_servers(source, updated["tools"])
    if "skills" in body:
        updated["skills"] = _skills(body)
    if "multiagent" in body:
        updated["multiagent"] = _multiagent(body["multiagent"])
    if "metadata" in body:
        updated["metadata"] = apply_metadata_patch(updated["metadata"], body["metadata"])
    return updated


@api
async def update_agent(request: Request) -> Response:
    """POST /agents/{agent_id}."""
    core = core_of(request)
    agent_id = request.path_params["agent_id"]
    body = await read_json(request)
    with core.store.lock:
        versions = core.store.agent_versions(agent_id)
        current = versions[-1]
        if current["archived_at"] is not None:
            raise conflict(f"Agent '{agent_id}' is archived and cannot be updated.")
        expected = body.get("version")
        if expected is not None:
            if not isinstance(expected, int) or isinstance(expected, bool):
                raise bad_request("version must be an integer.", "version")
            if expected != current["version"]:
                raise conflict(
                    f"Agent '{agent_id}' is at version {current['version']}, not {expected}."
                )
        updated = _apply_update(current, body)
        unchanged = {k: v for k, v in updated.items() if k != "updated_at"} == {
            k: v for k, v in current.items() if k != "updated_at"
        }
        if unchanged:
            return json_response(copy.deepcopy(current))
        updated["version"] = current["version"] + 1
        updated["updated_at"] = now_timestamp()
        versions.append(updated)
        return json_response(copy.deepcopy(updated))


@api
async def archive_agent(request: Request) -> Response:
    """POST /agents/{agent_id}/archive."""
    core = core_of(request)
    agent_id = request.path_params["agent_id"]
    with core.store.lock:
        versions = core.store.agent_versions(agent_id)
        current = versions[-1]
        if current["archived_at"] is None:
            now = now_timestamp()
            current["archived_at"] = now
            current["updated_at"] = now
        return json_response(copy.deepcopy(current))


@api
async def list_versions(request: Request) -> Response:
    """GET /agents/{agent_id}/versions."""
    core = core_of(request)
    agent_id = request.path_params["agent_id"]
    with core.store.lock:
        versions = core.store.agent_versions(agent_id)
        archived_at = versions[-1]["archived_at"]
        # Versions share the agent id, so page over synthetic ids that keep version order.
        items = [{**copy.deepcopy(v), "id": f"{v['version']:010d}"} for v in versions]
        page = paginate(items, request.query_params, allow_order=False)
    for item in page["data"]:
        item["id"] = agent_id
        item["archived_at"] = archived_at
    page["first_id"] = agent_id if page["data"] else None
    page["last_id"] = agent_id if page["data"] else None
    return json_response(page)


def routes(prefix: str) -> list[Route]:
    """The agent routes under ``prefix``."""
    return [
        Route(f"{prefix}/agents", create_agent, methods=["POST"]),
        Route(f"{prefix}/agents", list_agents, methods=["GET"]),
        Route(f"{prefix}/agents/{{agent_id}}", retrieve_agent, methods=["GET"]),
        Route(f"{prefix}/agents/{{agent_id}}", update_agent, methods=["POST"]),
        Route(f"{prefix}/agents/{{agent_id}}/archive", archive_agent, methods=["POST"]),
        Route(f"{prefix}/agents/{{agent_id}}/versions", list_versions, methods=["GET"]),
    ]
