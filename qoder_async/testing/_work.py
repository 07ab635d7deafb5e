"""The work queues of self-hosted environments (managed-groups §6): items, leases, reclaim.

A turn that starts in a session of a ``self_hosted`` environment queues a work item for
the session (unless a live one exists). Poll delivers without claiming; an item delivered
but not acked within ``reclaim_older_than_ms`` is delivered again; an acked item whose
lease ran out (no heartbeat within its TTL) goes back to the queue, and a stale heartbeat
on it then gets 412. Everything here is guarded by the store's lock.
"""

from __future__ import annotations

import copy
import itertools
import time
from dataclasses import dataclass, field
from typing import Any

from ._errors import ApiError, conflict, not_found
from ._ids import new_id, now_timestamp

__all__ = ["LIVE_STATES", "WorkItem", "WorkQueues"]

LIVE_STATES = ("queued", "starting", "active", "stopping")
DEFAULT_TTL = 30.0
MAX_TTL = 600.0
_BEATS = itertools.count(1)


@dataclass
class WorkItem:
    """One item: the wire object plus what the queue needs to hand it out."""

    record: dict[str, Any]
    delivered_at: float | None = None
    delivered_to: str | None = None
    acked_by: str | None = None
    last_heartbeat: str | None = None
    lease_expires: float = 0.0


@dataclass
class WorkQueues:
    """Every environment's queue. ``min_ttl`` is the lowest TTL a heartbeat may ask for
    (10 s in the API; tests lower it to see leases expire quickly)."""

    min_ttl: float = 10.0
    items: dict[str, WorkItem] = field(default_factory=dict)
    polls: dict[tuple[str, str], float] = field(default_factory=dict)

    def enqueue(self, environment_id: str, session: dict[str, Any]) -> WorkItem | None:
        """Queue an item for ``session`` unless it has a live one; returns the new item."""
        for item in self.items.values():
            data = item.record["data"]
            if data["id"] == session["id"] and item.record["state"] in LIVE_STATES:
                return None
        work_id = new_id("work_")
        record: dict[str, Any] = {
            "id": work_id,
            "type": "work",
            "environment_id": environment_id,
            "data": {"type": "session", "id": session["id"]},
            "state": "queued",
            "metadata": dict(session.get("metadata") or {}),
            "secret": new_id("wsec_"),
            "created_at": now_timestamp(),
            "acknowledged_at": None,
            "started_at": None,
            "latest_heartbeat_at": None,
            "stop_requested_at": None,
            "stopped_at": None,
        }
        item = WorkItem(record)
        self.items[work_id] = item
        return item

    def of(self, environment_id: str) -> list[WorkItem]:
        """The environment's items in queue order."""
        self._expire_leases()
        return [
            self.items[k]
            for k in sorted(self.items)
            if self.items[k].record["environment_id"] == environment_id
        ]

    def item(self, environment_id: str, work_id: str) -> WorkItem:
        """One item, or 404."""
        item = self.items.get(work_id)
        if item is None or item.record["environment_id"] != environment_id:
            raise not_found("Work", work_id)
        self._expire_leases()
        return item

    def _expire_leases(self) -> None:
        now = time.monotonic()
        for item in self.items.values():
            if item.record["state"] in ("starting", "active") and now >= item.lease_expires:
                item.record["state"] = "queued"
                item.delivered_at = item.delivered_to = item.acked_by = None
                item.last_heartbeat = None

    def poll(self, environment_id: str, worker_id: str | None, reclaim_ms: int) -> WorkItem | None:
        """The next deliverable item (and mark it delivered), or ``None``."""
        now = time.monotonic()
        if worker_id:
            self.polls[(environment_id, worker_id)] = now
        for item in self.of(environment_id):
            if item.record["state"] != "queued":
                continue
            if item.delivered_at is None or (now - item.delivered_at) * 1000 >= reclaim_ms:
                item.delivered_at, item.delivered_to = now, worker_id
                return item
        return None

    def ack(self, item: WorkItem, worker_id: str | None) -> None:
        """Claim: ``queued`` to ``starting``; repeatable by the claimant."""
        state = item.record["state"]
        if state in ("starting", "active") and item.acked_by == worker_id:
            return
        if state != "queued" or item.delivered_at is None:
            raise conflict(f"Work '{item.record['id']}' cannot be acknowledged in state {state}.")
        if item.delivered_to is not None and item.delivered_to != worker_id:
            raise conflict(f"Work '{item.record['id']}' was delivered to another worker.")
        item.record["state"] = "starting"
        item.record["acknowledged_at"] = now_timestamp()
        item.acked_by = worker_id
        item.lease_expires = time.monotonic() + DEFAULT_TTL

    def heartbeat(
        self, item: WorkItem, expected: str | None, desired_ttl: float | None
    ) -> dict[str, Any]:
        """Extend the lease if ``expected`` is the last beat (412 if not)."""
        state = item.record["state"]
        if state not in ("starting", "active", "stopping"):
            raise conflict(f"Work '{item.record['id']}' is {state}: nothing to heartbeat.")
        if expected is not None and expected != (item.last_heartbeat or "NO_HEARTBEAT"):
            raise ApiError(
                412,
                "expected_last_heartbeat does not match: the lease belongs to another worker.",
                error_type="invalid_request_error",
            )
        ttl = min(
            max(desired_ttl if desired_ttl is not None else DEFAULT_TTL, self.min_ttl), MAX_TTL
        )
        now = now_timestamp()
        item.last_heartbeat = f"{now}#{next(_BEATS)}"
        item.lease_expires = time.monotonic() + ttl
        item.record["latest_heartbeat_at"] = now
        if state == "starting":
            item.record["state"] = "active"
            item.record["started_at"] = now
        return {
            "type": "work_heartbeat",
            "last_heartbeat": item.last_heartbeat,
            "lease_extended": True,
            "state": item.record["state"],
            "ttl_seconds": ttl,
        }

    def stop(self, item: WorkItem, force: bool) -> None:
        """The two-step stop of §6.3."""
        state = item.record["state"]
        if state == "stopped":
            return
        if force or state in ("queued", "stopping"):
            item.record["state"] = "stopped"
            item.record["stopped_at"] = now_timestamp()
        else:
            item.record["state"] = "stopping"
            item.record["stop_requested_at"] = now_timestamp()

    def stats(self, environment_id: str, reclaim_ms: int = 5000) -> dict[str, Any]:
        """Depth, pending deliveries, the oldest queued item, workers polling (last 30 s)."""
        now = time.monotonic()
        queued = [i for i in self.of(environment_id) if i.record["state"] == "queued"]
        pending = [
            i
            for i in queued
            if i.delivered_at is not None and (now - i.delivered_at) * 1000 < reclaim_ms
        ]
        workers = {
            w for (env, w), at in self.polls.items() if env == environment_id and now - at < 30
        }
        return {
            "type": "work_queue_stats",
            "depth": len(queued) - len(pending),
            "pending": len(pending),
            "oldest_queued_at": queued[0].record["created_at"] if queued else None,
            "workers_polling": len(workers),
        }

    @staticmethod
    def view(item: WorkItem) -> dict[str, Any]:
        """The wire object (a copy)."""
        return copy.deepcopy(item.record)
