"""``client.sessions.threads``: list, retrieve, archive; ``events``: list, stream."""

from __future__ import annotations

import anyio
import pytest

import qoder_async as qa
from qoder_async.testing import Emulator

pytestmark = pytest.mark.anyio

UNKNOWN = "sthr_00000000000000000000000000000000"


async def test_list_starts_with_the_primary_thread(
    client: qa.AsyncQoder, session: qa.AsyncSession
) -> None:
    threads = [t async for t in client.sessions.threads.list(session.id)]
    assert [(t.session_id, t.parent_thread_id) for t in threads] == [(session.id, None)]


async def test_list_walks_more_than_two_pages(
    client: qa.AsyncQoder, session: qa.AsyncSession, emulator: Emulator
) -> None:
    children = [emulator.add_thread(session.id, f"worker-{i}")["id"] for i in range(4)]
    pages = [page async for page in client.sessions.threads.list(session.id, limit=2).pages()]
    assert ([t.id for page in pages for t in page][1:], len(pages)) == (children, 3)


async def test_list_of_an_unknown_session_is_not_found(client: qa.AsyncQoder) -> None:
    with pytest.raises(qa.NotFoundError):
        await client.sessions.threads.list("sess_00000000000000000000000000000000")


async def test_list_limit_over_100_is_invalid(
    client: qa.AsyncQoder, session: qa.AsyncSession
) -> None:
    with pytest.raises(qa.InvalidRequestError):
        await client.sessions.threads.list(session.id, limit=101)


async def test_retrieve_returns_a_child_thread(
    client: qa.AsyncQoder, session: qa.AsyncSession, emulator: Emulator
) -> None:
    child = emulator.add_thread(session.id, "researcher")
    thread = await client.sessions.threads.retrieve(session.id, child["id"])
    assert (thread.id, thread.parent_thread_id is not None, thread.status) == (
        child["id"],
        True,
        "idle",
    )


async def test_retrieve_an_unknown_thread_is_not_found(
    client: qa.AsyncQoder, session: qa.AsyncSession
) -> None:
    with pytest.raises(qa.NotFoundError):
        await client.sessions.threads.retrieve(session.id, UNKNOWN)


async def test_archive_stops_a_child_thread(
    client: qa.AsyncQoder, session: qa.AsyncSession, emulator: Emulator
) -> None:
    child = emulator.add_thread(session.id)
    thread = await client.sessions.threads.archive(session.id, child["id"])
    assert (thread.status, thread.stop_reason, thread.archived_at is not None) == (
        "archived",
        {"type": "archive"},
        True,
    )


async def test_archive_of_the_primary_thread_is_invalid(
    client: qa.AsyncQoder, session: qa.AsyncSession
) -> None:
    primary = (await client.sessions.threads.list(session.id)).data[0]
    with pytest.raises(qa.InvalidRequestError):
        await client.sessions.threads.archive(session.id, primary.id)


async def test_archive_of_an_unknown_thread_is_not_found(
    client: qa.AsyncQoder, session: qa.AsyncSession
) -> None:
    with pytest.raises(qa.NotFoundError):
        await client.sessions.threads.archive(session.id, UNKNOWN)


async def test_events_list_holds_only_the_threads_events(
    client: qa.AsyncQoder, session: qa.AsyncSession, emulator: Emulator
) -> None:
    child = emulator.add_thread(session.id)["id"]
    mine = emulator.append_events(
        session.id, [{"type": "agent.thinking", "session_thread_id": child} for _ in range(2)]
    )
    emulator.append_events(session.id, [{"type": "agent.thinking"}])
    listed = [e.id async for e in client.sessions.threads.events.list(session.id, child)]
    assert listed[-2:] == [e["id"] for e in mine]
    assert len(listed) == 3  # session.thread_created names the thread too


async def test_events_list_walks_more_than_two_pages(
    client: qa.AsyncQoder, session: qa.AsyncSession, emulator: Emulator
) -> None:
    child = emulator.add_thread(session.id)["id"]
    emulator.append_events(
        session.id, [{"type": "agent.thinking", "session_thread_id": child} for _ in range(5)]
    )
    pager = client.sessions.threads.events.list(session.id, child, limit=2)
    assert len([page async for page in pager.pages()]) == 3


async def test_events_list_after_an_event_id(
    client: qa.AsyncQoder, session: qa.AsyncSession, emulator: Emulator
) -> None:
    child = emulator.add_thread(session.id)["id"]
    added = emulator.append_events(
        session.id, [{"type": "agent.thinking", "session_thread_id": child} for _ in range(3)]
    )
    page = await client.sessions.threads.events.list(session.id, child, after_id=added[0]["id"])
    assert [e.id for e in page] == [e["id"] for e in added[1:]]


async def test_events_list_of_an_unknown_thread_is_not_found(
    client: qa.AsyncQoder, session: qa.AsyncSession
) -> None:
    with pytest.raises(qa.NotFoundError):
        await client.sessions.threads.events.list(session.id, UNKNOWN)


async def test_stream_yields_the_threads_events(
    client: qa.AsyncQoder, session: qa.AsyncSession, emulator: Emulator
) -> None:
    child = emulator.add_thread(session.id)["id"]
    async with client.sessions.threads.events.stream(session.id, child) as stream:
        emulator.append_events(session.id, [{"type": "agent.thinking"}])
        (added,) = emulator.append_events(
            session.id, [{"type": "agent.thinking", "session_thread_id": child}]
        )
        event = await stream.__anext__()
    assert (event.id, event.type) == (added["id"], "agent.thinking")


async def test_stream_resumes_after_last_event_id(
    client: qa.AsyncQoder, session: qa.AsyncSession, emulator: Emulator
) -> None:
    child = emulator.add_thread(session.id)["id"]
    added = emulator.append_events(
        session.id, [{"type": "agent.thinking", "session_thread_id": child} for _ in range(3)]
    )
    stream = client.sessions.threads.events.stream(session.id, child, last_event_id=added[0]["id"])
    async with stream:
        replayed = [(await stream.__anext__()).id for _ in range(2)]
    assert replayed == [e["id"] for e in added[1:]]


async def test_stream_ends_when_the_session_is_deleted(
    client: qa.AsyncQoder, session: qa.AsyncSession, emulator: Emulator
) -> None:
    child = emulator.add_thread(session.id)["id"]
    stream = client.sessions.threads.events.stream(session.id, child, idle_timeout=0.5)
    async with stream:
        await client.sessions.delete(session.id)
        with anyio.fail_after(10):
            async for _ in stream:
                pass


async def test_stream_of_a_child_thread_receives_session_deleted(
    client: qa.AsyncQoder, session: qa.AsyncSession, emulator: Emulator
) -> None:
    child = emulator.add_thread(session.id)["id"]
    stream = client.sessions.threads.events.stream(session.id, child, idle_timeout=0.5)
    async with stream:
        await client.sessions.delete(session.id)
        types = [event.type async for event in stream]
    assert types[-1:] == ["session.deleted"]


async def test_stream_of_an_unknown_thread_is_not_found(
    client: qa.AsyncQoder, session: qa.AsyncSession
) -> None:
    with pytest.raises(qa.NotFoundError):
        async with client.sessions.threads.events.stream(session.id, UNKNOWN):
            pass
