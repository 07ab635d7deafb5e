"""``client.environments.work``: the Work API of self-hosted environments (§6).

A queue with leases: ``poll`` delivers an item without claiming it, ``ack`` claims it,
``heartbeat`` keeps the lease (conditional on the last beat: 412 means the lease is lost),
``stop`` ends it in two steps. Ack, heartbeat and stop are never retried blindly: a POST of
the Work API carries no idempotency key, so a failed one is raised for the caller (the
worker loop) to decide.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, TypeVar

from .._errors import InvalidInputError
from .._http._bodies import json_body
from .._http._headers import check_header
from .._http._urls import path_segment
from .._models._convert import converter
from .._models._work import Work, WorkHeartbeat, WorkQueueStats
from ._endpoints import Resource, endpoint, route, shaped
from ._pagination import AsyncPager

__all__ = ["NO_HEARTBEAT", "EnvironmentWork"]

M = TypeVar("M")

NO_HEARTBEAT = "NO_HEARTBEAT"
"""The ``expected_last_heartbeat`` of an item's first heartbeat."""


def _base(environment_id: str) -> str:
    return f"/environments/{path_segment(environment_id, 'environment_id')}/work"


def _worker_header(worker_id: str | None) -> dict[str, str]:
    return {} if worker_id is None else {"Worker-ID": check_header("Worker-ID", worker_id)}


class EnvironmentWork(Resource):
    """``client.environments.work``: list, poll, retrieve, update, ack, heartbeat, stop,
    stats."""

    @endpoint("GET", "/environments/{environment_id}/work")
    def list(
        self, environment_id: str, /, *, limit: int | None = None, page: str | None = None
    ) -> AsyncPager[Work]:
        """The queue's items, in queue order, page by page."""

    @route("GET", "/environments/{environment_id}/work/poll")
    async def poll(
        self,
        environment_id: str,
        /,
        *,
        worker_id: str | None = None,
        block_ms: int | None = None,
        reclaim_older_than_ms: int | None = None,
    ) -> Work | None:
        """The next item for this worker, or ``None`` when the queue has none.

        Delivers without claiming: :meth:`ack` claims. ``block_ms`` (1 to 999) waits that
        long for an item; an item delivered but not acked for ``reclaim_older_than_ms``
        (default 5000) is delivered again.

        Raises:
            InvalidInputError: ``block_ms`` is outside 1..999.
        """
        params: list[tuple[str, str]] = []
        if block_ms is not None:
            if not 1 <= block_ms <= 999:
                raise InvalidInputError("block_ms must be from 1 to 999")
            params.append(("block_ms", str(block_ms)))
        if reclaim_older_than_ms is not None:
            params.append(("reclaim_older_than_ms", str(reclaim_older_than_ms)))
        response = await self._client.request(
            "GET", f"{_base(environment_id)}/poll", params=params, headers=_worker_header(worker_id)
        )
        body = json_body(response)
        if body is None:
            return None
        return shaped(response, body, lambda: converter.structure(body, Work), "Work")

    @endpoint("GET", "/environments/{environment_id}/work/stats")
    async def stats(self, environment_id: str, /) -> WorkQueueStats:
        """The queue's depth, pending deliveries and polling workers."""

    @endpoint("GET", "/environments/{environment_id}/work/{work_id}")
    async def retrieve(self, environment_id: str, work_id: str, /) -> Work:
        """One work item."""

    @endpoint("POST", "/environments/{environment_id}/work/{work_id}")
    async def update(
        self, environment_id: str, work_id: str, /, *, metadata: dict[str, str | None]
    ) -> Work:
        """Patch the item's metadata (a string upserts, ``None`` deletes)."""

    @route("POST", "/environments/{environment_id}/work/{work_id}/ack")
    async def ack(
        self, environment_id: str, work_id: str, /, *, worker_id: str | None = None
    ) -> Work:
        """Claim a polled item (``queued`` to ``starting``); send the poll's ``worker_id``.

        Raises:
            ConflictError: another worker claimed it, or it is stopping or stopped.
        """
        return await self._post(
            environment_id, work_id, "ack", Work, headers=_worker_header(worker_id)
        )

    @route("POST", "/environments/{environment_id}/work/{work_id}/heartbeat")
    async def heartbeat(
        self,
        environment_id: str,
        work_id: str,
        /,
        *,
        expected_last_heartbeat: str | None = NO_HEARTBEAT,
        desired_ttl_seconds: int | None = None,
        worker_id: str | None = None,
    ) -> WorkHeartbeat:
        """Extend the lease: ``expected_last_heartbeat`` is :data:`NO_HEARTBEAT` the first
        time, then the previous answer's ``last_heartbeat`` (``None`` beats unconditionally).

        Raises:
            APIStatusError: 412: the lease belongs to someone else now; stop at once.
        """
        params: list[tuple[str, str]] = []
        if expected_last_heartbeat is not None:
            params.append(("expected_last_heartbeat", expected_last_heartbeat))
        if desired_ttl_seconds is not None:
            params.append(("desired_ttl_seconds", str(desired_ttl_seconds)))
        return await self._post(
            environment_id,
            work_id,
            "heartbeat",
            WorkHeartbeat,
            params=params,
            headers=_worker_header(worker_id),
        )

    @route("POST", "/environments/{environment_id}/work/{work_id}/stop")
    async def stop(self, environment_id: str, work_id: str, /, *, force: bool = False) -> Work:
        """Stop an item: a live one goes to ``stopping`` (call again once drained), a
        ``stopping`` one to ``stopped``; ``force=True`` stops it at once."""
        return await self._post(environment_id, work_id, "stop", Work, json={"force": force})

    async def _post(
        self,
        environment_id: str,
        work_id: str,
        action: str,
        model: type[M],
        *,
        params: Sequence[tuple[str, str]] = (),
        headers: dict[str, str] | None = None,
        json: Any = None,
    ) -> M:
        path = f"{_base(environment_id)}/{path_segment(work_id, 'work_id')}/{action}"
        # One attempt only: a repeated beat with the same expected_last_heartbeat would be
        # refused (412), a repeated stop would move a step further.
        response = await self._client.copy(max_retries=0).request(
            "POST",
            path,
            params=params,
            headers=headers,
            json=json if json is not None else {},
        )
        body = json_body(response)
        decoded: M = shaped(
            response, body, lambda: converter.structure(body, model), model.__name__
        )
        return decoded
