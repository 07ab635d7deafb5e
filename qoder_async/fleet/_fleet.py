"""Fleet: spread sessions over live workers that share one Redis, and keep them served.

Each worker heartbeats into a sorted set (``<prefix>:members``, scored by when its heartbeat
expires, on Redis's clock). Every worker computes the same owner for each session from the
live members by rendezvous hashing, so no coordinator is needed and a join or a death moves
only the sessions of that worker. A worker serves the sessions it owns under a
:class:`Lease` each: a session changes hands only when the old holder released its lease or
let it expire, so two workers never commit the same session.
"""

from __future__ import annotations

import hashlib
import logging
import os
import socket
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable, Sequence
from contextlib import asynccontextmanager
from typing import TYPE_CHECKING, Any

import anyio

from ._lease import Lease, LeaseLost, hold_lease
from ._redis_cursors import RedisKeys, text

if TYPE_CHECKING:
    from redis.asyncio import Redis

__all__ = ["Fleet", "Handler", "SessionSource"]

logger = logging.getLogger("qoder_async")

Handler = Callable[[str, Lease], Awaitable[None]]
"""``await handler(session_id, lease)``: serve one session while holding its lease."""

SessionSource = Callable[[], Awaitable[Iterable[str | bytes]]]
"""``await source()``: the ids of the sessions to serve now (bytes are decoded)."""

_HEARTBEAT = """
local now = redis.call('TIME')
now = tonumber(now[1]) * 1000 + math.floor(tonumber(now[2]) / 1000)
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
if ARGV[1] ~= '' then redis.call('ZADD', KEYS[1], now + tonumber(ARGV[2]), ARGV[1]) end
return redis.call('ZRANGE', KEYS[1], 0, -1)
"""


def _score(member: str, session_id: str) -> int:
    digest = hashlib.blake2b(f"{member}\n{session_id}".encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big")


class Fleet:
    """Workers sharing sessions through Redis (``redis.asyncio``; asyncio only).

    ::

        fleet = qa.Fleet(redis.asyncio.Redis.from_url("redis://localhost"), lease_ttl=10)

        async def handle(session_id: str, lease: qa.Lease) -> None:
            async for event in client.session(session_id).events(cursors=lease):
                ...  # committed, fenced, when the loop asks for the next event

        await fleet.run(session_ids, handle)

    ``lease_ttl`` bounds how long a dead or stalled worker keeps its sessions: another
    worker takes each over as soon as its lease runs out, at most that long after the last
    renewal. Heartbeats last half of it and are sent every sixth, so the survivors know of
    a death before its leases run out. ``commit_every`` /
    ``commit_interval`` batch the leases' commits (see :class:`BatchingCursors`).
    """

    def __init__(
        self,
        redis: Redis,
        *,
        lease_ttl: float = 10.0,
        prefix: str = "qoder",
        worker_id: str | None = None,
        commit_every: int = 1,
        commit_interval: float | None = None,
    ) -> None:
        if lease_ttl <= 0:
            raise ValueError("lease_ttl must be positive")
        self.worker_id = worker_id or f"{socket.gethostname()}-{os.getpid()}-{uuid.uuid4().hex[:6]}"
        """This worker's name among the members."""
        self.lease_ttl = lease_ttl
        self._redis = redis
        self._keys = RedisKeys(prefix)
        self._commit_every = commit_every
        self._commit_interval = commit_interval
        self._heartbeat = redis.register_script(_HEARTBEAT)

    @classmethod
    def from_url(cls, url: str, **options: Any) -> Fleet:
        """A fleet on a new ``redis.asyncio`` client for ``url`` (``redis://host:port/db``)."""
        from redis.asyncio import Redis

        return cls(Redis.from_url(url), **options)

    def __repr__(self) -> str:
        return f"<Fleet {self.worker_id} prefix={self._keys.prefix!r} ttl={self.lease_ttl}>"

    @staticmethod
    def owner(session_id: str, members: Sequence[str]) -> str:
        """The member that serves a session: the highest rendezvous hash of (member,
        session), the same answer on every worker that sees the same members."""
        return max(members, key=lambda member: _score(member, session_id))

    @asynccontextmanager
    async def lease(self, session_id: str) -> AsyncIterator[Lease]:
        """``async with fleet.lease(session_id) as lease:`` waits until this worker holds the
        session, and holds it for the block, renewing it in the background. If the lease is
        lost meanwhile, the block is cancelled and :class:`LeaseLost` raised; on the way out
        held-back commits are flushed and the lease released."""
        async with hold_lease(
            self._redis,
            session_id,
            holder=self.worker_id,
            ttl=self.lease_ttl,
            keys=self._keys,
            commit_every=self._commit_every,
            commit_interval=self._commit_interval,
        ) as lease:
            yield lease

    async def members(self, *, beat: bool = False) -> list[str]:
        """The live workers, sorted; with ``beat=True`` this one heartbeats first."""
        ttl_ms = int(self.lease_ttl * 500)
        reply = await self._heartbeat(
            keys=[self._keys.members()], args=[self.worker_id if beat else "", ttl_ms]
        )
        return [str(text(member)) for member in reply]

    async def run(self, sessions: Iterable[str] | SessionSource, handler: Handler) -> None:
        """Serve this worker's share of ``sessions`` until cancelled.

        ``sessions`` is a fixed collection of ids, or an async callable giving the current
        ones (asked at every heartbeat, e.g. ``lambda: redis.smembers("bot:sessions")``).
        The share is recomputed at every heartbeat: a session this worker stops owning is
        cancelled (its lease flushed and released), a session it gains starts as soon as
        its lease is free. A handler that returns has finished its session, which this worker
        does not serve again; with a fixed collection ``run`` returns once it has finished
        them all. A handler that raises stops ``run`` (other than :class:`LeaseLost`, after
        which the session is asked for again).
        """
        from redis.exceptions import RedisError

        fixed: list[str] | None = None
        if callable(sessions):
            source = sessions
        else:
            fixed = list(dict.fromkeys(sessions))

            async def source() -> list[str]:
                return fixed or []

        serving: dict[str, anyio.CancelScope] = {}
        finished: set[str] = set()

        async def serve(session_id: str, scope: anyio.CancelScope) -> None:
            with scope:
                while True:
                    try:
                        async with self.lease(session_id) as lease:
                            await handler(session_id, lease)
                        finished.add(session_id)
                        break
                    except LeaseLost as exc:
                        logger.warning("%s: %s", self.worker_id, exc)
                    except (RedisError, OSError) as exc:
                        logger.warning("%s: serving %s: %s", self.worker_id, session_id, exc)
                        await anyio.sleep(self.lease_ttl / 10)
            if serving.get(session_id) is scope:
                del serving[session_id]

        try:
            async with anyio.create_task_group() as tasks:
                while fixed is None or not finished.issuperset(fixed):
                    try:
                        current = [str(text(s)) for s in await source()]
                        members = await self.members(beat=True)
                    except (RedisError, OSError) as exc:
                        logger.warning("%s: heartbeat failed: %s", self.worker_id, exc)
                        current, members = list(serving), []  # its leases decide meanwhile
                    mine = {s for s in current if s not in finished}
                    if members:
                        mine = {s for s in mine if self.owner(s, members) == self.worker_id}
                    else:
                        mine &= serving.keys()
                    for session_id in [s for s in serving if s not in mine]:
                        serving.pop(session_id).cancel()
                    for session_id in mine.difference(serving):
                        serving[session_id] = anyio.CancelScope()
                        tasks.start_soon(serve, session_id, serving[session_id])
                    await anyio.sleep(self.lease_ttl / 6)
                tasks.cancel_scope.cancel()
        finally:
            with anyio.CancelScope(shield=True), anyio.move_on_after(self.lease_ttl / 2):
                try:
                    await self._redis.zrem(self._keys.members(), self.worker_id)
                except (RedisError, OSError) as exc:
                    logger.warning("%s: leaving the fleet failed: %s", self.worker_id, exc)
