"""Wire shapes of stored objects as the API returns them."""

from __future__ import annotations

import copy
import time
from typing import Any

from ._ids import parse_timestamp
from ._store import EventMeta, SessionState

__all__ = [
    "agent_snapshot",
    "empty_usage",
    "history_event",
    "session_view",
    "thread_view",
]

SNAPSHOT_FIELDS = (
    "name",
    "description",
    "model",
    "system",
    "tools",
    "mcp_servers",
    "skills",
    "multiagent",
    "version",
)


def empty_usage() -> dict[str, Any]:
    """A session ``usage`` object before any turn (§9.2)."""
    return {
        "input_tokens": 0,
        "output_tokens": 0,
        "cache_read_input_tokens": 0,
        "cache_creation": {"ephemeral_5m_input_tokens": 0, "ephemeral_1h_input_tokens": 0},
        "server_tool_use": {"web_search_requests": 0, "web_fetch_requests": 0},
        "active_seconds": 0.0,
        "list_cost": {"amount": "0.00", "currency": "USD"},
        "model_credits": 0.0,
        "sandbox_runtime_credits": 0.0,
        "total_credits": 0.0,
    }


def agent_snapshot(agent: dict[str, Any]) -> dict[str, Any]:
    """The copy of an agent version that a session carries."""
    snapshot: dict[str, Any] = {"id": agent["id"], "type": "agent"}
    for name in SNAPSHOT_FIELDS:
        snapshot[name] = copy.deepcopy(agent.get(name))
    return snapshot


def _duration(created_at: str) -> float:
    elapsed = time.time() - parse_timestamp(created_at) / 1e9
    return round(max(elapsed, 0.0), 3)


def session_view(state: SessionState) -> dict[str, Any]:
    """The Session object. Call with the store lock held."""
    view = copy.deepcopy(state.record)
    view["resources"] = [copy.deepcopy(r) for r in state.resources.values()]
    view["stats"]["duration_seconds"] = _duration(view["created_at"])
    return view


def thread_view(state: SessionState, thread: dict[str, Any]) -> dict[str, Any]:
    """A SessionThread; the primary thread mirrors the session's status and usage."""
    view = copy.deepcopy(thread)
    if view["id"] == state.primary_thread_id and view.get("archived_at") is None:
        view["status"] = state.record["status"]
        usage = state.record["usage"]
        view["usage"] = {
            key: copy.deepcopy(usage[key])
            for key in (
                "input_tokens",
                "output_tokens",
                "cache_read_input_tokens",
                "cache_creation",
                "active_seconds",
                "list_cost",
                "server_tool_use",
            )
        }
        view["stats"]["active_seconds"] = usage["active_seconds"]
    view["stats"]["duration_seconds"] = _duration(view["created_at"])
    return view


def history_event(
    event: dict[str, Any], meta: EventMeta | None, session_id: str, thread_id: str | None = None
) -> dict[str, Any]:
    """An event as history and send responses show it: the stream form plus envelope facts."""
    view = {key: copy.deepcopy(value) for key, value in event.items() if key != "processed_at"}
    view["session_id"] = session_id
    if thread_id is not None:
        view.setdefault("session_thread_id", thread_id)
    if meta is not None and meta.turn_id is not None:
        view["turn_id"] = meta.turn_id
    view["schema_version"] = "1.0"
    view["created_at"] = meta.created_at if meta is not None else event["processed_at"]
    view["processed_at"] = event["processed_at"]
    return view
