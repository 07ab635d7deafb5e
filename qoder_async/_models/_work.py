"""The Work API's objects (managed-groups §6.2): a self-hosted environment's queue of
work items, their heartbeats and the queue's statistics."""

from __future__ import annotations

from attrs import field, frozen

from ._content import JSONObject

__all__ = ["Work", "WorkData", "WorkHeartbeat", "WorkQueueStats"]


@frozen(kw_only=True)
class WorkData:
    """What a work item is for: ``type="session"`` and the session's ``id``."""

    type: str = "session"
    id: str = ""


@frozen(kw_only=True)
class Work:
    """One work item: a session that needs a runtime on a self-hosted worker.

    ``state`` is ``queued``, ``starting``, ``active``, ``stopping`` or ``stopped`` (kept
    open: other values are passed through). ``secret`` is undocumented and never shown in
    the repr.
    """

    id: str
    type: str = "work"
    environment_id: str | None = None
    data: WorkData | None = None
    state: str = "queued"
    metadata: dict[str, str] = field(factory=dict)
    created_at: str | None = None
    acknowledged_at: str | None = None
    started_at: str | None = None
    latest_heartbeat_at: str | None = None
    stop_requested_at: str | None = None
    stopped_at: str | None = None
    secret: str | None = field(default=None, repr=False)
    raw: JSONObject = field(factory=dict, repr=False, eq=False)

    @property
    def session_id(self) -> str | None:
        """The session this item serves, when it is a session item."""
        return self.data.id if self.data is not None and self.data.type == "session" else None


@frozen(kw_only=True)
class WorkHeartbeat:
    """The answer to a heartbeat: echo ``last_heartbeat`` on the next one; ``state``
    ``stopping`` asks the worker to finish up."""

    type: str = "work_heartbeat"
    last_heartbeat: str | None = None
    lease_extended: bool = False
    state: str | None = None
    ttl_seconds: int | None = None
    raw: JSONObject = field(factory=dict, repr=False, eq=False)


@frozen(kw_only=True)
class WorkQueueStats:
    """A queue's capacity figures: ``depth`` claimable now, ``pending`` delivered but not
    acked, ``workers_polling`` (polls that sent a ``Worker-ID``)."""

    type: str = "work_queue_stats"
    depth: int = 0
    pending: int = 0
    oldest_queued_at: str | None = None
    workers_polling: int = 0
    raw: JSONObject = field(factory=dict, repr=False, eq=False)
