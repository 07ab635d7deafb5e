"""No hint or size from a server can stall the client or fill its memory."""

from __future__ import annotations

import json

import anyio
import pytest

import qoder_async as qa
from tests.hostile._server import Connection, http_response, raw_server, sse_response

pytestmark = pytest.mark.anyio

PATH = "/sessions/sess_hostile/events/stream"
EVENT = b'id: evt_1\nevent: agent.thinking\ndata: {"id":"evt_1","type":"agent.thinking"}\n\n'
LATER = b'id: evt_2\nevent: agent.thinking\ndata: {"id":"evt_2","type":"agent.thinking"}\n\n'


async def first_events(client: qa.AsyncQoder, n: int, seconds: float) -> list[qa.Event]:
    events: list[qa.Event] = []
    with anyio.fail_after(seconds):
        async with qa.EventStream(client._http, PATH) as stream:
            async for event in stream:
                events.append(event)
                if len(events) == n:
                    break
    return events


async def test_a_retry_field_of_a_day_does_not_delay_the_reconnect_past_the_cap() -> None:
    def handler(conn: Connection) -> None:
        if conn.index == 0:
            conn.send(sse_response() + b"retry: 86400000\n\n" + EVENT)
            return
        conn.send(sse_response() + LATER)
        conn.hold(10)

    policy = qa.RetryPolicy(stream_initial_delay=0.0, max_retry_after=0.2)
    with raw_server(handler) as server:
        async with qa.AsyncQoder("t", server.base_url, retry_policy=policy) as client:
            events = await first_events(client, 2, seconds=5)
    assert [e.id for e in events] == ["evt_1", "evt_2"]


@pytest.mark.parametrize(
    "header",
    [
        {"Retry-After": "inf"},
        {"Retry-After": "NaN"},
        {"Retry-After": "-30"},
        {"retry-after-ms": "1e999"},
    ],
)
async def test_a_non_finite_or_negative_retry_after_is_ignored(header: dict[str, str]) -> None:
    def handler(conn: Connection) -> None:
        if conn.index == 0:
            conn.send(http_response(503, b'{"error": {"message": "busy"}}', header))
            return
        conn.send(sse_response() + EVENT)
        conn.hold(10)

    policy = qa.RetryPolicy(stream_initial_delay=0.0, stream_max_delay=0.0, max_retry_after=30)
    with raw_server(handler) as server:
        async with qa.AsyncQoder("t", server.base_url, retry_policy=policy) as client:
            (event,) = await first_events(client, 1, seconds=5)
    assert event.id == "evt_1"


@pytest.mark.parametrize(
    "endless",
    [
        b"data: " + b"x" * 65536,  # a line that never ends
        b"data: x\n" * 8192,  # an event that never ends (a data line, again and again)
    ],
    ids=["line", "event"],
)
async def test_an_event_that_never_ends_raises_event_too_large(endless: bytes) -> None:
    def handler(conn: Connection) -> None:
        conn.send(sse_response() + EVENT)
        while conn.send(endless):  # until the client gives up
            pass

    with raw_server(handler) as server:
        async with qa.AsyncQoder(
            "t", server.base_url, retry_policy=qa.RetryPolicy.instant(), max_event_size=1 << 20
        ) as client:
            events: list[qa.Event] = []

            async def consume() -> None:
                async with qa.EventStream(client._http, PATH) as stream:
                    async for event in stream:
                        events.append(event)

            with anyio.fail_after(10), pytest.raises(qa.EventTooLargeError) as caught:
                await consume()
        assert len(server.requests) == 1  # resuming would only get the same event again
    assert [e.id for e in events] == ["evt_1"]
    assert caught.value.last_event_id == "evt_1"
    assert caught.value.limit == 1 << 20
    assert "1,048,576 bytes" in str(caught.value)


async def test_an_event_of_exactly_the_maximum_size_arrives_whole() -> None:
    text = "y" * 200_000
    body = json.dumps(
        {"id": "evt_big", "type": "agent.message", "content": [{"type": "text", "text": text}]}
    ).encode()

    def handler(conn: Connection) -> None:
        wire = b"data: " + body + b"\n\n"
        conn.send(sse_response())
        conn.send_slowly(wire[i : i + 1000] for i in range(0, len(wire), 1000))
        conn.hold(10)

    with raw_server(handler) as server:
        async with qa.AsyncQoder(
            "t",
            server.base_url,
            retry_policy=qa.RetryPolicy.instant(),
            max_event_size=len(body) + 6,
        ) as client:
            (event,) = await first_events(client, 1, seconds=10)
    assert isinstance(event, qa.AgentMessage)
    assert event.text == text


async def test_a_stream_that_ends_at_once_forever_reconnects_at_a_bounded_rate() -> None:
    def handler(conn: Connection) -> None:
        conn.send(sse_response())  # and closed at once, with no event

    policy = qa.RetryPolicy(
        stream_initial_delay=0.05, stream_max_delay=0.2, stream_max_failures=1000
    )
    with raw_server(handler) as server:
        async with qa.AsyncQoder("t", server.base_url, retry_policy=policy) as client:
            with anyio.move_on_after(1.5):
                async with qa.EventStream(client._http, PATH) as stream:
                    async for _ in stream:
                        pass
        connections = len(server.requests)
    # Backoff 0.05 s doubling to 0.2 s (each drawn from the upper half): at most ~13 in
    # 1.5 s; an unbounded loop would make thousands.
    assert 2 <= connections <= 20
