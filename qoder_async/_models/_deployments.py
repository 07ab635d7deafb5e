"""Deployment models: an agent, an environment and initial events on an optional schedule,
and the runs it starts (each run creates a session)."""

from __future__ import annotations

from attrs import field, frozen

from ._content import JSONObject

__all__ = ["Deployment", "DeploymentRun"]


@frozen(kw_only=True)
class Deployment:
    """A deployment. ``status`` is an open string (``active``, ``paused``); an archived one
    has ``archived_at`` set (its ``status`` may still read ``active``).

    ``agent`` is the bound agent (``{"type": "agent", "id": ..., "version": ...}``, or an id
    string); ``schedule`` is ``{"type": "cron", "expression", "timezone", "upcoming_runs_at",
    ...}`` or ``None`` for manual runs only; ``paused_reason`` says why it is paused.
    ``metadata`` values are strings, except the reserved ``cas_config`` object.
    ``environment_variables`` is kept as sent back: a ``KEY=VALUE`` string or an object.
    """

    id: str
    type: str = "deployment"
    name: str = ""
    description: str | None = None
    status: str | None = None
    agent: str | JSONObject | None = None
    environment_id: str | None = None
    initial_events: tuple[JSONObject, ...] = ()
    resources: tuple[JSONObject, ...] = ()
    vault_ids: tuple[str, ...] = ()
    schedule: JSONObject | None = None
    paused_reason: JSONObject | None = None
    budget: JSONObject | None = None
    environment_variables: str | JSONObject | None = None
    metadata: JSONObject = field(factory=dict)
    created_at: str | None = None
    updated_at: str | None = None
    archived_at: str | None = None
    raw: JSONObject = field(factory=dict, repr=False, eq=False)

    @property
    def agent_id(self) -> str | None:
        """The id of the bound agent, whichever shape ``agent`` has."""
        if isinstance(self.agent, str):
            return self.agent
        if self.agent is not None and isinstance(self.agent.get("id"), str):
            return str(self.agent["id"])
        return None


@frozen(kw_only=True)
class DeploymentRun:
    """One run of a deployment. ``session_id`` names the session it created, once it
    exists; ``trigger_context`` is ``{"type": "manual" | "schedule" | "retry", ...}``;
    ``error`` is ``{"type", "message"}`` or ``None``. ``status`` (``pending``, ``running``,
    ``completed``, ``failed``, ``skipped``) is an open string some servers omit."""

    id: str
    type: str = "deployment_run"
    deployment_id: str | None = None
    agent: str | JSONObject | None = None
    session_id: str | None = None
    status: str | None = None
    trigger_context: JSONObject | None = None
    error: JSONObject | None = None
    triggered_at: str | None = None
    completed_at: str | None = None
    duration_ms: int | None = None
    created_at: str | None = None
    raw: JSONObject = field(factory=dict, repr=False, eq=False)
