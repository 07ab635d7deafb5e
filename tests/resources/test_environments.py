"""``client.environments``: create, list, retrieve, update, archive, delete."""

from __future__ import annotations

import pytest

import qoder_async as qa

pytestmark = pytest.mark.anyio

UNKNOWN = "env_00000000000000000000000000000000"
CLOUD = {"type": "cloud", "networking": {"type": "unrestricted"}}


async def test_create_returns_the_environment(client: qa.AsyncQoder) -> None:
    env = await client.environments.create(name="build", config=CLOUD, scope="account")
    assert (env.id[:4], env.name, env.config, env.scope) == ("env_", "build", CLOUD, "account")


async def test_create_without_a_name_is_invalid(client: qa.AsyncQoder) -> None:
    with pytest.raises(qa.InvalidRequestError) as caught:
        await client.environments.create(name="")
    assert caught.value.param == "name"


async def test_create_with_an_unknown_config_type_is_invalid(client: qa.AsyncQoder) -> None:
    with pytest.raises(qa.InvalidRequestError):
        await client.environments.create(name="x", config={"type": "mainframe"})


async def test_create_with_an_unknown_scope_is_invalid(client: qa.AsyncQoder) -> None:
    with pytest.raises(qa.InvalidRequestError):
        await client.environments.create(name="x", scope="planet")


async def test_list_walks_more_than_two_pages(client: qa.AsyncQoder) -> None:
    made = [await client.environments.create(name=f"paged-{i}") for i in range(5)]
    pager = client.environments.list(limit=2, created_at_gte=made[0].created_at)
    pages = [page async for page in pager.pages()]
    assert ([e.id for page in pages for e in page], len(pages)) == ([e.id for e in made], 3)


async def test_list_leaves_out_archived_environments(
    client: qa.AsyncQoder, environment: qa.Environment
) -> None:
    await client.environments.archive(environment.id)
    listed = client.environments.list(created_at_gte=environment.created_at)
    assert environment.id not in [e.id async for e in listed]


async def test_list_includes_archived_environments_when_asked(
    client: qa.AsyncQoder, environment: qa.Environment
) -> None:
    await client.environments.archive(environment.id)
    listed = client.environments.list(include_archived=True, created_at_gte=environment.created_at)
    assert environment.id in [e.id async for e in listed]


async def test_list_limit_over_100_is_invalid(client: qa.AsyncQoder) -> None:
    with pytest.raises(qa.InvalidRequestError):
        await client.environments.list(limit=101)


async def test_retrieve_returns_the_environment(
    client: qa.AsyncQoder, environment: qa.Environment
) -> None:
    assert await client.environments.retrieve(environment.id) == environment


async def test_retrieve_an_unknown_environment_is_not_found(client: qa.AsyncQoder) -> None:
    with pytest.raises(qa.NotFoundError):
        await client.environments.retrieve(UNKNOWN)


async def test_update_changes_the_given_fields(
    client: qa.AsyncQoder, environment: qa.Environment
) -> None:
    updated = await client.environments.update(environment.id, name="renamed", config=CLOUD)
    assert (updated.name, updated.config) == ("renamed", CLOUD)


async def test_update_metadata_is_a_patch(client: qa.AsyncQoder) -> None:
    env = await client.environments.create(name="m", metadata={"a": "1", "b": "2"})
    updated = await client.environments.update(env.id, metadata={"a": None, "c": "3"})
    assert updated.metadata == {"b": "2", "c": "3"}


async def test_update_of_an_unknown_environment_is_not_found(client: qa.AsyncQoder) -> None:
    with pytest.raises(qa.NotFoundError):
        await client.environments.update(UNKNOWN, name="x")


async def test_archive_sets_archived_at(client: qa.AsyncQoder, environment: qa.Environment) -> None:
    assert (await client.environments.archive(environment.id)).archived_at is not None


async def test_archive_of_an_unknown_environment_is_not_found(client: qa.AsyncQoder) -> None:
    with pytest.raises(qa.NotFoundError):
        await client.environments.archive(UNKNOWN)


async def test_delete_answers_the_deleted_id(
    client: qa.AsyncQoder, environment: qa.Environment
) -> None:
    deleted = await client.environments.delete(environment.id)
    assert deleted.id == environment.id


async def test_a_deleted_environment_is_gone(
    client: qa.AsyncQoder, environment: qa.Environment
) -> None:
    await client.environments.delete(environment.id)
    with pytest.raises(qa.NotFoundError):
        await client.environments.retrieve(environment.id)


async def test_delete_of_an_unknown_environment_is_not_found(client: qa.AsyncQoder) -> None:
    with pytest.raises(qa.NotFoundError):
        await client.environments.delete(UNKNOWN)
