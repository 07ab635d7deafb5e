"""``AsyncSession``: the short forms a user of one session reaches for."""

from __future__ import annotations

import anyio
import pytest

import qoder_async as qa
from qoder_async.testing import Emulator

pytestmark = pytest.mark.anyio


async def test_refresh_replaces_info(client: qa.AsyncQoder, session: qa.AsyncSession) -> None:
    await client.sessions.update(session.id, title="changed elsewhere")
    await session.refresh()
    assert session.info is not None
    assert session.info.title == "changed elsewhere"


async def test_update_replaces_info(session: qa.AsyncSession) -> None:
    await session.update(title="Quarterly report", metadata={"team": "finance"})
    assert session.info is not None
    assert (session.info.title, session.info.metadata) == ("Quarterly report", {"team": "finance"})


async def test_archive_makes_the_session_read_only(session: qa.AsyncSession) -> None:
    await session.archive()
    assert session.info is not None
    assert session.info.archived_at is not None
    with pytest.raises(qa.ConflictError):
        await session.send("hello?")


async def test_delete_removes_the_session(session: qa.AsyncSession) -> None:
    await session.delete()
    with pytest.raises(qa.NotFoundError):
        await session.refresh()


async def test_cancel_ends_the_running_turn(
    running_session: qa.AsyncSession, busy_emulator: Emulator
) -> None:
    await running_session.cancel()
    await anyio.to_thread.run_sync(busy_emulator.wait_idle, running_session.id)
    assert (await running_session.refresh()).status == "idle"


async def test_cancel_keeps_info(running_session: qa.AsyncSession) -> None:
    before = running_session.info
    await running_session.cancel()
    assert running_session.info is before


async def test_resources_lists_what_is_mounted(
    session: qa.AsyncSession, ready_file: qa.FileMetadata
) -> None:
    await session.add_resources(qa.FileResource.from_file(ready_file, "spec.md"))
    assert [r.mount_path async for r in session.resources()] == ["/data/spec.md"]


async def test_add_resources_needs_at_least_one(session: qa.AsyncSession) -> None:
    with pytest.raises(qa.QoderError):
        await session.add_resources()


async def test_remove_resource_unmounts_it(
    session: qa.AsyncSession, ready_file: qa.FileMetadata
) -> None:
    (mounted,) = await session.add_resources(qa.FileResource.from_file(ready_file))
    assert mounted.id is not None
    await session.remove_resource(mounted.id)
    assert [r async for r in session.resources()] == []


async def test_upload_and_mount_mounts_the_upload(
    session: qa.AsyncSession, emulator: Emulator
) -> None:
    mounted = await session.upload_and_mount(b"a,b\n1,2\n", filename="t.csv", mount_path="in/t.csv")
    assert mounted.file_id is not None
    assert (mounted.mount_path, emulator.file_content(mounted.file_id)) == (
        "/data/in/t.csv",
        b"a,b\n1,2\n",
    )


async def test_upload_and_mount_without_a_path_mounts_at_the_file_id(
    session: qa.AsyncSession,
) -> None:
    mounted = await session.upload_and_mount(b"x", filename="x.txt")
    assert mounted.mount_path == f"/data/{mounted.file_id}"


async def test_upload_and_mount_refuses_a_path_outside_data_before_uploading(
    session: qa.AsyncSession, emulator: Emulator
) -> None:
    files = emulator.count("files")
    with pytest.raises(qa.InvalidInputError):
        await session.upload_and_mount(b"x", filename="x.txt", mount_path="/etc/x.txt")
    assert emulator.count("files") == files


async def test_upload_and_mount_to_a_taken_path_conflicts(session: qa.AsyncSession) -> None:
    await session.upload_and_mount(b"one", filename="a.txt", mount_path="same.txt")
    with pytest.raises(qa.ConflictError):
        await session.upload_and_mount(b"two", filename="b.txt", mount_path="same.txt")


async def test_files_lists_what_the_agent_produced(session: qa.AsyncSession) -> None:
    await session.ask("Write an answer file.")
    assert [f.filename async for f in session.files()] == ["answer.md"]


async def test_history_pages_through_the_events(
    session: qa.AsyncSession, emulator: Emulator
) -> None:
    await session.ask("hello")
    pages = [page async for page in session.history(limit=4).pages()]
    assert [e.id for page in pages for e in page] == [e["id"] for e in emulator.log(session.id)]


async def test_history_filters_by_type(session: qa.AsyncSession) -> None:
    await session.ask("hello")
    assert [e.type async for e in session.history(types=["agent.message"])] == ["agent.message"]


async def test_history_newest_first(session: qa.AsyncSession) -> None:
    await session.ask("hello")
    assert (await session.history(order="desc", limit=1)).data[0].type == "session.status_idle"


async def test_threads_lists_the_primary_thread_first(
    session: qa.AsyncSession, emulator: Emulator
) -> None:
    child = emulator.add_thread(session.id)["id"]
    threads = [t async for t in session.threads()]
    assert ([t.parent_thread_id is None for t in threads], threads[-1].id) == ([True, False], child)


async def test_thread_events_follows_one_thread(
    session: qa.AsyncSession, emulator: Emulator
) -> None:
    child = emulator.add_thread(session.id)["id"]
    async with session.thread_events(child) as stream:
        (added,) = emulator.append_events(
            session.id, [{"type": "agent.thinking", "session_thread_id": child}]
        )
        assert (await stream.__anext__()).id == added["id"]


async def test_closing_the_session_closes_its_thread_streams(
    session: qa.AsyncSession, emulator: Emulator
) -> None:
    stream = await session.thread_events(emulator.add_thread(session.id)["id"]).open()
    await session.aclose()
    with pytest.raises(StopAsyncIteration):
        await stream.__anext__()
