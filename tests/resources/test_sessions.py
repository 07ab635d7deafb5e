"""``client.sessions``: create, list (filters), retrieve, update, archive, delete, cancel."""

from __future__ import annotations

import uuid

import anyio
import pytest

import qoder_async as qa
from qoder_async.testing import Emulator

pytestmark = pytest.mark.anyio

UNKNOWN = "sess_00000000000000000000000000000000"


async def test_create_returns_an_idle_async_session(
    client: qa.AsyncQoder, agent: qa.Agent, environment: qa.Environment
) -> None:
    session = await client.sessions.create(agent=agent.id, environment_id=environment.id)
    assert isinstance(session, qa.AsyncSession)
    assert session.info is not None
    assert (session.id, session.info.status, session.info.agent_id) == (
        session.info.id,
        "idle",
        agent.id,
    )


async def test_create_pins_an_agent_version(
    client: qa.AsyncQoder, agent: qa.Agent, environment: qa.Environment
) -> None:
    await client.agents.update(agent.id, version=1, name="second")
    session = await client.sessions.create(
        agent={"type": "agent", "id": agent.id, "version": 1}, environment_id=environment.id
    )
    assert session.info is not None
    assert session.info.agent is not None
    assert (session.info.agent["name"], session.info.agent["version"]) == ("helper", 1)


async def test_create_with_an_unknown_agent_is_not_found(
    client: qa.AsyncQoder, environment: qa.Environment
) -> None:
    with pytest.raises(qa.NotFoundError):
        await client.sessions.create(
            agent="agent_00000000000000000000000000000000", environment_id=environment.id
        )


async def test_create_with_an_unknown_environment_is_not_found(
    client: qa.AsyncQoder, agent: qa.Agent
) -> None:
    with pytest.raises(qa.NotFoundError):
        await client.sessions.create(
            agent=agent.id, environment_id="env_00000000000000000000000000000000"
        )


async def test_create_with_an_invalid_budget_is_invalid(
    client: qa.AsyncQoder, agent: qa.Agent, environment: qa.Environment
) -> None:
    with pytest.raises(qa.InvalidRequestError):
        await client.sessions.create(
            agent=agent.id,
            environment_id=environment.id,
            budget={"type": "limit", "max_credit_cost": "-1"},
        )


async def test_create_with_initial_events_starts_a_turn(
    client: qa.AsyncQoder, agent: qa.Agent, environment: qa.Environment, emulator: Emulator
) -> None:
    session = await client.sessions.create(
        agent=agent.id,
        environment_id=environment.id,
        initial_events=[qa.UserMessageParam("hello")],
    )
    await anyio.to_thread.run_sync(emulator.wait_idle, session.id)
    assert emulator.log(session.id)[0]["type"] == "user.message"


async def test_list_walks_more_than_two_pages(
    client: qa.AsyncQoder, agent: qa.Agent, environment: qa.Environment
) -> None:
    made = [
        await client.sessions.create(agent=agent.id, environment_id=environment.id)
        for _ in range(5)
    ]
    pages = [page async for page in client.sessions.list(agent_id=agent.id, limit=2).pages()]
    assert ([s.id for page in pages for s in page], len(pages)) == ([s.id for s in made], 3)


async def test_list_in_descending_order(
    client: qa.AsyncQoder, agent: qa.Agent, environment: qa.Environment
) -> None:
    made = [
        await client.sessions.create(agent=agent.id, environment_id=environment.id)
        for _ in range(3)
    ]
    listed = [s.id async for s in client.sessions.list(agent_id=agent.id, order="desc", limit=2)]
    assert listed == [s.id for s in reversed(made)]


async def test_list_filters_by_agent_version(
    client: qa.AsyncQoder, agent: qa.Agent, environment: qa.Environment
) -> None:
    old = await client.sessions.create(agent=agent.id, environment_id=environment.id)
    await client.agents.update(agent.id, version=1, name="v2")
    await client.sessions.create(agent=agent.id, environment_id=environment.id)
    listed = [s.id async for s in client.sessions.list(agent_id=agent.id, agent_version=1)]
    assert listed == [old.id]


async def test_list_filters_by_memory_store(client: qa.AsyncQoder, emulator: Emulator) -> None:
    store_id = f"memstore_{uuid.uuid4().hex}"
    made = emulator.new_session(memory_store_ids=[store_id])
    emulator.new_session()
    assert [s.id async for s in client.sessions.list(memory_store_id=store_id)] == [made["id"]]


async def test_list_filters_by_deployment(client: qa.AsyncQoder, session: qa.AsyncSession) -> None:
    assert session.info is not None
    listed = client.sessions.list(agent_id=session.info.agent_id, deployment_id="dep_none")
    assert [s.id async for s in listed] == []


async def test_list_filters_by_status(
    busy_client: qa.AsyncQoder, running_session: qa.AsyncSession
) -> None:
    assert running_session.info is not None
    agent_id = running_session.info.agent_id
    running = busy_client.sessions.list(agent_id=agent_id, statuses=["running"])
    idle = busy_client.sessions.list(agent_id=agent_id, statuses=["idle"])
    assert ([s.id async for s in running], [s.id async for s in idle]) == ([running_session.id], [])


async def test_list_filters_by_creation_time(
    client: qa.AsyncQoder, agent: qa.Agent, environment: qa.Environment
) -> None:
    first = await client.sessions.create(agent=agent.id, environment_id=environment.id)
    second = await client.sessions.create(agent=agent.id, environment_id=environment.id)
    assert first.info is not None
    after = client.sessions.list(agent_id=agent.id, created_at_gt=first.info.created_at)
    before = client.sessions.list(agent_id=agent.id, created_at_lt=first.info.created_at)
    assert ([s.id async for s in after], [s.id async for s in before]) == ([second.id], [])


async def test_list_leaves_out_archived_sessions(
    client: qa.AsyncQoder, session: qa.AsyncSession
) -> None:
    await client.sessions.archive(session.id)
    assert session.info is not None
    listed = client.sessions.list(agent_id=session.info.agent_id)
    assert session.id not in [s.id async for s in listed]


async def test_list_includes_archived_sessions_when_asked(
    client: qa.AsyncQoder, session: qa.AsyncSession
) -> None:
    await client.sessions.archive(session.id)
    assert session.info is not None
    listed = client.sessions.list(agent_id=session.info.agent_id, include_archived=True)
    assert session.id in [s.id async for s in listed]


async def test_list_limit_over_100_is_invalid(client: qa.AsyncQoder) -> None:
    with pytest.raises(qa.InvalidRequestError):
        await client.sessions.list(limit=101)


async def test_retrieve_returns_the_session(
    client: qa.AsyncQoder, session: qa.AsyncSession
) -> None:
    info = await client.sessions.retrieve(session.id)
    assert (info.id, info.status, info.usage is not None) == (session.id, "idle", True)


async def test_retrieve_an_unknown_session_is_not_found(client: qa.AsyncQoder) -> None:
    with pytest.raises(qa.NotFoundError):
        await client.sessions.retrieve(UNKNOWN)


async def test_update_changes_the_title(client: qa.AsyncQoder, session: qa.AsyncSession) -> None:
    assert (await client.sessions.update(session.id, title="Renamed")).title == "Renamed"


async def test_update_metadata_is_a_patch(
    client: qa.AsyncQoder, agent: qa.Agent, environment: qa.Environment
) -> None:
    session = await client.sessions.create(
        agent=agent.id, environment_id=environment.id, metadata={"a": "1", "b": "2"}
    )
    updated = await client.sessions.update(session.id, metadata={"a": None, "c": "3"})
    assert updated.metadata == {"b": "2", "c": "3"}


async def test_update_overrides_the_agent_mid_session(
    client: qa.AsyncQoder, session: qa.AsyncSession
) -> None:
    updated = await client.sessions.update(session.id, agent={"system": "Answer in French."})
    assert updated.agent is not None
    assert updated.agent["system"] == "Answer in French."


async def test_update_with_none_clears_the_budget(
    client: qa.AsyncQoder, agent: qa.Agent, environment: qa.Environment
) -> None:
    session = await client.sessions.create(
        agent=agent.id,
        environment_id=environment.id,
        budget={"type": "limit", "max_credit_cost": "12.50"},
    )
    assert (await client.sessions.update(session.id, budget=None)).budget is None


async def test_update_of_an_archived_session_conflicts(
    client: qa.AsyncQoder, session: qa.AsyncSession
) -> None:
    await client.sessions.archive(session.id)
    with pytest.raises(qa.ConflictError):
        await client.sessions.update(session.id, title="too late")


async def test_update_of_an_unknown_session_is_not_found(client: qa.AsyncQoder) -> None:
    with pytest.raises(qa.NotFoundError):
        await client.sessions.update(UNKNOWN, title="x")


async def test_archive_sets_archived_at(client: qa.AsyncQoder, session: qa.AsyncSession) -> None:
    assert (await client.sessions.archive(session.id)).archived_at is not None


async def test_archive_of_an_unknown_session_is_not_found(client: qa.AsyncQoder) -> None:
    with pytest.raises(qa.NotFoundError):
        await client.sessions.archive(UNKNOWN)


async def test_delete_answers_session_deleted(
    client: qa.AsyncQoder, session: qa.AsyncSession
) -> None:
    deleted = await client.sessions.delete(session.id)
    assert (deleted.id, deleted.type) == (session.id, "session_deleted")


async def test_a_deleted_session_is_gone(client: qa.AsyncQoder, session: qa.AsyncSession) -> None:
    await client.sessions.delete(session.id)
    with pytest.raises(qa.NotFoundError):
        await client.sessions.retrieve(session.id)


async def test_delete_of_an_unknown_session_is_not_found(client: qa.AsyncQoder) -> None:
    with pytest.raises(qa.NotFoundError):
        await client.sessions.delete(UNKNOWN)


async def test_cancel_of_an_idle_session_is_a_no_op(
    client: qa.AsyncQoder, session: qa.AsyncSession
) -> None:
    await client.sessions.cancel(session.id)
    assert (await client.sessions.retrieve(session.id)).status == "idle"


async def test_cancel_answers_canceling(
    busy_client: qa.AsyncQoder, running_session: qa.AsyncSession
) -> None:
    assert (await busy_client.sessions.cancel(running_session.id)).status == "canceling"


async def test_cancel_ends_the_running_turn(
    busy_client: qa.AsyncQoder, running_session: qa.AsyncSession, busy_emulator: Emulator
) -> None:
    await busy_client.sessions.cancel(running_session.id)
    await anyio.to_thread.run_sync(busy_emulator.wait_idle, running_session.id)
    assert (await busy_client.sessions.retrieve(running_session.id)).status == "idle"


async def test_cancel_of_an_unknown_session_is_not_found(client: qa.AsyncQoder) -> None:
    with pytest.raises(qa.NotFoundError):
        await client.sessions.cancel(UNKNOWN)
