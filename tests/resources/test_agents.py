"""``client.agents``: create, list, retrieve, update (versioned), archive, versions."""

from __future__ import annotations

import pytest

import qoder_async as qa

pytestmark = pytest.mark.anyio


async def test_create_returns_the_agent_at_version_1(client: qa.AsyncQoder) -> None:
    agent = await client.agents.create(name="writer", model="ultimate", system="Be brief.")
    assert (agent.id[:6], agent.name, agent.model, agent.system, agent.version) == (
        "agent_",
        "writer",
        "ultimate",
        "Be brief.",
        1,
    )


async def test_create_with_an_empty_name_is_invalid(client: qa.AsyncQoder) -> None:
    with pytest.raises(qa.InvalidRequestError) as caught:
        await client.agents.create(name="", model="ultimate")
    assert caught.value.param == "name"


async def test_create_with_a_name_over_256_characters_is_invalid(client: qa.AsyncQoder) -> None:
    with pytest.raises(qa.InvalidRequestError):
        await client.agents.create(name="n" * 257, model="ultimate")


async def test_create_with_an_unreferenced_mcp_server_is_invalid(client: qa.AsyncQoder) -> None:
    with pytest.raises(qa.InvalidRequestError):
        await client.agents.create(
            name="mcp",
            model="ultimate",
            mcp_servers=[{"type": "url", "name": "docs", "url": "https://mcp.example"}],
        )


async def test_list_walks_more_than_two_pages(client: qa.AsyncQoder) -> None:
    made = [await client.agents.create(name=f"paged-{i}", model="ultimate") for i in range(5)]
    pager = client.agents.list(limit=2, created_at_gte=made[0].created_at)
    pages = [page async for page in pager.pages()]
    assert [a.id for page in pages for a in page] == [a.id for a in made]
    assert len(pages) == 3


async def test_list_iterates_items_across_pages(client: qa.AsyncQoder) -> None:
    made = [await client.agents.create(name=f"iter-{i}", model="ultimate") for i in range(3)]
    seen = [a.id async for a in client.agents.list(limit=1, created_at_gte=made[0].created_at)]
    assert seen == [a.id for a in made]


async def test_awaiting_list_gives_the_first_page(client: qa.AsyncQoder) -> None:
    made = [await client.agents.create(name=f"first-{i}", model="ultimate") for i in range(3)]
    page = await client.agents.list(limit=2, created_at_gte=made[0].created_at)
    assert ([a.id for a in page], page.has_more) == ([made[0].id, made[1].id], True)


async def test_list_filters_by_creation_time(client: qa.AsyncQoder) -> None:
    first = await client.agents.create(name="early", model="ultimate")
    second = await client.agents.create(name="late", model="ultimate")
    page = await client.agents.list(
        created_at_gte=first.created_at, created_at_lte=first.created_at
    )
    assert [a.id for a in page] == [first.id]
    assert second.id not in [a.id for a in page]


async def test_list_leaves_out_archived_agents(client: qa.AsyncQoder, agent: qa.Agent) -> None:
    await client.agents.archive(agent.id)
    assert agent.id not in [a.id async for a in client.agents.list(created_at_gte=agent.created_at)]


async def test_list_includes_archived_agents_when_asked(
    client: qa.AsyncQoder, agent: qa.Agent
) -> None:
    await client.agents.archive(agent.id)
    listed = client.agents.list(include_archived=True, created_at_gte=agent.created_at)
    assert agent.id in [a.id async for a in listed]


async def test_list_limit_over_100_is_invalid(client: qa.AsyncQoder) -> None:
    with pytest.raises(qa.InvalidRequestError):
        await client.agents.list(limit=101)


async def test_retrieve_returns_the_latest_version(client: qa.AsyncQoder, agent: qa.Agent) -> None:
    await client.agents.update(agent.id, version=1, name="renamed")
    latest = await client.agents.retrieve(agent.id)
    assert (latest.name, latest.version) == ("renamed", 2)


async def test_retrieve_a_given_version(client: qa.AsyncQoder, agent: qa.Agent) -> None:
    await client.agents.update(agent.id, version=1, name="renamed")
    first = await client.agents.retrieve(agent.id, version=1)
    assert (first.name, first.version) == ("helper", 1)


async def test_retrieve_an_unknown_agent_is_not_found(client: qa.AsyncQoder) -> None:
    with pytest.raises(qa.NotFoundError):
        await client.agents.retrieve("agent_00000000000000000000000000000000")


async def test_update_makes_a_new_version(client: qa.AsyncQoder, agent: qa.Agent) -> None:
    updated = await client.agents.update(agent.id, version=agent.version, system="New prompt.")
    assert (updated.system, updated.version) == ("New prompt.", agent.version + 1)


async def test_update_with_a_stale_version_conflicts(
    client: qa.AsyncQoder, agent: qa.Agent
) -> None:
    await client.agents.update(agent.id, version=1, name="first change")
    with pytest.raises(qa.ConflictError):
        await client.agents.update(agent.id, version=1, name="second change")


async def test_update_with_none_clears_a_field(client: qa.AsyncQoder, agent: qa.Agent) -> None:
    updated = await client.agents.update(agent.id, version=1, description=None)
    assert not updated.description


async def test_update_metadata_is_a_patch(client: qa.AsyncQoder) -> None:
    agent = await client.agents.create(name="m", model="ultimate", metadata={"a": "1", "b": "2"})
    updated = await client.agents.update(agent.id, version=1, metadata={"a": None, "c": "3"})
    assert updated.metadata == {"b": "2", "c": "3"}


async def test_update_of_an_unknown_agent_is_not_found(client: qa.AsyncQoder) -> None:
    with pytest.raises(qa.NotFoundError):
        await client.agents.update("agent_00000000000000000000000000000000", version=1, name="x")


async def test_archive_sets_archived_at(client: qa.AsyncQoder, agent: qa.Agent) -> None:
    archived = await client.agents.archive(agent.id)
    assert archived.archived_at is not None


async def test_an_archived_agent_cannot_be_updated(client: qa.AsyncQoder, agent: qa.Agent) -> None:
    await client.agents.archive(agent.id)
    with pytest.raises(qa.ConflictError):
        await client.agents.update(agent.id, version=1, name="too late")


async def test_archive_of_an_unknown_agent_is_not_found(client: qa.AsyncQoder) -> None:
    with pytest.raises(qa.NotFoundError):
        await client.agents.archive("agent_00000000000000000000000000000000")


async def test_versions_list_walks_every_version(client: qa.AsyncQoder, agent: qa.Agent) -> None:
    for version in range(1, 5):
        await client.agents.update(agent.id, version=version, name=f"v{version + 1}")
    pages = [page async for page in client.agents.versions.list(agent.id, limit=2).pages()]
    versions = sorted(a.version for page in pages for a in page)
    assert (versions, len(pages)) == ([1, 2, 3, 4, 5], 3)


async def test_versions_of_an_unknown_agent_are_not_found(client: qa.AsyncQoder) -> None:
    with pytest.raises(qa.NotFoundError):
        await client.agents.versions.list("agent_00000000000000000000000000000000")
