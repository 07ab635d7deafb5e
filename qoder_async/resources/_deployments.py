"""``client.deployments`` (with ``runs``) and ``client.deployment_runs``.

A deployment binds an agent, an environment, resources and initial events to an optional
cron schedule; each run creates a session that receives the initial events.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from functools import cached_property
from typing import Any

from .._config import NOT_GIVEN, NotGiven
from .._errors import InvalidInputError
from .._models._content import JSONObject
from .._models._deployments import Deployment, DeploymentRun
from .._models._params import EventParam, ResourceParam
from ._checks import all_of, given, length_at_most, limit_at_most, one_cursor
from ._endpoints import Resource, endpoint
from ._pagination import AsyncPager

__all__ = ["DeploymentRuns", "DeploymentScopedRuns", "Deployments"]

MAX_LIST_LIMIT = 1000
"""Deployment lists take ``limit`` up to 1,000 (other lists stop at 100)."""


def _schedule(bound: Mapping[str, Any]) -> None:
    if not given(bound, "schedule"):
        return
    schedule = bound["schedule"]
    missing = [k for k in ("type", "expression", "timezone") if not schedule.get(k)]
    if missing:
        raise InvalidInputError(f"schedule needs type, expression and timezone; missing {missing}")
    if schedule["type"] != "cron":
        raise InvalidInputError(f"schedule.type must be 'cron', got {schedule['type']!r}")
    if len(str(schedule["expression"]).split()) != 5:
        raise InvalidInputError("schedule.expression must be a 5-field cron expression")


_BODY = all_of(
    length_at_most("name", 256, at_least=1),
    length_at_most("initial_events", 50, at_least=1),
    length_at_most("vault_ids", 50),
    _schedule,
)
_LIST = all_of(one_cursor, limit_at_most(MAX_LIST_LIMIT))


class DeploymentScopedRuns(Resource):
    """``client.deployments.runs``: the runs of one deployment."""

    @endpoint("GET", "/deployments/{deployment_id}/runs", check=_LIST)
    def list(
        self,
        deployment_id: str,
        /,
        *,
        limit: int | None = None,
        page: str | None = None,
        after_id: str | None = None,
        before_id: str | None = None,
        status: str | None = None,
        triggered_after: str | None = None,
        triggered_before: str | None = None,
    ) -> AsyncPager[DeploymentRun]:
        """The deployment's runs, newest trigger first (``limit`` up to 1,000)."""

    @endpoint("GET", "/deployments/{deployment_id}/runs/{run_id}")
    async def retrieve(self, deployment_id: str, run_id: str, /) -> DeploymentRun:
        """One run of the deployment."""


class DeploymentRuns(Resource):
    """``client.deployment_runs``: the runs of every deployment."""

    @endpoint("GET", "/deployment_runs", check=_LIST)
    def list(
        self,
        *,
        limit: int | None = None,
        page: str | None = None,
        after_id: str | None = None,
        before_id: str | None = None,
        deployment_id: str | None = None,
        status: str | None = None,
        trigger_type: str | None = None,
        has_error: bool | None = None,
        created_at_gt: str | None = None,
        created_at_gte: str | None = None,
        created_at_lt: str | None = None,
        created_at_lte: str | None = None,
    ) -> AsyncPager[DeploymentRun]:
        """Runs of all deployments, newest first (``limit`` up to 1,000)."""

    @endpoint("GET", "/deployment_runs/{deployment_run_id}")
    async def retrieve(self, deployment_run_id: str, /) -> DeploymentRun:
        """One run."""


class Deployments(Resource):
    """``client.deployments``: create, list, retrieve, update, archive, pause, unpause,
    run; ``runs``."""

    @cached_property
    def runs(self) -> DeploymentScopedRuns:
        """The runs of one deployment."""
        return DeploymentScopedRuns(self._client)

    @endpoint("POST", "/deployments", check=_BODY)
    async def create(
        self,
        *,
        name: str,
        agent: str | JSONObject,
        environment_id: str,
        initial_events: Sequence[EventParam | JSONObject],
        description: str | None = None,
        schedule: JSONObject | None = None,
        resources: Sequence[ResourceParam | JSONObject] | None = None,
        vault_ids: Sequence[str] | None = None,
        budget: JSONObject | None = None,
        environment_variables: str | None = None,
        metadata: JSONObject | None = None,
        idempotency_key: str | None = None,
    ) -> Deployment:
        """Create a deployment of ``agent`` (an id: the latest version at each run, or
        ``{"type": "agent", "id", "version"}``) with 1 to 50 ``initial_events`` and an
        optional ``schedule`` ``{"type": "cron", "expression": "0 9 * * 1", "timezone":
        "Europe/Berlin"}`` (without one it runs only when asked).

        Raises:
            InvalidInputError: ``name`` is not 1 to 256 characters, not 1 to 50 initial
                events, more than 50 vaults, or an incomplete schedule (nothing was sent).
            InvalidRequestError: the API refused a field (400).
            NotFoundError: no such agent or environment.
        """

    @endpoint("GET", "/deployments", check=_LIST)
    def list(
        self,
        *,
        limit: int | None = None,
        page: str | None = None,
        after_id: str | None = None,
        before_id: str | None = None,
        status: str | None = None,
        agent_id: str | None = None,
        include_archived: bool | None = None,
        created_at_gte: str | None = None,
        created_at_lte: str | None = None,
    ) -> AsyncPager[Deployment]:
        """Deployments, newest first (``limit`` up to 1,000); ``status`` is ``active`` or
        ``paused``; archived ones only with ``include_archived``."""

    @endpoint("GET", "/deployments/{deployment_id}")
    async def retrieve(self, deployment_id: str, /) -> Deployment:
        """One deployment."""

    @endpoint("POST", "/deployments/{deployment_id}", check=_BODY)
    async def update(
        self,
        deployment_id: str,
        /,
        *,
        name: str | NotGiven = NOT_GIVEN,
        description: str | NotGiven | None = NOT_GIVEN,
        agent: str | JSONObject | NotGiven = NOT_GIVEN,
        environment_id: str | NotGiven = NOT_GIVEN,
        initial_events: Sequence[EventParam | JSONObject] | NotGiven = NOT_GIVEN,
        schedule: JSONObject | NotGiven | None = NOT_GIVEN,
        resources: Sequence[ResourceParam | JSONObject] | NotGiven = NOT_GIVEN,
        vault_ids: Sequence[str] | NotGiven = NOT_GIVEN,
        budget: JSONObject | NotGiven | None = NOT_GIVEN,
        environment_variables: str | NotGiven | None = NOT_GIVEN,
        metadata: JSONObject | NotGiven = NOT_GIVEN,
    ) -> Deployment:
        """Change a deployment (a merge patch: only the fields passed change; ``metadata``
        is a patch, a ``None`` value deletes the key; ``schedule=None`` makes it manual).
        A schedule must be sent whole (type, expression and timezone).

        Raises ``InvalidInputError`` by the rules of :meth:`create` (nothing was sent).
        """

    @endpoint("POST", "/deployments/{deployment_id}/archive")
    async def archive(self, deployment_id: str, /) -> Deployment:
        """Archive a deployment, for good: scheduling stops, ``archived_at`` is set and the
        name becomes ``<name>_archived_<unix time>``, freeing it."""

    @endpoint("POST", "/deployments/{deployment_id}/pause")
    async def pause(self, deployment_id: str, /) -> Deployment:
        """Pause a deployment: no scheduled or manual run starts until :meth:`unpause`.

        Raises ``ConflictError`` if it is already paused.
        """

    @endpoint("POST", "/deployments/{deployment_id}/unpause")
    async def unpause(self, deployment_id: str, /) -> Deployment:
        """Resume a paused deployment (missed slots are not run).

        Raises ``ConflictError`` if it is not paused.
        """

    @endpoint("POST", "/deployments/{deployment_id}/run", retry=False)
    async def run(self, deployment_id: str, /) -> DeploymentRun:
        """Start a run now; returns at once, before the work: follow ``run.session_id``
        (``client.session(run.session_id).events()``).

        Sent once, never retried (a repeat could start a second run): after a connection
        error, list the deployment's runs before trying again.

        Raises:
            ConflictError: the deployment is paused or archived.
            NotFoundError: no such deployment.
        """
