"""RedisCursors: cursors in Redis, and the key names the fleet shares.

Nothing here imports ``redis`` at run time: the caller hands in a ``redis.asyncio`` client
(``pip install 'qoder-async[redis]'``), so ``import qoder_async`` never pulls it in.
``redis.asyncio`` runs on asyncio only, so everything built on it does too.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..cursors._store import BatchingCursors

if TYPE_CHECKING:
    from redis.asyncio import Redis

__all__ = ["RedisCursors", "RedisKeys", "text"]


class RedisKeys:
    """The key names under one prefix (``qoder`` unless told otherwise)."""

    def __init__(self, prefix: str = "qoder") -> None:
        self.prefix = prefix

    def cursor(self, session_id: str) -> str:
        """The id of the session's last handled event (a string)."""
        return f"{self.prefix}:cursor:{session_id}"

    def lease(self, session_id: str) -> str:
        """Who holds the session: ``"<token> <holder>"``, with a TTL."""
        return f"{self.prefix}:lease:{session_id}"

    def fence(self, session_id: str) -> str:
        """The counter that numbers the session's leases (never expires)."""
        return f"{self.prefix}:fence:{session_id}"

    def answers(self, session_id: str) -> str:
        """The records of the session's tool calls: a hash from call id to JSON text."""
        return f"{self.prefix}:answers:{session_id}"

    def members(self) -> str:
        """The live workers: a sorted set scored by when each one's heartbeat expires."""
        return f"{self.prefix}:members"


def text(value: bytes | str | None) -> str | None:
    """A reply as text, whether or not the client decodes responses."""
    return value.decode() if isinstance(value, bytes) else value


class RedisCursors(BatchingCursors):
    """Cursors in Redis (``<prefix>:cursor:<session id>``), with no lease.

    For one consumer per session that keeps its cursors in Redis; a fleet commits through a
    :class:`Lease` instead, which refuses the commits of a worker that lost the session.
    Batching as in :class:`BatchingCursors`.
    """

    def __init__(
        self,
        redis: Redis,
        *,
        prefix: str = "qoder",
        commit_every: int = 1,
        commit_interval: float | None = None,
    ) -> None:
        super().__init__(commit_every=commit_every, commit_interval=commit_interval)
        self._redis = redis
        self._keys = RedisKeys(prefix)

    def __repr__(self) -> str:
        return f"<RedisCursors prefix={self._keys.prefix!r}>"

    async def _read(self, session_id: str) -> str | None:
        return text(await self._redis.get(self._keys.cursor(session_id)))

    async def _write(self, session_id: str, event_id: str) -> None:
        await self._redis.set(self._keys.cursor(session_id), event_id)

    async def load_answer(self, session_id: str, tool_use_id: str) -> str | None:
        """The saved record of a tool call (see :class:`AnswerStore`)."""
        return text(await self._redis.hget(self._keys.answers(session_id), tool_use_id))

    async def save_answer(self, session_id: str, tool_use_id: str, record: str) -> None:
        """Save the record of a tool call at once."""
        await self._redis.hset(self._keys.answers(session_id), tool_use_id, record)
