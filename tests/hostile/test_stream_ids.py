"""Ids are opaque: a server whose ids do not sort by time, repeat the cursor, are numbers or
are missing still gets every event delivered exactly once, with the right cursor."""

from __future__ import annotations

import json
import secrets

import anyio
import pytest

import qoder_async as qa
from tests.hostile._server import Connection, raw_server, sse_response

pytestmark = pytest.mark.anyio

PATH = "/sessions/sess_hostile/events/stream"


def frame(
    event_id: object, text: str = "", *, line_id: str | None = None, kind: str = "agent.message"
) -> bytes:
    body: dict[str, object] = {"type": kind, "content": [{"type": "text", "text": text}]}
    if event_id is not ...:
        body["id"] = event_id
    head = f"id: {line_id}\n" if line_id is not None else ""
    return f"{head}event: {kind}\ndata: {json.dumps(body)}\n\n".encode()


def client_of(base_url: str) -> qa.AsyncQoder:
    return qa.AsyncQoder("t", base_url, retry_policy=qa.RetryPolicy.instant())


async def collect(stream: qa.EventStream, n: int) -> list[qa.Event]:
    events: list[qa.Event] = []
    with anyio.fail_after(10):
        async for event in stream:
            events.append(event)
            if len(events) == n:
                break
    return events


async def test_random_ids_are_delivered_past_the_dedupe_window() -> None:
    ids = [secrets.token_hex(16) for _ in range(300)]  # random 128-bit ids, in no order

    def handler(conn: Connection) -> None:
        conn.send(sse_response() + b"".join(frame(i, i) for i in ids))
        conn.hold(10)

    with raw_server(handler) as server:
        async with (
            client_of(server.base_url) as client,
            qa.EventStream(client._http, PATH) as stream,
        ):
            events = await collect(stream, len(ids))
    assert [e.id for e in events] == ids


async def test_an_inclusive_replay_of_the_starting_cursor_is_not_yielded() -> None:
    def handler(conn: Connection) -> None:
        # This server resumes *at* Last-Event-ID, not after it.
        assert conn.request.headers["last-event-id"] == "evt_b"
        conn.send(sse_response() + frame("evt_b", "b") + frame("evt_c", "c"))
        conn.hold(10)

    with raw_server(handler) as server:
        async with (
            client_of(server.base_url) as client,
            qa.EventStream(client._http, PATH, last_event_id="evt_b") as stream,
        ):
            (event,) = await collect(stream, 1)
    assert event.id == "evt_c"


async def test_an_inclusive_replay_after_a_reconnect_is_not_yielded() -> None:
    log = [frame(f"z{n}", str(n)) for n in range(3)]

    def handler(conn: Connection) -> None:
        if conn.index == 0:
            conn.send(sse_response() + log[0] + log[1])
            return  # closed: the client reconnects with Last-Event-ID: z1
        conn.send(sse_response() + log[1] + log[2])
        conn.hold(10)

    with raw_server(handler) as server:
        async with (
            client_of(server.base_url) as client,
            qa.EventStream(client._http, PATH) as stream,
        ):
            events = await collect(stream, 3)
        assert server.requests[1].headers["last-event-id"] == "z1"
    assert [e.id for e in events] == ["z0", "z1", "z2"]


async def test_a_numeric_json_id_of_any_event_type_becomes_the_cursor_as_a_string() -> None:
    def handler(conn: Connection) -> None:
        if conn.index == 0:
            conn.send(sse_response() + frame(41) + frame(42, kind="agent.hologram"))
            return
        conn.send(sse_response() + frame(43))
        conn.hold(10)

    with raw_server(handler) as server:
        async with (
            client_of(server.base_url) as client,
            qa.EventStream(client._http, PATH) as stream,
        ):
            events = await collect(stream, 3)
        assert server.requests[1].headers["last-event-id"] == "42"
    assert [e.id for e in events] == ["41", "42", "43"]


async def test_a_null_json_id_takes_the_id_line_as_the_cursor() -> None:
    def handler(conn: Connection) -> None:
        conn.send(sse_response() + frame(None, line_id="evt_line"))
        conn.hold(10)

    with raw_server(handler) as server:
        async with (
            client_of(server.base_url) as client,
            qa.EventStream(client._http, PATH) as stream,
        ):
            (event,) = await collect(stream, 1)
            assert stream.last_event_id == "evt_line"
    assert event.id == "evt_line"


async def test_an_event_without_any_id_keeps_the_previous_cursor() -> None:
    def handler(conn: Connection) -> None:
        if conn.index == 0:
            conn.send(sse_response() + frame("evt_1", "one") + frame(..., "no id"))
            return
        conn.send(sse_response() + frame("evt_2", "two"))
        conn.hold(10)

    with raw_server(handler) as server:
        async with (
            client_of(server.base_url) as client,
            qa.EventStream(client._http, PATH) as stream,
        ):
            _, anonymous = await collect(stream, 2)
            assert (anonymous.id, stream.last_event_id) == ("", "evt_1")
            await collect(stream, 1)
        assert server.requests[1].headers["last-event-id"] == "evt_1"


async def test_a_malformed_event_moves_the_cursor_and_is_not_delivered_twice() -> None:
    bad = b'data: {"id":"evt_bad","type":"agent.message","content":5}\n\n'

    def handler(conn: Connection) -> None:
        if conn.index == 0:
            conn.send(sse_response() + frame("evt_1") + bad)
            return
        # An inclusive server replays the cursor's event: it must be the malformed one.
        conn.send(sse_response() + bad + frame("evt_2"))
        conn.hold(10)

    with raw_server(handler) as server:
        async with (
            client_of(server.base_url) as client,
            qa.EventStream(client._http, PATH) as stream,
        ):
            events = await collect(stream, 3)
        assert server.requests[1].headers["last-event-id"] == "evt_bad"
    assert [(type(e), e.id) for e in events] == [
        (qa.AgentMessage, "evt_1"),
        (qa.MalformedEvent, "evt_bad"),
        (qa.AgentMessage, "evt_2"),
    ]
