"""client.deployments, client.deployments.runs and client.deployment_runs against the
emulator (and a raw server for the call that must not be retried)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import anyio
import pytest

import qoder_async as qa
from qoder_async.testing import Emulator
from tests.hostile._server import Connection, http_response, raw_server

pytestmark = pytest.mark.anyio

HELLO = {"type": "user.message", "content": [{"type": "text", "text": "Daily report"}]}
CRON = {"type": "cron", "expression": "0 9 * * 1-5", "timezone": "Europe/Berlin"}

Make = Callable[..., Any]


@pytest.fixture
def make(client: qa.AsyncQoder, agent: qa.Agent, environment: qa.Environment) -> Make:
    """Create a deployment of the fixture agent, with ``overrides``."""

    async def create(**overrides: Any) -> qa.Deployment:
        fields: dict[str, Any] = {
            "name": "nightly",
            "agent": agent.id,
            "environment_id": environment.id,
            "initial_events": [HELLO],
            **overrides,
        }
        return await client.deployments.create(**fields)

    return create


def posts(emulator: Emulator, suffix: str) -> int:
    return sum(1 for r in emulator.requests if r.method == "POST" and r.path.endswith(suffix))


async def test_create_returns_an_active_deployment(make: Make, agent: qa.Agent) -> None:
    deployment = await make(schedule=CRON, metadata={"team": "ops"})
    assert deployment.id.startswith("dep_")
    assert (deployment.status, deployment.archived_at) == ("active", None)
    assert deployment.agent_id == agent.id
    assert deployment.schedule is not None
    assert deployment.schedule["expression"] == "0 9 * * 1-5"
    assert deployment.initial_events[0]["type"] == "user.message"
    assert deployment.metadata == {"team": "ops"}


async def test_event_params_are_accepted_as_initial_events(make: Make) -> None:
    deployment = await make(initial_events=[qa.UserMessageParam("hi"), qa.SystemMessageParam("x")])
    assert [e["type"] for e in deployment.initial_events] == ["user.message", "system.message"]


async def test_a_pinned_agent_version_is_kept(make: Make, agent: qa.Agent) -> None:
    deployment = await make(agent={"type": "agent", "id": agent.id, "version": 1})
    assert deployment.agent == {"type": "agent", "id": agent.id, "version": 1}


@pytest.mark.parametrize(
    "overrides",
    [
        {"name": ""},
        {"name": "x" * 257},
        {"initial_events": []},
        {"initial_events": [HELLO] * 51},
        {"vault_ids": [f"vault_{i}" for i in range(51)]},
        {"schedule": {"type": "cron", "expression": "0 9 * * *"}},
        {"schedule": {"type": "cron", "expression": "0 9 * *", "timezone": "UTC"}},
    ],
)
async def test_create_checks_the_documented_rules_before_sending(
    make: Make, emulator: Emulator, overrides: dict[str, Any]
) -> None:
    before = posts(emulator, "/deployments")
    with pytest.raises(qa.InvalidInputError):
        await make(**overrides)
    assert posts(emulator, "/deployments") == before


async def test_an_unknown_timezone_is_a_400(make: Make) -> None:
    with pytest.raises(qa.InvalidRequestError, match="timezone"):
        await make(schedule={**CRON, "timezone": "Mars/Olympus"})


async def test_an_unknown_agent_is_not_found(make: Make) -> None:
    with pytest.raises(qa.NotFoundError, match="agent_nope"):
        await make(agent="agent_nope")


async def test_pause_then_unpause(client: qa.AsyncQoder, make: Make) -> None:
    deployment = await make()
    paused = await client.deployments.pause(deployment.id)
    assert (paused.status, paused.paused_reason) == ("paused", {"type": "manual"})
    resumed = await client.deployments.unpause(deployment.id)
    assert (resumed.status, resumed.paused_reason) == ("active", None)


async def test_pausing_twice_is_a_conflict(client: qa.AsyncQoder, make: Make) -> None:
    deployment = await make()
    await client.deployments.pause(deployment.id)
    with pytest.raises(qa.ConflictError, match="already paused"):
        await client.deployments.pause(deployment.id)


async def test_unpausing_an_active_deployment_is_a_conflict(
    client: qa.AsyncQoder, make: Make
) -> None:
    with pytest.raises(qa.ConflictError, match="not paused"):
        await client.deployments.unpause((await make()).id)


async def test_a_paused_deployment_does_not_run(client: qa.AsyncQoder, make: Make) -> None:
    deployment = await make()
    await client.deployments.pause(deployment.id)
    with pytest.raises(qa.ConflictError, match="paused"):
        await client.deployments.run(deployment.id)


async def test_archive_renames_and_stops_the_deployment(client: qa.AsyncQoder, make: Make) -> None:
    deployment = await make(schedule=CRON)
    archived = await client.deployments.archive(deployment.id)
    assert archived.archived_at is not None
    assert archived.name.startswith("nightly_archived_")
    assert archived.schedule is not None
    assert archived.schedule["upcoming_runs_at"] == []
    with pytest.raises(qa.ConflictError, match="archived"):
        await client.deployments.run(deployment.id)


async def test_archived_deployments_are_listed_only_when_asked(
    client: qa.AsyncQoder, make: Make, agent: qa.Agent
) -> None:
    deployment = await make()
    await client.deployments.archive(deployment.id)
    listed = [d.id async for d in client.deployments.list(agent_id=agent.id)]
    assert deployment.id not in listed
    everything = client.deployments.list(agent_id=agent.id, include_archived=True)
    assert deployment.id in [d.id async for d in everything]


async def test_update_is_a_merge_patch(client: qa.AsyncQoder, make: Make) -> None:
    deployment = await make(schedule=CRON, metadata={"a": "1", "b": "2"}, description="old")
    updated = await client.deployments.update(
        deployment.id, schedule=None, metadata={"a": None, "c": "3"}
    )
    assert updated.schedule is None
    assert updated.metadata == {"b": "2", "c": "3"}
    assert (updated.name, updated.description) == ("nightly", "old")


async def test_update_checks_the_name_before_sending(client: qa.AsyncQoder, make: Make) -> None:
    deployment = await make()
    with pytest.raises(qa.InvalidInputError):
        await client.deployments.update(deployment.id, name="x" * 257)


async def test_the_reserved_cas_config_metadata_may_be_an_object(make: Make) -> None:
    config = {"session_strategy": "new_session", "config": {"max_concurrent": 1}}
    deployment = await make(metadata={"cas_config": config})
    assert deployment.metadata["cas_config"] == config


async def test_environment_variables_come_back_as_sent(make: Make) -> None:
    deployment = await make(environment_variables="REGION=eu;TIER=gold")
    assert deployment.environment_variables == "REGION=eu;TIER=gold"


async def test_reserved_environment_variable_names_are_a_400(make: Make) -> None:
    with pytest.raises(qa.InvalidRequestError, match="reserved"):
        await make(environment_variables="QODER_TOKEN=x")


async def test_a_run_hands_the_environment_variables_to_its_session(
    client: qa.AsyncQoder, make: Make, emulator: Emulator
) -> None:
    run = await client.deployments.run((await make(environment_variables="REGION=eu")).id)
    assert run.session_id is not None
    record = emulator.session(run.session_id)
    assert record["environment_variables"] == {"REGION": "eu"}


async def test_a_run_opens_a_session_that_runs_a_turn(client: qa.AsyncQoder, make: Make) -> None:
    deployment = await make()
    run = await client.deployments.run(deployment.id)
    assert run.id.startswith("drun_")
    assert (run.deployment_id, run.trigger_context) == (deployment.id, {"type": "manual"})
    assert run.session_id is not None
    session = client.session(run.session_id)
    with anyio.fail_after(10):
        while (await session.refresh()).status != "idle":  # noqa: ASYNC110  (polled over HTTP)
            await anyio.sleep(0.05)
    texts = [e.text async for e in session.history() if isinstance(e, qa.AgentMessage)]
    assert any("Daily report" in text for text in texts)
    info = await client.sessions.retrieve(run.session_id)
    assert info.deployment_id == deployment.id


async def test_a_run_is_completed_once_its_session_is_idle(
    client: qa.AsyncQoder, make: Make
) -> None:
    run = await client.deployments.run((await make()).id)
    with anyio.fail_after(10):
        while (await client.deployment_runs.retrieve(run.id)).status != "completed":  # noqa: ASYNC110  (runs are polled)
            await anyio.sleep(0.05)
    done = await client.deployment_runs.retrieve(run.id)
    assert done.completed_at is not None
    assert done.error is None


async def test_runs_are_listed_per_deployment_past_two_pages(
    client: qa.AsyncQoder, make: Make
) -> None:
    deployment = await make()
    runs = [(await client.deployments.run(deployment.id)).id for _ in range(5)]
    pages = [p async for p in client.deployments.runs.list(deployment.id, limit=2).pages()]
    assert [len(page) for page in pages] == [2, 2, 1]
    assert sorted(run.id for page in pages for run in page) == sorted(runs)
    one = await client.deployments.runs.retrieve(deployment.id, runs[0])
    assert one.id == runs[0]


async def test_runs_are_listed_globally_by_deployment(client: qa.AsyncQoder, make: Make) -> None:
    first, second = await make(), await make(name="other")
    mine = [(await client.deployments.run(first.id)).id for _ in range(3)]
    await client.deployments.run(second.id)
    listed = client.deployment_runs.list(deployment_id=first.id, limit=1)
    assert sorted([run.id async for run in listed]) == sorted(mine)


async def test_a_run_of_another_deployment_is_not_found_under_this_one(
    client: qa.AsyncQoder, make: Make
) -> None:
    first, second = await make(), await make(name="other")
    run = await client.deployments.run(first.id)
    with pytest.raises(qa.NotFoundError):
        await client.deployments.runs.retrieve(second.id, run.id)


async def test_deployments_list_past_two_pages(
    client: qa.AsyncQoder, make: Make, agent: qa.Agent
) -> None:
    made = [(await make(name=f"d{i}")).id for i in range(5)]
    pages = [p async for p in client.deployments.list(agent_id=agent.id, limit=2).pages()]
    assert [d.id for page in pages for d in page] == made[::-1]
    assert len(pages) == 3


async def test_deployment_lists_take_a_limit_of_up_to_1000(
    client: qa.AsyncQoder, make: Make, agent: qa.Agent
) -> None:
    await make()
    assert len(await client.deployments.list(agent_id=agent.id, limit=1000)) == 1
    assert len(await client.deployment_runs.list(limit=1000)) >= 0
    with pytest.raises(qa.InvalidInputError, match="1000"):
        await client.deployments.list(limit=1001)


async def test_lists_refuse_two_cursors_before_sending(client: qa.AsyncQoder) -> None:
    with pytest.raises(qa.InvalidInputError, match="one of page"):
        await client.deployment_runs.list(page="page_x", before_id="drun_1")


async def test_run_is_sent_once_whatever_max_retries_says() -> None:
    def unavailable(conn: Connection) -> None:
        conn.send(http_response(503, b'{"type":"error","error":{"type":"api_error"}}'))

    with raw_server(unavailable) as server:
        async with qa.AsyncQoder(
            "token", server.base_url, max_retries=3, retry_policy=qa.RetryPolicy.instant()
        ) as client:
            with pytest.raises(qa.APIStatusError):
                await client.deployments.run("dep_1")
            with pytest.raises(qa.APIStatusError):
                await client.deployments.pause("dep_1")
        assert [r.path.rsplit("/", 1)[-1] for r in server.requests] == [
            "run",
            "pause",
            "pause",
            "pause",
            "pause",
        ]
