"""``client.environments``: where sessions run."""

from __future__ import annotations

from functools import cached_property

from .._config import NOT_GIVEN, NotGiven
from .._models._content import JSONObject
from .._models._objects import DeletedObject, Environment
from ._endpoints import Resource, endpoint
from ._pagination import AsyncPager
from ._work import EnvironmentWork

__all__ = ["Environments"]


class Environments(Resource):
    """``client.environments``: create, list, retrieve, update, archive, delete; the Work
    API of self-hosted environments under ``client.environments.work``."""

    @cached_property
    def work(self) -> EnvironmentWork:
        """The work queue of self-hosted environments: poll, ack, heartbeat, stop, ..."""
        return EnvironmentWork(self._client)

    @endpoint("POST", "/environments")
    async def create(
        self,
        *,
        name: str,
        description: str | None = None,
        config: JSONObject | None = None,
        scope: str | None = None,
        metadata: dict[str, str] | None = None,
        idempotency_key: str | None = None,
    ) -> Environment:
        """Create an environment; ``config`` is e.g. ``{"type": "cloud", "packages": ...}``."""

    @endpoint("GET", "/environments")
    def list(
        self,
        *,
        limit: int | None = None,
        page: str | None = None,
        include_archived: bool | None = None,
        created_at_gte: str | None = None,
        created_at_lte: str | None = None,
    ) -> AsyncPager[Environment]:
        """Environments, page by page."""

    @endpoint("GET", "/environments/{environment_id}")
    async def retrieve(self, environment_id: str, /) -> Environment:
        """One environment."""

    @endpoint("POST", "/environments/{environment_id}")
    async def update(
        self,
        environment_id: str,
        /,
        *,
        name: str | NotGiven = NOT_GIVEN,
        description: str | NotGiven | None = NOT_GIVEN,
        config: JSONObject | NotGiven = NOT_GIVEN,
        scope: str | NotGiven = NOT_GIVEN,
        metadata: dict[str, str | None] | NotGiven = NOT_GIVEN,
    ) -> Environment:
        """Change an environment; ``metadata`` is a patch."""

    @endpoint("POST", "/environments/{environment_id}/archive")
    async def archive(self, environment_id: str, /) -> Environment:
        """Archive an environment."""

    @endpoint("DELETE", "/environments/{environment_id}")
    async def delete(self, environment_id: str, /) -> DeletedObject:
        """Delete an environment."""
