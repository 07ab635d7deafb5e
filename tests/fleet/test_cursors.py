"""Cursor stores behind session.events(): where a stream starts and when it commits."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import anyio
import pytest

import qoder_async as qa
from qoder_async.testing import Emulator

from .conftest import fail_on_second, messages

pytestmark = pytest.mark.anyio


async def test_stream_commits_an_event_when_the_next_is_requested(
    bound: qa.AsyncSession, emulator: Emulator
) -> None:
    store = qa.MemoryCursors()
    async with bound.events(cursors=store) as stream:
        stored = emulator.append_events(bound.id, messages(3))
        seen = []
        with anyio.fail_after(10):
            async for event in stream:
                seen.append((event.id, await store.load(bound.id)))
                if len(seen) == 3:
                    break
    ids = [s["id"] for s in stored]
    assert seen == [(ids[0], None), (ids[1], ids[0]), (ids[2], ids[1])]


async def test_clean_exit_commits_the_last_event(
    bound: qa.AsyncSession, emulator: Emulator
) -> None:
    store = qa.MemoryCursors()
    async with bound.events(cursors=store) as stream:
        stored = emulator.append_events(bound.id, messages(2))
        with anyio.fail_after(10):
            async for event in stream:
                if event.id == stored[1]["id"]:
                    break
    assert await store.load(bound.id) == stored[1]["id"]


async def test_a_body_that_raises_leaves_its_event_uncommitted(
    bound: qa.AsyncSession, emulator: Emulator
) -> None:
    store = qa.MemoryCursors()
    stored: list[dict[str, Any]] = []
    with pytest.raises(RuntimeError, match="handler failed"):
        await fail_on_second(bound, emulator, store, stored)
    assert await store.load(bound.id) == stored[0]["id"]


async def test_stream_resumes_after_the_stored_cursor(
    bound: qa.AsyncSession, emulator: Emulator
) -> None:
    stored = emulator.append_events(bound.id, messages(4))
    store = qa.MemoryCursors()
    await store.commit(bound.id, stored[1]["id"])
    async with bound.events(cursors=store) as stream:
        with anyio.fail_after(10):
            first = await stream.__anext__()
    assert first.id == stored[2]["id"]


async def test_explicit_last_event_id_wins_over_the_store(
    bound: qa.AsyncSession, emulator: Emulator
) -> None:
    stored = emulator.append_events(bound.id, messages(4))
    store = qa.MemoryCursors()
    await store.commit(bound.id, stored[2]["id"])
    async with bound.events(stored[0]["id"], cursors=store) as stream:
        with anyio.fail_after(10):
            first = await stream.__anext__()
    assert first.id == stored[1]["id"]


async def test_sqlite_cursor_survives_a_restart(
    bound: qa.AsyncSession, emulator: Emulator, tmp_path: Path
) -> None:
    stored = emulator.append_events(bound.id, messages(3))
    async with (
        qa.SQLiteCursors(tmp_path / "bot.db") as store,
        bound.events(stored[0]["id"], cursors=store) as stream,
    ):
        with anyio.fail_after(10):
            await stream.__anext__()
    async with (
        qa.SQLiteCursors(tmp_path / "bot.db") as store,
        bound.events(cursors=store) as stream,
    ):
        with anyio.fail_after(10):
            resumed = await stream.__anext__()
    assert resumed.id == stored[2]["id"]


async def test_batched_commits_are_held_back_until_commit_every(tmp_path: Path) -> None:
    async with (
        qa.SQLiteCursors(tmp_path / "c.db", commit_every=3) as store,
        qa.SQLiteCursors(tmp_path / "c.db") as reader,
    ):
        await store.commit("s", "e1")
        await store.commit("s", "e2")
        held = await reader.load("s")
        await store.commit("s", "e3")
        assert (held, await reader.load("s")) == (None, "e3")


async def test_a_commit_after_commit_interval_writes_the_batch(tmp_path: Path) -> None:
    async with (
        qa.SQLiteCursors(tmp_path / "c.db", commit_every=100, commit_interval=0.05) as store,
        qa.SQLiteCursors(tmp_path / "c.db") as reader,
    ):
        await store.commit("s", "e1")
        await anyio.sleep(0.06)
        await store.commit("s", "e2")
        assert await reader.load("s") == "e2"


async def test_closing_a_stream_flushes_held_back_commits(
    bound: qa.AsyncSession, emulator: Emulator, tmp_path: Path
) -> None:
    async with qa.SQLiteCursors(tmp_path / "c.db", commit_every=100) as store:
        async with bound.events(cursors=store) as stream:
            stored = emulator.append_events(bound.id, messages(2))
            with anyio.fail_after(10):
                async for event in stream:
                    if event.id == stored[1]["id"]:
                        break
        async with qa.SQLiteCursors(tmp_path / "c.db") as reader:
            assert await reader.load(bound.id) == stored[1]["id"]


async def test_held_back_commit_is_what_a_new_stream_loads(tmp_path: Path) -> None:
    async with qa.SQLiteCursors(tmp_path / "c.db", commit_every=100) as store:
        await store.commit("s", "e1")
        assert await store.load("s") == "e1"


async def test_ask_commits_the_events_of_its_turn(
    bound: qa.AsyncSession, emulator: Emulator
) -> None:
    store = qa.MemoryCursors()
    with anyio.fail_after(20):
        result = await bound.ask("hello", cursors=store)
    assert await store.load(bound.id) == result.events[-1].id
