"""The event stream: resumable, never a duplicate or a gap, never hung, closed promptly."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

import anyio
import httpx
import pytest

import qoder_async as qa
from qoder_async.testing import Emulator, StreamFault

WaitUntil = Callable[[Callable[[], bool]], Awaitable[None]]

pytestmark = pytest.mark.anyio


def make_events(n: int, tag: str = "e") -> list[dict[str, object]]:
    return [
        {"type": "agent.message", "content": [{"type": "text", "text": f"{tag}{i}"}]}
        for i in range(n)
    ]


@pytest.fixture
def bound(client: qa.AsyncQoder, emulator: Emulator) -> qa.AsyncSession:
    """A session made without HTTP, bound to the client."""
    return client.session(emulator.new_session()["id"])


async def collect(stream: qa.EventStream, n: int) -> list[qa.Event]:
    events = []
    with anyio.fail_after(20):
        async for event in stream:
            events.append(event)
            if len(events) == n:
                break
    return events


async def test_stream_starts_live_without_last_event_id(
    bound: qa.AsyncSession, emulator: Emulator
) -> None:
    emulator.append_events(bound.id, make_events(3, "old"))
    async with bound.events() as stream:
        emulator.append_events(bound.id, make_events(2, "new"))
        events = await collect(stream, 2)
    assert [e.text for e in events if isinstance(e, qa.AgentMessage)] == ["new0", "new1"]


async def test_last_event_id_replays_what_followed(
    bound: qa.AsyncSession, emulator: Emulator
) -> None:
    stored = emulator.append_events(bound.id, make_events(5))
    async with bound.events(last_event_id=stored[1]["id"]) as stream:
        events = await collect(stream, 3)
    assert [e.id for e in events] == [s["id"] for s in stored[2:]]


async def test_resume_across_dropped_connections_loses_and_repeats_nothing(
    bound: qa.AsyncSession, emulator: Emulator
) -> None:
    emulator.stream_faults(
        bound.id,
        [
            StreamFault(drop_after=3),
            StreamFault(drop_after=4, drop_mid_frame=True),
            StreamFault(drop_after=0),
            StreamFault(drop_after=7, drop_mid_frame=True),
        ],
    )
    async with bound.events() as stream:
        emulator.append_events(bound.id, make_events(40))
        events = await collect(stream, 40)
    assert [e.id for e in events] == [e["id"] for e in emulator.log(bound.id)][-40:]
    assert stream.reconnects == 4


async def test_resume_sends_the_last_event_id(bound: qa.AsyncSession, emulator: Emulator) -> None:
    emulator.stream_faults(bound.id, [StreamFault(drop_after=2)])
    since = len(emulator.requests)
    async with bound.events() as stream:
        emulator.append_events(bound.id, make_events(3))
        events = await collect(stream, 3)
    streams = [r for r in emulator.requests[since:] if r.path.endswith("/events/stream")]
    assert streams[1].headers["last-event-id"] == events[1].id


async def test_a_stall_past_the_idle_timeout_reconnects(
    bound: qa.AsyncSession, emulator: Emulator
) -> None:
    emulator.stream_faults(bound.id, [StreamFault(stall=30, stall_after=1)])
    started = anyio.current_time()
    async with bound.events(idle_timeout=0.5) as stream:
        emulator.append_events(bound.id, make_events(3))
        events = await collect(stream, 3)
    assert len({e.id for e in events}) == 3
    assert anyio.current_time() - started < 10
    assert stream.reconnects >= 1


async def test_heartbeats_keep_a_quiet_stream_alive(
    bound: qa.AsyncSession, emulator: Emulator
) -> None:
    emulator.set_stream_options(bound.id, heartbeat_ms=100)
    async with bound.events(idle_timeout=0.5) as stream:
        await anyio.sleep(1.5)
        emulator.append_events(bound.id, make_events(1))
        await collect(stream, 1)
    assert stream.reconnects == 0


async def test_odd_wire_formats_decode_the_same(bound: qa.AsyncSession, emulator: Emulator) -> None:
    emulator.set_stream_options(
        bound.id,
        line_ending="\r",
        bom=True,
        multiline_data=True,
        omit_event_line=True,
        omit_data_id=True,
    )
    async with bound.events() as stream:
        stored = emulator.append_events(bound.id, make_events(3))
        events = await collect(stream, 3)
    assert [(e.id, e.type) for e in events] == [(s["id"], s["type"]) for s in stored]


async def test_unknown_types_and_fields_are_kept(
    bound: qa.AsyncSession, emulator: Emulator
) -> None:
    async with bound.events() as stream:
        emulator.append_events(
            bound.id,
            [
                {"type": "agent.hologram", "depth": 3},
                {"type": "agent.thinking", "mood": "curious"},
            ],
        )
        unknown, thinking = await collect(stream, 2)
    assert isinstance(unknown, qa.UnknownEvent)
    assert (unknown.type, unknown.raw["depth"]) == ("agent.hologram", 3)
    assert isinstance(thinking, qa.AgentThinking)
    assert thinking.raw["mood"] == "curious"


async def test_a_one_mebibyte_event_arrives_whole(
    bound: qa.AsyncSession, emulator: Emulator
) -> None:
    text = "é" * (1 << 19)
    async with bound.events() as stream:
        emulator.append_events(
            bound.id, [{"type": "agent.message", "content": [{"type": "text", "text": text}]}]
        )
        (event,) = await collect(stream, 1)
    assert isinstance(event, qa.AgentMessage)
    assert event.text == text


async def test_breaking_out_of_the_loop_closes_the_connection(
    bound: qa.AsyncSession, emulator: Emulator, wait_until: WaitUntil
) -> None:
    before = emulator.open_streams
    stream = bound.events()
    await stream.open()
    emulator.append_events(bound.id, make_events(2))
    async for _ in stream:
        break
    del stream
    await wait_until(lambda: emulator.open_streams == before)


async def test_cancelling_the_task_closes_the_connection(
    bound: qa.AsyncSession, emulator: Emulator, wait_until: WaitUntil
) -> None:
    before = emulator.open_streams
    opened = anyio.Event()

    async def consume() -> None:
        async with bound.events() as stream:
            opened.set()
            async for _ in stream:
                pass

    async with anyio.create_task_group() as tg:
        tg.start_soon(consume)
        await opened.wait()
        assert emulator.open_streams == before + 1
        tg.cancel_scope.cancel()
    await wait_until(lambda: emulator.open_streams == before)


async def test_closing_the_session_closes_its_streams(
    bound: qa.AsyncSession, emulator: Emulator, wait_until: WaitUntil
) -> None:
    before = emulator.open_streams
    async with bound:
        first, second = bound.events(), bound.events()
        await first.open()
        await second.open()
        assert emulator.open_streams == before + 2
    await wait_until(lambda: emulator.open_streams == before)


async def test_deleting_the_session_ends_the_stream(
    client: qa.AsyncQoder, bound: qa.AsyncSession
) -> None:
    async with bound.events() as stream:
        await client.sessions.delete(bound.id)
        with anyio.fail_after(5):
            events = [event async for event in stream]
    assert isinstance(events[-1], qa.SessionDeleted)


async def test_a_terminated_session_ends_the_stream(
    bound: qa.AsyncSession, emulator: Emulator
) -> None:
    async with bound.events() as stream:
        emulator.append_events(bound.id, [*make_events(2), {"type": "session.status_terminated"}])
        with anyio.fail_after(5):
            events = [event async for event in stream]
    assert [e.type for e in events][-1] == "session.status_terminated"


async def test_archiving_the_session_ends_the_stream(
    client: qa.AsyncQoder, bound: qa.AsyncSession
) -> None:
    async with bound.events() as stream:
        await client.sessions.archive(bound.id)
        with anyio.fail_after(10):
            async for _ in stream:
                pass


async def test_unknown_session_raises_not_found(client: qa.AsyncQoder) -> None:
    with pytest.raises(qa.NotFoundError):
        await client.session("sess_00000000000000000000000000000000").events().open()


async def test_a_retryable_status_on_connect_is_retried(
    bound: qa.AsyncSession, emulator: Emulator
) -> None:
    emulator.stream_faults(bound.id, [StreamFault(status=503), StreamFault(status=429)])
    async with bound.events() as stream:
        emulator.append_events(bound.id, make_events(1))
        assert len(await collect(stream, 1)) == 1
    assert stream.reconnects == 2


async def test_too_many_failures_raise_a_stream_error_with_the_cause(
    client: qa.AsyncQoder, bound: qa.AsyncSession, emulator: Emulator
) -> None:
    emulator.stream_faults(bound.id, [StreamFault(status=503)] * 3)
    strict = client.with_options(retry_policy=qa.RetryPolicy.instant(stream_max_failures=3))
    with pytest.raises(qa.StreamError) as caught:
        await strict.session(bound.id).events().open()
    assert isinstance(caught.value.__cause__, qa.InternalServerError)
    assert caught.value.attempts == 3


async def test_the_server_retry_field_sets_the_reconnect_delay(
    bound: qa.AsyncSession, emulator: Emulator
) -> None:
    emulator.stream_faults(bound.id, [StreamFault(retry_ms=600, drop_after=1)])
    async with bound.events() as stream:
        emulator.append_events(bound.id, make_events(1))
        await collect(stream, 1)
        started = anyio.current_time()
        emulator.append_events(bound.id, make_events(1))
        await collect(stream, 1)
    assert anyio.current_time() - started >= 0.25


async def test_shared_stream_fans_out_to_every_subscriber(
    bound: qa.AsyncSession, emulator: Emulator
) -> None:
    before = emulator.open_streams
    seen: dict[int, list[str]] = {0: [], 1: [], 2: []}

    async with bound.shared_events(buffer=2) as hub:

        async def consume(n: int, ready: anyio.Event) -> None:
            async with hub.subscribe() as events:
                ready.set()
                async for event in events:
                    seen[n].append(event.id)
                    if len(seen[n]) == 20:
                        return

        async with anyio.create_task_group() as tg:
            for n in seen:
                ready = anyio.Event()
                tg.start_soon(consume, n, ready)
                await ready.wait()
            assert emulator.open_streams == before + 1
            stored = emulator.append_events(bound.id, make_events(20))
    assert all(ids == [s["id"] for s in stored] for ids in seen.values())


def test_the_dedupe_window_drops_recent_replays_by_exact_id_in_bounded_memory() -> None:
    from qoder_async.streaming._stream import _RECENT_IDS, _Follower

    follower = _Follower(qa.AsyncQoder("t", "http://127.0.0.1:9")._http, "/x", (), None, None, None)
    ids = [f"evt_{n:032x}" for n in range(1000, 0, -1)]  # ids that sort backwards
    assert all(follower._remember(i) for i in ids)
    assert not follower._remember(ids[-1])  # inside the window
    assert not follower._remember(ids[-_RECENT_IDS])
    assert len(follower._recent) == len(follower._recent_order) == _RECENT_IDS


async def test_on_reconnect_is_told_when_the_connection_drops_and_when_it_is_back(
    bound: qa.AsyncSession, emulator: Emulator
) -> None:
    emulator.stream_faults(bound.id, [StreamFault(drop_after=2)])
    told: list[qa.Reconnect] = []
    async with bound.events(on_reconnect=told.append) as stream:
        emulator.append_events(bound.id, make_events(3))
        events = await collect(stream, 3)
    assert [(c.state, c.failures) for c in told] == [("disconnected", 0), ("reconnected", 0)]
    assert isinstance(told[0].error, httpx.RemoteProtocolError)  # the body was cut short
    assert told[1].error is None
    assert {c.url for c in told} == {f"{emulator.base_url}/sessions/{bound.id}/events/stream"}
    assert told[0].last_event_id == told[1].last_event_id == events[1].id


async def test_a_shared_stream_tells_on_reconnect_of_its_one_connection(
    bound: qa.AsyncSession, emulator: Emulator
) -> None:
    emulator.stream_faults(bound.id, [StreamFault(drop_after=2)])
    told: list[qa.Reconnect] = []
    async with bound.shared_events(on_reconnect=told.append) as hub, hub.subscribe() as events:
        emulator.append_events(bound.id, make_events(3))
        await collect(events, 3)
    assert [change.state for change in told] == ["disconnected", "reconnected"]


async def test_on_reconnect_counts_each_failed_attempt_until_one_connects(
    bound: qa.AsyncSession, emulator: Emulator
) -> None:
    emulator.stream_faults(
        bound.id, [StreamFault(drop_after=1), StreamFault(status=503), StreamFault(status=503)]
    )
    told: list[qa.Reconnect] = []
    async with bound.events(on_reconnect=told.append) as stream:
        emulator.append_events(bound.id, make_events(2))
        await collect(stream, 2)
    assert [(c.state, c.failures) for c in told] == [
        ("disconnected", 0),
        ("disconnected", 1),
        ("disconnected", 2),
        ("reconnected", 0),
    ]
    assert [type(c.error) for c in told[1:3]] == [qa.InternalServerError] * 2
    assert told[0].max_failures == 10


async def test_a_stream_that_never_drops_tells_on_reconnect_nothing(
    bound: qa.AsyncSession, emulator: Emulator
) -> None:
    told: list[qa.Reconnect] = []
    async with bound.events(on_reconnect=told.append) as stream:
        emulator.append_events(bound.id, make_events(3))
        await collect(stream, 3)
    assert told == []
