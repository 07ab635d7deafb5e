"""SQLiteCursors: cursors in a local SQLite file, for a single consumer that restarts."""

from __future__ import annotations

import os
import sqlite3
from collections.abc import Callable
from typing import TypeVar

import anyio
import anyio.to_thread

from .._closing import AsyncCloseable
from ._store import BatchingCursors

__all__ = ["SQLiteCursors"]

T = TypeVar("T")

_SCHEMA = "CREATE TABLE IF NOT EXISTS qoder_cursors (session_id TEXT PRIMARY KEY, event_id TEXT)"
_ANSWERS = (
    "CREATE TABLE IF NOT EXISTS qoder_tool_answers"
    " (session_id TEXT, tool_use_id TEXT, record TEXT, PRIMARY KEY (session_id, tool_use_id))"
)
_READ_ANSWER = "SELECT record FROM qoder_tool_answers WHERE session_id = ? AND tool_use_id = ?"
_WRITE_ANSWER = (
    "INSERT INTO qoder_tool_answers (session_id, tool_use_id, record) VALUES (?, ?, ?)"
    " ON CONFLICT (session_id, tool_use_id) DO UPDATE SET record = excluded.record"
)
_READ = "SELECT event_id FROM qoder_cursors WHERE session_id = ?"
_WRITE = (
    "INSERT INTO qoder_cursors (session_id, event_id) VALUES (?, ?)"
    " ON CONFLICT (session_id) DO UPDATE SET event_id = excluded.event_id"
)


class SQLiteCursors(BatchingCursors, AsyncCloseable):
    """Cursors in a SQLite file (created if missing), one row per session.

    Every query runs in a worker thread, one at a time, so the event loop never blocks on
    the disk. The file is in WAL mode with ``synchronous=NORMAL``: a commit survives the
    process being killed (not a power cut), at the cost of one write per commit; pass
    ``commit_every``/``commit_interval`` to batch them (see :class:`BatchingCursors`).
    ``async with SQLiteCursors("bot.db") as cursors:`` flushes and closes the file at the end.
    """

    def __init__(
        self,
        path: str | os.PathLike[str],
        *,
        commit_every: int = 1,
        commit_interval: float | None = None,
    ) -> None:
        super().__init__(commit_every=commit_every, commit_interval=commit_interval)
        self.path = os.fspath(path)
        self._db: sqlite3.Connection | None = None
        self._limiter = anyio.CapacityLimiter(1)

    def __repr__(self) -> str:
        return f"<SQLiteCursors {self.path!r}>"

    async def _run(self, query: Callable[[sqlite3.Connection], T]) -> T:
        def call() -> T:
            if self._db is None:
                db = sqlite3.connect(self.path, isolation_level=None, check_same_thread=False)
                db.execute("PRAGMA journal_mode=WAL")
                db.execute("PRAGMA synchronous=NORMAL")
                db.execute(_SCHEMA)
                db.execute(_ANSWERS)
                self._db = db
            return query(self._db)

        return await anyio.to_thread.run_sync(call, limiter=self._limiter)

    async def _read(self, session_id: str) -> str | None:
        row = await self._run(lambda db: db.execute(_READ, (session_id,)).fetchone())
        return None if row is None else str(row[0])

    async def _write(self, session_id: str, event_id: str) -> None:
        await self._run(lambda db: db.execute(_WRITE, (session_id, event_id)))

    async def load_answer(self, session_id: str, tool_use_id: str) -> str | None:
        """The saved record of a tool call (see :class:`AnswerStore`)."""
        row = await self._run(
            lambda db: db.execute(_READ_ANSWER, (session_id, tool_use_id)).fetchone()
        )
        return None if row is None else str(row[0])

    async def save_answer(self, session_id: str, tool_use_id: str, record: str) -> None:
        """Save the record of a tool call at once (never held back)."""
        await self._run(lambda db: db.execute(_WRITE_ANSWER, (session_id, tool_use_id, record)))

    async def aclose(self) -> None:
        """Write every held-back commit and close the file (it reopens if used again)."""
        await self.flush_all()

        def close() -> None:
            if self._db is not None:
                self._db.close()
                self._db = None

        await anyio.to_thread.run_sync(close, limiter=self._limiter)
