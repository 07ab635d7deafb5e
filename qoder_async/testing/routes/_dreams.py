"""Dreams (managed-groups §5): one memory-consolidation job at a time.

A dream goes ``pending`` → ``running`` → ``completed`` on its own, on a short clock
(:data:`PENDING_SECONDS`, :data:`RUNNING_SECONDS`), worked out whenever it is read, so no
task outlives a request. ``cancel`` ends a pending or running dream as ``canceled``; only an
ended dream can be archived. While one dream is pending or running, creating another gives
409. The input store is checked for shape, not looked up: memory stores are served by
another router.
"""

from __future__ import annotations

import copy
import time
from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from .._core import Core
from .._errors import bad_request, conflict, not_found
from .._ids import new_id, now_timestamp
from .._pagination import paginate
from .._params import created_at_filter, matches_created_at, query_bool, query_list
from .._responses import api, core_of, json_response, read_json

__all__ = ["PENDING_SECONDS", "RUNNING_SECONDS", "routes"]

PENDING_SECONDS = 0.1
RUNNING_SECONDS = 0.4
MAX_SESSIONS = 100
MAX_INSTRUCTIONS = 4096
MODELS = frozenset({"auto", "lite", "ultimate"})
SPEEDS = frozenset({"standard", "fast"})
ACTIVE = frozenset({"pending", "running"})
STATUSES = frozenset({"pending", "running", "completed", "failed", "canceled"})


def _inputs(value: Any) -> list[dict[str, Any]]:
    if not isinstance(value, list) or not value:
        raise bad_request("inputs must be a non-empty array.", "inputs")
    stores = [i for i in value if isinstance(i, dict) and i.get("type") == "memory_store"]
    if len(stores) != 1:
        raise bad_request("inputs must hold exactly one memory_store input.", "inputs")
    for index, item in enumerate(value):
        where = f"inputs[{index}]"
        if not isinstance(item, dict) or item.get("type") not in ("memory_store", "sessions"):
            raise bad_request(f"{where}.type must be 'memory_store' or 'sessions'.", where)
        if item["type"] == "memory_store" and not isinstance(item.get("memory_store_id"), str):
            raise bad_request(f"{where}.memory_store_id is required.", where)
        if item["type"] == "sessions":
            ids = item.get("session_ids")
            if not isinstance(ids, list) or not all(isinstance(i, str) for i in ids):
                raise bad_request(f"{where}.session_ids must be an array of ids.", where)
            if len(ids) > MAX_SESSIONS:
                raise bad_request(f"{where}: at most {MAX_SESSIONS} sessions.", where)
    return copy.deepcopy(value)


def _model(value: Any) -> dict[str, Any]:
    if value is None:
        return {"id": "auto", "speed": "standard"}
    if isinstance(value, str):
        value = {"id": value}
    if (
        not isinstance(value, dict)
        or value.get("id") not in MODELS
        or value.get("speed", "standard") not in SPEEDS
    ):
        raise bad_request(
            f"model must be one of {sorted(MODELS)} or {{id, speed: standard|fast}}.", "model"
        )
    return {"id": value["id"], "speed": value.get("speed", "standard")}


def _output_behavior(value: Any) -> dict[str, Any]:
    if value is None:
        return {"type": "create_new"}
    if isinstance(value, dict) and value.get("type") == "create_new":
        return {"type": "create_new"}
    if (
        isinstance(value, dict)
        and value.get("type") == "update_existing"
        and isinstance(value.get("memory_store_id"), str)
    ):
        return {"type": "update_existing", "memory_store_id": value["memory_store_id"]}
    raise bad_request(
        "output_behavior must be create_new or update_existing with a memory_store_id.",
        "output_behavior",
    )


def _advance(entry: dict[str, Any]) -> dict[str, Any]:
    """Move the dream along its clock; returns its record."""
    dream: dict[str, Any] = entry["record"]
    elapsed = time.monotonic() - entry["started"]
    if dream["status"] == "pending" and elapsed >= PENDING_SECONDS:
        dream["status"] = "running"
        dream["session_id"] = new_id("sess_")
    if dream["status"] == "running" and elapsed >= PENDING_SECONDS + RUNNING_SECONDS:
        behavior = dream["output_behavior"]
        target = behavior.get("memory_store_id") or new_id("memstore_")
        dream["status"] = "completed"
        dream["outputs"] = [
            {"type": "memory_store", "memory_store_id": target, "files_touched": []}
        ]
        dream["usage"] = {
            "input_tokens": 1200,
            "output_tokens": 300,
            "cache_creation_input_tokens": 0,
            "cache_read_input_tokens": 0,
        }
        dream["ended_at"] = now_timestamp()
    return dream


def _dream(core: Core, dream_id: str) -> dict[str, Any]:
    entry = core.store.dreams.get(dream_id)
    if entry is None:
        raise not_found("Dream", dream_id)
    return _advance(entry)


@api
async def create_dream(request: Request) -> Response:
    """POST /dreams: 409 while another dream is pending or running."""
    core = core_of(request)
    body = await read_json(request)
    instructions = body.get("instructions")
    if instructions is not None and (
        not isinstance(instructions, str) or len(instructions) > MAX_INSTRUCTIONS
    ):
        raise bad_request(
            f"instructions must be a string of at most {MAX_INSTRUCTIONS} characters.",
            "instructions",
        )
    dream: dict[str, Any] = {
        "id": new_id("drm_"),
        "type": "dream",
        "status": "pending",
        "inputs": _inputs(body.get("inputs")),
        "model": _model(body.get("model")),
        "instructions": instructions,
        "output_behavior": _output_behavior(body.get("output_behavior")),
        "outputs": [],
        "session_id": None,
        "usage": None,
        "error": None,
        "created_at": now_timestamp(),
        "ended_at": None,
        "archived_at": None,
    }
    with core.store.lock:
        active = [
            d["id"] for d in map(_advance, core.store.dreams.values()) if d["status"] in ACTIVE
        ]
        if active:
            raise conflict(f"Dream '{active[0]}' is still active; one dream runs at a time.")
        core.store.dreams[dream["id"]] = {"record": dream, "started": time.monotonic()}
        return json_response(copy.deepcopy(dream), 201)


@api
async def list_dreams(request: Request) -> Response:
    """GET /dreams: newest first; ``include_archived``, ``statuses[]``, ``created_at``."""
    core = core_of(request)
    query = request.query_params
    statuses = set(query_list(query, "statuses"))
    if statuses - STATUSES:
        raise bad_request(f"statuses must be among {sorted(STATUSES)}.", "statuses")
    include_archived = query_bool(query, "include_archived")
    bounds = created_at_filter(query)
    with core.store.lock:
        items = [
            copy.deepcopy(dream)
            for dream in (_advance(e) for _, e in sorted(core.store.dreams.items()))
            if (include_archived or dream["archived_at"] is None)
            and (not statuses or dream["status"] in statuses)
            and matches_created_at(dream["created_at"], bounds)
        ]
    return json_response(paginate(items, query, default_order="desc", allow_order=False))


@api
async def retrieve_dream(request: Request) -> Response:
    """GET /dreams/{dream_id}."""
    core = core_of(request)
    with core.store.lock:
        return json_response(copy.deepcopy(_dream(core, request.path_params["dream_id"])))


@api
async def cancel_dream(request: Request) -> Response:
    """POST /dreams/{dream_id}/cancel: only while pending or running (else 409)."""
    core = core_of(request)
    with core.store.lock:
        dream = _dream(core, request.path_params["dream_id"])
        if dream["status"] not in ACTIVE:
            raise conflict(f"Dream '{dream['id']}' has already ended ({dream['status']}).")
        dream["status"] = "canceled"
        dream["ended_at"] = now_timestamp()
        return json_response(copy.deepcopy(dream))


@api
async def archive_dream(request: Request) -> Response:
    """POST /dreams/{dream_id}/archive: only once ended (400 before); again is harmless."""
    core = core_of(request)
    with core.store.lock:
        dream = _dream(core, request.path_params["dream_id"])
        if dream["status"] in ACTIVE:
            raise bad_request(f"Dream '{dream['id']}' is {dream['status']}; cancel it first.")
        if dream["archived_at"] is None:
            dream["archived_at"] = now_timestamp()
        return json_response(copy.deepcopy(dream))


def routes(prefix: str) -> list[Route]:
    """The dream routes under ``prefix``."""
    item = f"{prefix}/dreams/{{dream_id}}"
    return [
        Route(f"{prefix}/dreams", create_dream, methods=["POST"]),
        Route(f"{prefix}/dreams", list_dreams, methods=["GET"]),
        Route(item, retrieve_dream, methods=["GET"]),
        Route(f"{item}/cancel", cancel_dream, methods=["POST"]),
        Route(f"{item}/archive", archive_dream, methods=["POST"]),
    ]
