"""The Work API of self-hosted environments (managed-groups §6.1)."""

from __future__ import annotations

import asyncio
import time
from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from .._errors import bad_request, not_found
from .._pagination import paginate
from .._params import apply_metadata_patch, json_object
from .._responses import api, core_of, json_response
from .._work import WorkItem, WorkQueues

__all__ = ["routes"]


def _queues(request: Request) -> WorkQueues:
    """The queues, after checking the environment exists and is self-hosted (else 400)."""
    core = core_of(request)
    environment_id = request.path_params["environment_id"]
    environment = core.store.environments.get(environment_id)
    if environment is None:
        raise not_found("Environment", environment_id)
    if (environment.get("config") or {}).get("type") != "self_hosted":
        raise bad_request(f"Environment '{environment_id}' is not self_hosted.")
    return core.work


def _item(request: Request) -> WorkItem:
    return _queues(request).item(
        request.path_params["environment_id"], request.path_params["work_id"]
    )


def _int(request: Request, name: str, low: int, high: int | None = None) -> int | None:
    raw = request.query_params.get(name)
    if raw is None:
        return None
    try:
        value = int(raw)
    except ValueError:
        raise bad_request(f"{name} must be an integer.", name) from None
    if value < low or (high is not None and value > high):
        raise bad_request(f"{name} must be from {low} to {high}.", name)
    return value


@api
async def list_work(request: Request) -> Response:
    """GET /environments/{environment_id}/work."""
    with core_of(request).store.lock:
        items = [
            WorkQueues.view(i) for i in _queues(request).of(request.path_params["environment_id"])
        ]
    return json_response(paginate(items, request.query_params))


@api
async def poll_work(request: Request) -> Response:
    """GET …/work/poll: an item or ``null``, waiting up to ``block_ms``."""
    store = core_of(request).store
    block_ms = _int(request, "block_ms", 1, 999) or 0
    reclaim = _int(request, "reclaim_older_than_ms", 0)
    worker_id = request.headers.get("worker-id")
    deadline = time.monotonic() + block_ms / 1000
    while True:
        with store.lock:
            queues = _queues(request)
            item = queues.poll(
                request.path_params["environment_id"],
                worker_id,
                5000 if reclaim is None else reclaim,
            )
            if item is not None:
                return json_response(WorkQueues.view(item))
        if time.monotonic() >= deadline:
            return json_response(None)
        await asyncio.sleep(0.01)


@api
async def work_stats(request: Request) -> Response:
    """GET …/work/stats."""
    with core_of(request).store.lock:
        return json_response(_queues(request).stats(request.path_params["environment_id"]))


@api
async def retrieve_work(request: Request) -> Response:
    """GET …/work/{work_id}."""
    with core_of(request).store.lock:
        return json_response(WorkQueues.view(_item(request)))


@api
async def update_work(request: Request) -> Response:
    """POST …/work/{work_id}: a metadata merge-patch."""
    body: dict[str, Any] = json_object(await request.body())
    with core_of(request).store.lock:
        item = _item(request)
        if "metadata" in body:
            item.record["metadata"] = apply_metadata_patch(
                item.record["metadata"], body["metadata"]
            )
        return json_response(WorkQueues.view(item))


@api
async def ack_work(request: Request) -> Response:
    """POST …/work/{work_id}/ack."""
    with core_of(request).store.lock:
        item = _item(request)
        _queues(request).ack(item, request.headers.get("worker-id"))
        return json_response(WorkQueues.view(item))


@api
async def heartbeat_work(request: Request) -> Response:
    """POST …/work/{work_id}/heartbeat."""
    desired = _int(request, "desired_ttl_seconds", 1)
    expected = request.query_params.get("expected_last_heartbeat")
    with core_of(request).store.lock:
        item = _item(request)
        return json_response(
            _queues(request).heartbeat(item, expected, float(desired) if desired else None)
        )


@api
async def stop_work(request: Request) -> Response:
    """POST …/work/{work_id}/stop: ``{force?}``."""
    raw = await request.body()
    body = json_object(raw) if raw.strip() else {}
    force = body.get("force") or False
    if not isinstance(force, bool):
        raise bad_request("force must be a boolean.", "force")
    with core_of(request).store.lock:
        item = _item(request)
        _queues(request).stop(item, force)
        return json_response(WorkQueues.view(item))


def routes(prefix: str) -> list[Route]:
    """The Work API routes under ``prefix``."""
    base = f"{prefix}/environments/{{environment_id}}/work"
    item = f"{base}/{{work_id}}"
    return [
        Route(base, list_work, methods=["GET"]),
        Route(f"{base}/poll", poll_work, methods=["GET"]),
        Route(f"{base}/stats", work_stats, methods=["GET"]),
        Route(item, retrieve_work, methods=["GET"]),
        Route(item, update_work, methods=["POST"]),
        Route(f"{item}/ack", ack_work, methods=["POST"]),
        Route(f"{item}/heartbeat", heartbeat_work, methods=["POST"]),
        Route(f"{item}/stop", stop_work, methods=["POST"]),
    ]
