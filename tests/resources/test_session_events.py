"""``client.sessions.events``: send, list (paginated history), stream."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import anyio
import pytest

import qoder_async as qa
from qoder_async.testing import Emulator, TurnContext

pytestmark = pytest.mark.anyio

UNKNOWN = "sess_00000000000000000000000000000000"


async def finished_turn(session: qa.AsyncSession, emulator: Emulator) -> None:
    """Run one turn of the default agent to the end."""
    await session.send("Summarise the mounted files.")
    await anyio.to_thread.run_sync(emulator.wait_idle, session.id)


async def test_send_returns_the_echo_of_the_message(
    client: qa.AsyncQoder, session: qa.AsyncSession
) -> None:
    echoes = await client.sessions.events.send(session.id, events=[qa.UserMessageParam("hi")])
    assert [(type(e), e.id[:4]) for e in echoes] == [(qa.UserMessage, "evt_")]


async def test_send_while_a_turn_runs_conflicts(
    busy_client: qa.AsyncQoder, running_session: qa.AsyncSession
) -> None:
    with pytest.raises(qa.ConflictError):
        await busy_client.sessions.events.send(
            running_session.id, events=[qa.UserMessageParam("another one")]
        )


async def test_an_interrupt_is_accepted_while_a_turn_runs(
    busy_client: qa.AsyncQoder, running_session: qa.AsyncSession, busy_emulator: Emulator
) -> None:
    await busy_client.sessions.events.send(running_session.id, events=[qa.UserInterruptParam()])
    await anyio.to_thread.run_sync(busy_emulator.wait_idle, running_session.id)
    assert busy_emulator.log(running_session.id)[-1]["type"] == "session.status_idle"


async def test_send_with_an_invalid_field_is_invalid(
    client: qa.AsyncQoder, session: qa.AsyncSession
) -> None:
    confirmation = qa.UserToolConfirmationParam("evt_x", result="perhaps")
    with pytest.raises(qa.InvalidRequestError):
        await client.sessions.events.send(session.id, events=[confirmation])


async def test_send_to_an_archived_session_conflicts(
    client: qa.AsyncQoder, session: qa.AsyncSession
) -> None:
    await client.sessions.archive(session.id)
    with pytest.raises(qa.ConflictError):
        await client.sessions.events.send(session.id, events=[qa.UserMessageParam("hi")])


async def test_send_to_an_unknown_session_is_not_found(client: qa.AsyncQoder) -> None:
    with pytest.raises(qa.NotFoundError):
        await client.sessions.events.send(UNKNOWN, events=[qa.UserMessageParam("hi")])


async def test_list_walks_the_whole_history_page_by_page(
    client: qa.AsyncQoder, session: qa.AsyncSession, emulator: Emulator
) -> None:
    await finished_turn(session, emulator)
    pages = [page async for page in client.sessions.events.list(session.id, limit=3).pages()]
    assert [e.id for page in pages for e in page] == [e["id"] for e in emulator.log(session.id)]
    assert len(pages) > 2


async def test_list_decodes_typed_events(
    client: qa.AsyncQoder, session: qa.AsyncSession, emulator: Emulator
) -> None:
    await finished_turn(session, emulator)
    events = [e async for e in client.sessions.events.list(session.id)]
    assert (type(events[0]), type(events[-1])) == (qa.UserMessage, qa.SessionStatusIdle)


async def test_list_filters_by_type(
    client: qa.AsyncQoder, session: qa.AsyncSession, emulator: Emulator
) -> None:
    await finished_turn(session, emulator)
    listed = client.sessions.events.list(session.id, types=["agent.message", "user.message"])
    assert {e.type async for e in listed} == {"agent.message", "user.message"}


async def test_list_in_descending_order(
    client: qa.AsyncQoder, session: qa.AsyncSession, emulator: Emulator
) -> None:
    await finished_turn(session, emulator)
    newest_first = [e.id async for e in client.sessions.events.list(session.id, order="desc")]
    assert newest_first == [e["id"] for e in reversed(emulator.log(session.id))]


async def test_list_after_an_event_id(
    client: qa.AsyncQoder, session: qa.AsyncSession, emulator: Emulator
) -> None:
    await finished_turn(session, emulator)
    log = [e["id"] for e in emulator.log(session.id)]
    page = await client.sessions.events.list(session.id, after_id=log[2], limit=2)
    assert [e.id for e in page] == log[3:5]


async def test_list_filters_by_creation_time(
    client: qa.AsyncQoder, session: qa.AsyncSession, emulator: Emulator
) -> None:
    await finished_turn(session, emulator)
    first = (await client.sessions.events.list(session.id, limit=1)).data[0]
    assert first.raw.get("created_at")
    later = client.sessions.events.list(session.id, created_at_gt=first.raw["created_at"])
    assert first.id not in [e.id async for e in later]


async def test_list_with_a_page_and_an_after_id_is_invalid(
    client: qa.AsyncQoder, session: qa.AsyncSession, emulator: Emulator
) -> None:
    await finished_turn(session, emulator)
    first = await client.sessions.events.list(session.id, limit=1)
    assert first.next_page is not None
    assert first.last_id is not None
    with pytest.raises(qa.InvalidRequestError):
        await client.sessions.events.list(session.id, page=first.next_page, after_id=first.last_id)


async def test_list_limit_over_100_is_invalid(
    client: qa.AsyncQoder, session: qa.AsyncSession
) -> None:
    with pytest.raises(qa.InvalidRequestError):
        await client.sessions.events.list(session.id, limit=101)


async def test_list_of_an_unknown_session_is_not_found(client: qa.AsyncQoder) -> None:
    with pytest.raises(qa.NotFoundError):
        await client.sessions.events.list(UNKNOWN)


async def test_stream_yields_the_events_of_a_turn(
    client: qa.AsyncQoder, session: qa.AsyncSession
) -> None:
    async with client.sessions.events.stream(session.id) as stream:
        await session.send("hello")
        types = []
        async for event in stream:
            types.append(event.type)
            if event.type == "session.status_idle":
                break
    assert (types[0], "agent.message" in types) == ("user.message", True)


async def test_stream_replays_what_followed_last_event_id(
    client: qa.AsyncQoder, session: qa.AsyncSession, emulator: Emulator
) -> None:
    await finished_turn(session, emulator)
    log = [e["id"] for e in emulator.log(session.id)]
    async with client.sessions.events.stream(session.id, last_event_id=log[-3]) as stream:
        replayed = [(await stream.__anext__()).id for _ in range(2)]
    assert replayed == log[-2:]


async def test_stream_ends_when_the_session_is_deleted(
    client: qa.AsyncQoder, session: qa.AsyncSession
) -> None:
    async with client.sessions.events.stream(session.id) as stream:
        await client.sessions.delete(session.id)
        types = [event.type async for event in stream]
    assert types[-1] == "session.deleted"


async def test_stream_of_an_unknown_session_is_not_found(client: qa.AsyncQoder) -> None:
    with pytest.raises(qa.NotFoundError):
        async with client.sessions.events.stream(UNKNOWN):
            pass


async def test_stream_of_an_archived_session_ends_at_once(
    client: qa.AsyncQoder, session: qa.AsyncSession
) -> None:
    await session.archive()
    with anyio.fail_after(5):
        async with client.sessions.events.stream(session.id) as stream:
            assert [event.type async for event in stream] == []


def ends_for_good(text: str, context: TurnContext) -> Iterator[dict[str, Any]]:
    """An agent whose first turn terminates the session."""
    yield {"type": "agent.message", "content": [{"type": "text", "text": "goodbye"}]}
    yield {"type": "session.status_terminated"}


@pytest.fixture(scope="module")
def terminating_emulator() -> Iterator[Emulator]:
    with Emulator(agent=ends_for_good) as emu:
        yield emu


async def test_stream_of_a_terminated_session_ends_at_once(
    terminating_emulator: Emulator,
) -> None:
    created = terminating_emulator.new_session()
    async with qa.AsyncQoder(
        "token", terminating_emulator.base_url, retry_policy=qa.RetryPolicy.instant()
    ) as client:
        session = client.session(created["id"])
        await session.send("hello")
        await anyio.to_thread.run_sync(terminating_emulator.wait_idle, session.id)
        assert (await session.refresh()).status == "terminated"
        with anyio.fail_after(5):
            async with session.events() as stream:
                assert [event.type async for event in stream] == []
