"""Leases on a real redis-server: one holder at a time, renewed, fenced, released."""

from __future__ import annotations

from typing import Any

import anyio
import pytest
from redis.asyncio import Redis

import qoder_async as qa
from qoder_async.testing import Emulator

from .conftest import fail_on_second

pytestmark = pytest.mark.anyio


@pytest.fixture
def anyio_backend() -> str:
    """redis.asyncio runs on asyncio only."""
    return "asyncio"


def fleet(redis: Redis, prefix: str, name: str, ttl: float = 1.0, **options: int) -> qa.Fleet:
    return qa.Fleet(redis, prefix=prefix, worker_id=name, lease_ttl=ttl, **options)


async def test_a_second_worker_waits_while_the_lease_is_held(redis: Redis, prefix: str) -> None:
    async with fleet(redis, prefix, "a").lease("s1"):
        with anyio.move_on_after(0.3) as waited:
            async with fleet(redis, prefix, "b").lease("s1"):
                pass
    assert waited.cancelled_caught


async def test_every_grant_has_a_larger_token(redis: Redis, prefix: str) -> None:
    tokens = []
    for name in ("a", "b", "a"):
        async with fleet(redis, prefix, name).lease("s1") as lease:
            tokens.append(lease.token)
    assert tokens == sorted(set(tokens))


async def test_a_released_lease_is_free_at_once(redis: Redis, prefix: str) -> None:
    async with fleet(redis, prefix, "a", ttl=30).lease("s1"):
        pass
    with anyio.fail_after(1):
        async with fleet(redis, prefix, "b", ttl=30).lease("s1") as lease:
            assert lease.session_id == "s1"


async def test_renewal_keeps_the_lease_past_its_ttl(redis: Redis, prefix: str) -> None:
    async with fleet(redis, prefix, "a", ttl=0.3).lease("s1") as lease:
        await anyio.sleep(1.0)
        await lease.commit("s1", "e1")
    assert await redis.get(f"{prefix}:cursor:s1") == b"e1"


async def test_a_holder_whose_lease_passed_on_cannot_commit(redis: Redis, prefix: str) -> None:
    async def commit_after_losing_the_lease() -> None:
        async with fleet(redis, prefix, "a", ttl=30).lease("s1") as stale:
            await redis.delete(f"{prefix}:lease:s1")  # as if it had expired during a stall
            async with fleet(redis, prefix, "b", ttl=30).lease("s1") as holder:
                await holder.commit("s1", "e2")
                await stale.commit("s1", "e1")

    with pytest.raises(qa.LeaseLost):
        await commit_after_losing_the_lease()
    assert await redis.get(f"{prefix}:cursor:s1") == b"e2"


async def test_losing_the_lease_cancels_the_block(redis: Redis, prefix: str) -> None:
    reached_end = False

    async def hold_while_stolen() -> None:
        nonlocal reached_end
        async with fleet(redis, prefix, "a", ttl=0.3).lease("s1"):
            await redis.set(f"{prefix}:lease:s1", "999 thief")
            await anyio.sleep(3)
            reached_end = True

    with anyio.fail_after(5), pytest.raises(qa.LeaseLost):
        await hold_while_stolen()
    assert not reached_end


async def test_staged_commands_apply_with_the_commit(redis: Redis, prefix: str) -> None:
    async with fleet(redis, prefix, "a").lease("s1") as lease:
        lease.stage("RPUSH", f"{prefix}:out", "reply")
        before = await redis.lrange(f"{prefix}:out", 0, -1)
        await lease.commit("s1", "e1")
        assert (before, await redis.lrange(f"{prefix}:out", 0, -1)) == ([], [b"reply"])


async def test_leaving_the_block_flushes_held_back_commits(redis: Redis, prefix: str) -> None:
    async with fleet(redis, prefix, "a", commit_every=10).lease("s1") as lease:
        await lease.commit("s1", "e1")
        held = await redis.get(f"{prefix}:cursor:s1")
    assert (held, await redis.get(f"{prefix}:cursor:s1")) == (None, b"e1")


async def test_staged_commands_of_an_unhandled_event_are_dropped(
    bound: qa.AsyncSession, emulator: Emulator, redis: Redis, prefix: str
) -> None:
    stored: list[dict[str, Any]] = []
    async with fleet(redis, prefix, "a").lease(bound.id) as lease:
        with pytest.raises(RuntimeError, match="handler failed"):
            await fail_on_second(bound, emulator, lease, stored, out=f"{prefix}:out")
    out = await redis.lrange(f"{prefix}:out", 0, -1)
    cursor = await redis.get(f"{prefix}:cursor:{bound.id}")
    assert (out, cursor) == ([stored[0]["id"].encode()], stored[0]["id"].encode())


async def test_redis_cursors_keep_the_last_commit(redis: Redis, prefix: str) -> None:
    store = qa.RedisCursors(redis, prefix=prefix)
    await store.commit("s1", "e1")
    await store.commit("s1", "e2")
    assert await qa.RedisCursors(redis, prefix=prefix).load("s1") == "e2"


async def test_a_repeated_commit_of_one_event_is_applied_once(redis: Redis, prefix: str) -> None:
    async with fleet(redis, prefix, "a").lease("s1") as lease:
        for _ in range(2):
            lease.stage("RPUSH", f"{prefix}:out", "reply")
            await lease.commit("s1", "e1")
    assert await redis.lrange(f"{prefix}:out", 0, -1) == [b"reply"]
