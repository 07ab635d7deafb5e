"""Fleet: sessions spread over the live workers, moved when one joins or leaves."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

import anyio
import anyio.abc
import pytest
from redis.asyncio import Redis

import qoder_async as qa

pytestmark = pytest.mark.anyio

SESSIONS = [f"sess_{i}" for i in range(12)]
TTL = 0.6


@pytest.fixture
def anyio_backend() -> str:
    """redis.asyncio runs on asyncio only."""
    return "asyncio"


def test_only_the_sessions_of_a_member_that_left_move() -> None:
    before = {s: qa.Fleet.owner(s, ["a", "b", "c"]) for s in SESSIONS * 5}
    after = {s: qa.Fleet.owner(s, ["a", "c"]) for s in before}
    moved = {s for s in before if before[s] != after[s]}
    assert moved == {s for s in before if before[s] == "b"}


def test_every_member_gets_a_share() -> None:
    sessions = [f"sess_{i}" for i in range(60)]
    owners = {qa.Fleet.owner(s, ["a", "b", "c"]) for s in sessions}
    assert owners == {"a", "b", "c"}


class Holders:
    """Which worker serves which session right now, as the handlers report it."""

    def __init__(self) -> None:
        self.now: dict[str, str] = {}
        self._changed = anyio.Event()

    def _set(self, session_id: str, name: str | None) -> None:
        if name is None:
            del self.now[session_id]
        else:
            self.now[session_id] = name
        self._changed.set()
        self._changed = anyio.Event()

    def handler(self, name: str) -> Callable[[str, qa.Lease], Awaitable[None]]:
        async def handle(session_id: str, lease: qa.Lease) -> None:
            assert session_id not in self.now, f"{session_id} served twice at once"
            self._set(session_id, name)
            try:
                await anyio.sleep_forever()
            finally:
                self._set(session_id, None)

        return handle

    async def wait_for(self, expected: dict[str, str]) -> None:
        with anyio.fail_after(10 * TTL):
            while self.now != expected:
                await self._changed.wait()


async def run_worker(
    tasks: anyio.abc.TaskGroup, redis: Redis, prefix: str, name: str, holders: Holders
) -> anyio.CancelScope:
    scope = anyio.CancelScope()

    async def run() -> None:
        with scope:
            fleet = qa.Fleet(redis, prefix=prefix, worker_id=name, lease_ttl=TTL)
            await fleet.run(SESSIONS, holders.handler(name))

    tasks.start_soon(run)
    return scope


async def test_sessions_move_to_a_worker_that_joins(redis: Redis, prefix: str) -> None:
    holders = Holders()
    async with anyio.create_task_group() as tasks:
        await run_worker(tasks, redis, prefix, "a", holders)
        await holders.wait_for(dict.fromkeys(SESSIONS, "a"))
        await run_worker(tasks, redis, prefix, "b", holders)
        await holders.wait_for({s: qa.Fleet.owner(s, ["a", "b"]) for s in SESSIONS})
        tasks.cancel_scope.cancel()


async def test_sessions_of_a_worker_that_leaves_are_taken_over(redis: Redis, prefix: str) -> None:
    holders = Holders()
    async with anyio.create_task_group() as tasks:
        a = await run_worker(tasks, redis, prefix, "a", holders)
        await run_worker(tasks, redis, prefix, "b", holders)
        await holders.wait_for({s: qa.Fleet.owner(s, ["a", "b"]) for s in SESSIONS})
        a.cancel()
        await holders.wait_for(dict.fromkeys(SESSIONS, "b"))
        tasks.cancel_scope.cancel()


async def test_a_handler_that_returns_finishes_its_session(redis: Redis, prefix: str) -> None:
    served: list[str] = []

    async def handle(session_id: str, lease: qa.Lease) -> None:
        served.append(session_id)

    fleet = qa.Fleet(redis, prefix=prefix, worker_id="a", lease_ttl=TTL)
    with anyio.fail_after(5):
        await fleet.run(SESSIONS, handle)
    assert sorted(served) == sorted(SESSIONS)
    assert await fleet.members() == []


async def test_sessions_from_a_source_are_served_as_they_appear(redis: Redis, prefix: str) -> None:
    holders = Holders()
    key = f"{prefix}:sessions"

    async def current() -> set[bytes]:
        return await redis.smembers(key)

    fleet = qa.Fleet(redis, prefix=prefix, worker_id="a", lease_ttl=TTL)
    async with anyio.create_task_group() as tasks:
        tasks.start_soon(fleet.run, current, holders.handler("a"))
        await redis.sadd(key, *SESSIONS[:2])
        await holders.wait_for(dict.fromkeys(SESSIONS[:2], "a"))
        await redis.sadd(key, SESSIONS[2])
        await redis.srem(key, SESSIONS[0])
        await holders.wait_for(dict.fromkeys(SESSIONS[1:3], "a"))
        tasks.cancel_scope.cancel()
