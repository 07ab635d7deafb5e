"""Leases on Redis: one holder per session at a time, fenced so a lost holder cannot commit.

A lease is the key ``<prefix>:lease:<session id>`` holding ``"<token> <holder>"`` with a
TTL. Tokens come from a per-session counter, so every grant gets a larger one. The holder
renews the TTL in the background every third of it; every commit runs a Lua script that
writes the cursor only if the key still holds the holder's own token, so a worker that
stalled past its TTL (and whose session another worker now holds) has its commits refused.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import TYPE_CHECKING, Final

import anyio

from .._errors import QoderError
from ..cursors._store import BatchingCursors
from ._redis_cursors import RedisKeys, text

if TYPE_CHECKING:
    from redis.asyncio import Redis

__all__ = ["Lease", "LeaseLost", "hold_lease"]

logger = logging.getLogger("qoder_async")

_CLOSE_TIMEOUT: Final = 5.0  # the last flush and the release, bounded even under cancellation

_ACQUIRE = """
local pttl = redis.call('PTTL', KEYS[1])
if pttl ~= -2 then return {0, pttl} end
local token = redis.call('INCR', KEYS[2])
redis.call('SET', KEYS[1], token .. ' ' .. ARGV[2], 'PX', ARGV[1])
return {1, token}
"""
_RENEW = """
if redis.call('GET', KEYS[1]) ~= ARGV[1] then return 0 end
return redis.call('PEXPIRE', KEYS[1], ARGV[2])
"""
_RELEASE = """
if redis.call('GET', KEYS[1]) ~= ARGV[1] then return 0 end
return redis.call('DEL', KEYS[1])
"""
_SAVE_ANSWER = """
if redis.call('GET', KEYS[1]) ~= ARGV[1] then return 0 end
redis.call('HSET', KEYS[2], ARGV[2], ARGV[3])
return 1
"""
# ARGV: the lease's value, the event id, then each staged command as its length and words.
# A cursor already at the event id means this very commit was applied before (its reply was
# lost, e.g. to a cancellation) and is being retried: applying it again would double it.
_COMMIT = """
if redis.call('GET', KEYS[1]) ~= ARGV[1] then return 0 end
if redis.call('GET', KEYS[2]) == ARGV[2] then return 1 end
local i = 3
while i <= #ARGV do
  local n = tonumber(ARGV[i])
  redis.call(unpack(ARGV, i + 1, i + n))
  i = i + n + 1
end
redis.call('SET', KEYS[2], ARGV[2])
return 1
"""

Word = str | bytes | int | float


class LeaseLost(QoderError):
    """The lease on a session ran out or was taken by another worker: stop handling it.

    Raised by a commit the fence refused, and by ``async with lease`` when the background
    renewal found the lease gone (the body is cancelled first).
    """


class Lease(BatchingCursors):
    """A held lease on one session, and the only :class:`CursorStore` allowed to commit its
    cursor: ``async for event in session.events(cursors=lease)``.

    :meth:`stage` queues Redis commands that are applied in the same atomic step as the
    next commit, which makes an effect kept in Redis happen exactly once per event. The
    records of tool calls (:meth:`save_answer`) are written at once, fenced by the lease.
    """

    def __init__(
        self,
        redis: Redis,
        keys: RedisKeys,
        session_id: str,
        value: str,
        *,
        commit_every: int = 1,
        commit_interval: float | None = None,
    ) -> None:
        super().__init__(commit_every=commit_every, commit_interval=commit_interval)
        self.session_id = session_id
        """The session this lease is on."""
        self.token = int(value.split(" ", 1)[0])
        """The fencing token: larger than that of every earlier lease on the session."""
        self.lost = False
        """True once the lease is known to be gone; nothing more can be committed."""
        self._redis = redis
        self._keys = keys
        self._value = value
        self._commit = redis.register_script(_COMMIT)
        self._staged: list[Word] = []  # commands of the event being handled
        self._ready: list[Word] = []  # commands of handled events, not yet written

    def __repr__(self) -> str:
        return f"<Lease {self.session_id} token={self.token}{' lost' if self.lost else ''}>"

    def stage(self, *command: Word) -> None:
        """Apply a Redis command (e.g. ``"RPUSH", "replies", text``) atomically with the
        commit of the event being handled; dropped if that event is never committed.

        Staged commands run inside a Lua script, so they need a standalone Redis (not a
        cluster), and one that fails there leaves those before it applied.
        """
        if not command:
            raise ValueError("stage needs a command")
        self._staged += [len(command), *command]

    def _check(self, session_id: str) -> None:
        if session_id != self.session_id:
            raise ValueError(f"this lease is on {self.session_id}, not {session_id}")
        if self.lost:
            raise LeaseLost(f"the lease on {self.session_id} is lost")

    async def load(self, session_id: str) -> str | None:
        """The last handled id; a new stream starts here, so staged commands are dropped."""
        self._check(session_id)
        self._staged.clear()
        return await super().load(session_id)

    async def commit(self, session_id: str, event_id: str) -> None:
        """Mark the event handled (with what was staged for it); fenced when written.

        Raises:
            LeaseLost: the lease is gone; the commit and the staged commands are dropped.
        """
        self._check(session_id)
        self._ready += self._staged
        self._staged.clear()
        await super().commit(session_id, event_id)

    async def load_answer(self, session_id: str, tool_use_id: str) -> str | None:
        """The saved record of a tool call, whoever held the lease when it was saved."""
        self._check(session_id)
        return text(await self._redis.hget(self._keys.answers(session_id), tool_use_id))

    async def save_answer(self, session_id: str, tool_use_id: str, record: str) -> None:
        """Save the record of a tool call at once, fenced like a commit.

        Raises:
            LeaseLost: the lease is gone; nothing was saved (and the call must not run).
        """
        self._check(session_id)
        save = self._redis.register_script(_SAVE_ANSWER)
        keys = [self._keys.lease(session_id), self._keys.answers(session_id)]
        if not await save(keys=keys, args=[self._value, tool_use_id, record]):
            self.lost = True
            raise LeaseLost(f"the lease on {session_id} passed to another holder")

    async def _read(self, session_id: str) -> str | None:
        return text(await self._redis.get(self._keys.cursor(session_id)))

    async def _write(self, session_id: str, event_id: str) -> None:
        ready = len(self._ready)
        keys = [self._keys.lease(session_id), self._keys.cursor(session_id)]
        if not await self._commit(keys=keys, args=[self._value, event_id, *self._ready]):
            self.lost = True
            self._staged.clear()
            self._ready.clear()
            raise LeaseLost(f"the lease on {session_id} passed to another holder")
        del self._ready[:ready]

    async def _keep(self, ttl: float, granted_at: float, scope: anyio.CancelScope) -> None:
        """Renew every third of the TTL; on loss, mark the lease lost and cancel ``scope``."""
        from redis.exceptions import RedisError

        renew = self._redis.register_script(_RENEW)
        expires = granted_at + ttl  # a safe local bound: the server's expiry is later
        while True:
            await anyio.sleep(ttl / 3)
            started = anyio.current_time()
            renewed: bool | None = None
            with anyio.move_on_after(expires - started):
                try:
                    renewed = bool(
                        await renew(
                            keys=[self._keys.lease(self.session_id)],
                            args=[self._value, int(ttl * 1000)],
                        )
                    )
                except (RedisError, OSError) as exc:
                    logger.warning("renewing the lease on %s failed: %s", self.session_id, exc)
            if renewed:
                expires = started + ttl
            elif renewed is False or anyio.current_time() >= expires:
                logger.warning("lost the lease on %s", self.session_id)
                self.lost = True
                scope.cancel()
                return

    async def _release(self) -> None:
        if not self.lost:
            try:
                await self.flush_all()
            except LeaseLost:
                return
        release = self._redis.register_script(_RELEASE)
        await release(keys=[self._keys.lease(self.session_id)], args=[self._value])


@asynccontextmanager
async def hold_lease(
    redis: Redis,
    session_id: str,
    *,
    holder: str,
    ttl: float,
    keys: RedisKeys,
    commit_every: int = 1,
    commit_interval: float | None = None,
) -> AsyncIterator[Lease]:
    """Wait for the lease on a session, hold it for the block, then release it.

    The TTL is renewed in the background; if that fails for a whole TTL, or another worker
    got the lease meanwhile, the block is cancelled and :class:`LeaseLost` raised. On the
    way out (even cancelled) held-back commits are flushed and the lease released.
    """
    from redis.exceptions import RedisError

    acquire = redis.register_script(_ACQUIRE)
    poll = ttl / 10
    while True:
        started = anyio.current_time()
        granted, detail = await acquire(
            keys=[keys.lease(session_id), keys.fence(session_id)], args=[int(ttl * 1000), holder]
        )
        if granted:
            break
        await anyio.sleep(min(poll, max(int(detail), 1) / 1000))
    lease = Lease(
        redis,
        keys,
        session_id,
        f"{int(detail)} {holder}",
        commit_every=commit_every,
        commit_interval=commit_interval,
    )
    error: Exception | None = None
    try:
        async with anyio.create_task_group() as tasks:
            tasks.start_soon(lease._keep, ttl, started, tasks.cancel_scope)
            try:
                yield lease
            except Exception as exc:  # raised below as it is, not in an ExceptionGroup
                error = exc
            finally:
                tasks.cancel_scope.cancel()
    finally:
        with anyio.CancelScope(shield=True), anyio.move_on_after(_CLOSE_TIMEOUT):
            try:
                await lease._release()
            except (RedisError, OSError) as exc:  # it expires on its own within the TTL
                logger.warning("releasing the lease on %s failed: %s", session_id, exc)
    if error is not None:
        raise error
    if lease.lost:
        raise LeaseLost(f"the lease on {session_id} ran out or passed to another holder")
