"""Cursor stores: where a consumer keeps the id of the last event it has handled.

``session.events(cursors=store)`` starts after the stored id and commits each event once the
consumer has handled it, so a consumer that restarts (or a worker that takes a session
over) neither misses an event nor handles one twice. Three stores ship:

- :class:`MemoryCursors`: a dict; cursors live as long as the process (the default
  behaviour of a stream without a store, made shareable between streams).
- :class:`SQLiteCursors`: a local SQLite file, for a single bot that restarts.
- :class:`RedisCursors` and :class:`Lease`: Redis, for a fleet of workers (the lease fences
  the commits of one session to its current holder).

A store may hold commits back and write them in batches (``commit_every`` /
``commit_interval``): only a consumer that tolerates seeing a few events again after a crash
should ask for that; :meth:`CursorStore.flush` writes what is held back.

A store that also is an :class:`AnswerStore` (all three are) keeps the answers a tool runner
gave, so a tool call is run at most once per event id across a restart.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from typing import Protocol, cast

import anyio

__all__ = ["AnswerStore", "BatchingCursors", "CursorStore", "MemoryCursors", "answer_store"]


class CursorStore(Protocol):
    """Keeps, per session, the id of the last event the consumer handled."""

    async def load(self, session_id: str) -> str | None:
        """The id of the last handled event of the session, or ``None`` if there is none."""
        ...

    async def commit(self, session_id: str, event_id: str) -> None:
        """Record that the event (and every one before it) was handled; may be held back."""
        ...

    async def flush(self, session_id: str) -> None:
        """Write the session's held-back commit now, if there is one."""
        ...


class AnswerStore(Protocol):
    """Keeps, per session and tool call, what the client did about the call (a JSON text).

    A tool runner saves a record before it runs a call and again, with the answer, before
    it posts it; a successor finds the record and posts it instead of running the call again.
    Records are written at once, never held back.
    """

    async def load_answer(self, session_id: str, tool_use_id: str) -> str | None:
        """The record of a call, or ``None`` if none was saved."""
        ...

    async def save_answer(self, session_id: str, tool_use_id: str, record: str) -> None:
        """Save (or replace) the record of a call."""
        ...


def answer_store(cursors: object) -> AnswerStore | None:
    """``cursors`` if it also keeps tool answers, else ``None``.

    Checked by attribute, not with ``isinstance`` on a runtime-checkable protocol (which
    would give the protocol class annotations of its own as a side effect).
    """
    methods = ("load_answer", "save_answer")
    if all(callable(getattr(cursors, name, None)) for name in methods):
        return cast(AnswerStore, cursors)
    return None


class MemoryCursors:
    """Cursors in a dict: shared by the streams of this process, gone when it exits."""

    def __init__(self) -> None:
        self._ids: dict[str, str] = {}
        self._answers: dict[tuple[str, str], str] = {}

    def __repr__(self) -> str:
        return f"<MemoryCursors sessions={len(self._ids)}>"

    async def load(self, session_id: str) -> str | None:
        """The last committed id of the session."""
        return self._ids.get(session_id)

    async def commit(self, session_id: str, event_id: str) -> None:
        """Record the id at once."""
        self._ids[session_id] = event_id

    async def flush(self, session_id: str) -> None:
        """Nothing is ever held back."""

    async def load_answer(self, session_id: str, tool_use_id: str) -> str | None:
        """The saved record of a tool call."""
        return self._answers.get((session_id, tool_use_id))

    async def save_answer(self, session_id: str, tool_use_id: str, record: str) -> None:
        """Keep the record of a tool call."""
        self._answers[session_id, tool_use_id] = record


class BatchingCursors(ABC):
    """A store whose writes are slow: commits are held back and written in batches.

    A commit is written once ``commit_every`` commits of the session are held back, or when
    one arrives ``commit_interval`` seconds or more after the oldest held-back one. There
    is no timer: a quiet stream keeps its last commits until the next event or
    :meth:`flush` (which closing a stream does). The defaults write every commit.
    Subclasses implement :meth:`_read` and :meth:`_write`.
    """

    def __init__(self, *, commit_every: int = 1, commit_interval: float | None = None) -> None:
        if commit_every < 1:
            raise ValueError("commit_every must be at least 1")
        if commit_interval is not None and commit_interval < 0:
            raise ValueError("commit_interval must not be negative")
        self._every = commit_every
        self._interval = commit_interval
        self._held: dict[str, tuple[str, int, float]] = {}  # id, commits held, oldest's time

    async def load(self, session_id: str) -> str | None:
        """The last handled id: a held-back commit if any, else the stored one."""
        held = self._held.get(session_id)
        return held[0] if held is not None else await self._read(session_id)

    async def commit(self, session_id: str, event_id: str) -> None:
        """Hold the commit back, and write the batch if it is due."""
        now = anyio.current_time()
        _, count, since = self._held.get(session_id, ("", 0, now))
        self._held[session_id] = (event_id, count + 1, since)
        due = count + 1 >= self._every or (
            self._interval is not None and now - since >= self._interval
        )
        if due:
            await self.flush(session_id)

    async def flush(self, session_id: str) -> None:
        """Write the session's held-back commit, if any."""
        held = self._held.get(session_id)
        if held is None:
            return
        await self._write(session_id, held[0])
        if self._held.get(session_id) is held:
            del self._held[session_id]

    async def flush_all(self) -> None:
        """Write every held-back commit."""
        for session_id in list(self._held):
            await self.flush(session_id)

    @abstractmethod
    async def _read(self, session_id: str) -> str | None: ...

    @abstractmethod
    async def _write(self, session_id: str, event_id: str) -> None: ...
