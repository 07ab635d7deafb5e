"""``client.agents``: create, list, retrieve, update, archive; ``client.agents.versions``."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from functools import cached_property
from typing import Any

from .._config import NOT_GIVEN, NotGiven
from .._models._content import JSONObject
from .._models._objects import Agent
from .._telemetry import Telemetry
from ..tools._tool import Tool
from ._endpoints import Resource, endpoint
from ._pagination import AsyncPager

__all__ = ["AgentVersions", "Agents"]


@contextmanager
def _create_agent_span(
    telemetry: Telemetry, arguments: Mapping[str, Any]
) -> Iterator[Callable[[Agent], None]]:
    with telemetry.create_agent(
        name=arguments["name"],
        model=arguments["model"],
        description=arguments.get("description"),
    ) as span:
        yield lambda agent: span.finish(agent.id, agent.version)


class AgentVersions(Resource):
    """``client.agents.versions``: the versions of an agent."""

    @endpoint("GET", "/agents/{agent_id}/versions")
    def list(
        self, agent_id: str, /, *, limit: int | None = None, page: str | None = None
    ) -> AsyncPager[Agent]:
        """Every version of the agent, newest first (one ``Agent`` per version)."""


class Agents(Resource):
    """``client.agents``: agents are versioned; an update makes a new version."""

    @cached_property
    def versions(self) -> AgentVersions:
        """The versions of an agent."""
        return AgentVersions(self._client)

    @endpoint("POST", "/agents", span=_create_agent_span)
    async def create(
        self,
        *,
        name: str,
        model: str | JSONObject,
        system: str | None = None,
        description: str | None = None,
        tools: Sequence[JSONObject | Tool[Any]] | None = None,
        mcp_servers: Sequence[JSONObject] | None = None,
        skills: Sequence[JSONObject] | None = None,
        multiagent: JSONObject | None = None,
        metadata: dict[str, str] | None = None,
        idempotency_key: str | None = None,
    ) -> Agent:
        """Create an agent. ``model`` is a model id (``"ultimate"``) or a config object;
        ``tools`` may hold :func:`tool` functions, sent as their ``definition``.

        Raises ``InvalidRequestError`` (400) for a missing or invalid field.
        """

    @endpoint("GET", "/agents")
    def list(
        self,
        *,
        limit: int | None = None,
        page: str | None = None,
        include_archived: bool | None = None,
        created_at_gte: str | None = None,
        created_at_lte: str | None = None,
    ) -> AsyncPager[Agent]:
        """Agents, page by page: ``async for agent in client.agents.list(limit=50)``."""

    @endpoint("GET", "/agents/{agent_id}")
    async def retrieve(self, agent_id: str, /, *, version: int | None = None) -> Agent:
        """An agent, at its latest version or at ``version``."""

    @endpoint("POST", "/agents/{agent_id}")
    async def update(
        self,
        agent_id: str,
        /,
        *,
        version: int,
        name: str | NotGiven = NOT_GIVEN,
        model: str | JSONObject | NotGiven = NOT_GIVEN,
        system: str | NotGiven | None = NOT_GIVEN,
        description: str | NotGiven | None = NOT_GIVEN,
        tools: Sequence[JSONObject | Tool[Any]] | NotGiven | None = NOT_GIVEN,
        mcp_servers: Sequence[JSONObject] | NotGiven | None = NOT_GIVEN,
        skills: Sequence[JSONObject] | NotGiven | None = NOT_GIVEN,
        multiagent: JSONObject | NotGiven | None = NOT_GIVEN,
        metadata: dict[str, str | None] | NotGiven = NOT_GIVEN,
    ) -> Agent:
        """Change an agent, making a new version. ``version`` is the version you change
        (a stale one gives ``ConflictError``); ``None`` clears a field; ``metadata`` is a
        patch (a ``None`` value deletes the key)."""

    @endpoint("POST", "/agents/{agent_id}/archive")
    async def archive(self, agent_id: str, /) -> Agent:
        """Archive an agent (``archived_at`` is set)."""
