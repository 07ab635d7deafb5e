"""Tool calls under a fleet Lease: at most once per call id across a worker's death."""

from __future__ import annotations

import anyio
import pytest
from redis.asyncio import Redis

import qoder_async as qa
from qoder_async.testing import Emulator
from qoder_async.testing._faults import RequestFault

pytestmark = pytest.mark.anyio


@pytest.fixture
def anyio_backend() -> str:
    """redis.asyncio runs on asyncio only."""
    return "asyncio"


def fleet(redis: Redis, prefix: str, name: str) -> qa.Fleet:
    return qa.Fleet(redis, prefix=prefix, worker_id=name, lease_ttl=1.0)


async def _pending_charge(client: qa.AsyncQoder, tool: qa.Tool[str]) -> qa.AsyncSession:
    agent = await client.agents.create(name="fleet-tools", model="ultimate", tools=[tool])
    env = await client.environments.create(name="fleet-tools-env")
    session = await client.sessions.create(agent=agent.id, environment_id=env.id)
    result = await session.ask("charge it")  # nobody answers: the call waits for a worker
    assert len(result.pending) == 1
    return session


async def test_a_call_cut_off_by_a_workers_death_is_not_run_again_by_its_successor(
    client: qa.AsyncQoder, redis: Redis, prefix: str
) -> None:
    ran: list[str] = []

    @qa.tool
    async def charge() -> str:
        """Charge the card."""
        ran.append("charge")
        await anyio.sleep(60)  # the worker dies here
        return "charged"

    session = await _pending_charge(client, charge)
    with anyio.move_on_after(1.0):
        async with fleet(redis, prefix, "w1").lease(session.id) as lease:
            await session.answer(tools=[charge], cursors=lease)
    assert ran == ["charge"]
    async with fleet(redis, prefix, "w2").lease(session.id) as lease:
        assert await session.answer(tools=[charge], cursors=lease) == []
    assert ran == ["charge"]
    (answer,) = [e async for e in session.history(types=["user.custom_tool_result"])]
    assert isinstance(answer, qa.UserCustomToolResult)
    assert answer.is_error


async def test_a_successor_posts_the_answer_its_predecessor_recorded(
    client: qa.AsyncQoder, emulator: Emulator, redis: Redis, prefix: str
) -> None:
    ran: list[str] = []

    @qa.tool
    def charge() -> str:
        """Charge the card."""
        ran.append("charge")
        return "charged once"

    session = await _pending_charge(client, charge)
    path = f"/sessions/{session.id}/events"
    attempts = 3  # the client's first try and its two retries
    emulator.request_faults(
        [RequestFault(status=503, method="POST", path_prefix=path, times=attempts)]
    )
    with pytest.raises(qa.InternalServerError):
        async with fleet(redis, prefix, "w1").lease(session.id) as lease:
            await session.answer(tools=[charge], cursors=lease)
    async with fleet(redis, prefix, "w2").lease(session.id) as lease:
        await session.answer(tools=[charge], cursors=lease)
    assert ran == ["charge"]
    (answer,) = [e async for e in session.history(types=["user.custom_tool_result"])]
    assert isinstance(answer, qa.UserCustomToolResult)
    assert answer.content == (qa.TextBlock("charged once"),)


async def test_a_worker_that_lost_its_lease_cannot_record_an_answer(
    redis: Redis, prefix: str
) -> None:
    async def save_after_losing_the_lease() -> None:
        async with fleet(redis, prefix, "w1").lease("sess_1") as lease:
            await redis.delete(f"{prefix}:lease:sess_1")  # expired, as for a stalled worker
            await lease.save_answer("sess_1", "evt_1", '{"started": true}')

    with pytest.raises(qa.LeaseLost):  # from the save, then again as the block ends
        await save_after_losing_the_lease()
    assert await redis.hget(f"{prefix}:answers:sess_1", "evt_1") is None
