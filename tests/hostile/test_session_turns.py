"""Turns against a server that is not our emulator: ids in no order, sends answered with no
echo, 409s that do not mean "a turn is running". Each test is one behaviour."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Callable, Sequence
from contextlib import asynccontextmanager
from typing import Any

import anyio
import pytest

import qoder_async as qa

from ._server import Connection, http_response, raw_server, sse_response

pytestmark = pytest.mark.anyio

SESSION = "sess_hostile"
STREAM = f"/sessions/{SESSION}/events/stream"
EVENTS = f"/sessions/{SESSION}/events"


def frame(event_id: str, event_type: str, **fields: Any) -> bytes:
    data = json.dumps({"id": event_id, "type": event_type, **fields})
    return f"id: {event_id}\nevent: {event_type}\ndata: {data}\n\n".encode()


def user_message(event_id: str, text: str) -> dict[str, Any]:
    return {"id": event_id, "type": "user.message", "content": [{"type": "text", "text": text}]}


def agent_says(event_id: str, text: str) -> bytes:
    return frame(event_id, "agent.message", content=[{"type": "text", "text": text}])


IDLE = {"stop_reason": {"type": "end_turn"}}


def conflict(message: str) -> bytes:
    body = {"type": "error", "error": {"type": "conflict_error", "message": message}}
    return http_response(409, json.dumps(body).encode())


def session_object(status: str, archived_at: str | None = None) -> bytes:
    body = {"id": SESSION, "type": "session", "status": status, "archived_at": archived_at}
    return http_response(200, json.dumps(body).encode())


Route = Callable[[Connection], None]


def stream_of(frames: Sequence[bytes]) -> Route:
    """The stream answers these frames, then stays open and silent."""

    def serve(conn: Connection) -> None:
        conn.send(sse_response() + b": heartbeat\n\n" + b"".join(frames))
        conn.hold(30)

    return serve


def answer(data: bytes) -> Route:
    return lambda conn: conn.send(data)


@asynccontextmanager
async def serving(routes: dict[tuple[str, str], Route]) -> AsyncIterator[qa.AsyncSession]:
    def handler(conn: Connection) -> None:
        path = conn.request.path.split("?", 1)[0]
        route = routes.get((conn.request.method, path))
        if route is None:
            conn.send(http_response(404, b'{"type":"error","error":{"type":"not_found_error"}}'))
        else:
            route(conn)

    with raw_server(handler) as server:
        async with qa.AsyncQoder(
            "token", server.base_url, retry_policy=qa.RetryPolicy.instant()
        ) as client:
            yield client.session(SESSION)


# The previous turn's tail comes first on the stream; its ids sort *above* the echo's.
EARLIER_TURN = [
    agent_says("evt_f1", "an earlier answer"),
    frame("evt_f2", "session.status_idle", **IDLE),
]
THIS_TURN = [
    frame("evt_01", "user.message", content=[{"type": "text", "text": "hi"}]),
    agent_says("evt_a5", "hello"),
    frame("evt_33", "session.status_idle", **IDLE),
]


async def test_turn_starts_at_its_echo_even_when_earlier_ids_sort_above_it() -> None:
    echo = json.dumps({"data": [user_message("evt_01", "hi")]}).encode()
    routes = {
        ("GET", STREAM): stream_of(EARLIER_TURN + THIS_TURN),
        ("POST", EVENTS): answer(http_response(200, echo)),
    }
    async with serving(routes) as session:
        with anyio.fail_after(5):
            result = await session.ask("hi")
    assert [e.id for e in result.events] == ["evt_01", "evt_a5", "evt_33"]


async def test_turn_without_an_echo_in_the_answer_starts_at_its_user_message() -> None:
    routes = {
        ("GET", STREAM): stream_of(EARLIER_TURN + THIS_TURN),
        ("POST", EVENTS): answer(http_response(200, b'{"data": []}')),
    }
    async with serving(routes) as session:
        with anyio.fail_after(5):
            result = await session.ask("hi")
    assert (result.text, result.events[0].id) == ("hello", "evt_01")


async def test_turn_after_a_202_with_an_empty_body_starts_at_its_user_message() -> None:
    routes = {
        ("GET", STREAM): stream_of(EARLIER_TURN + THIS_TURN),
        ("POST", EVENTS): answer(http_response(202, b"")),
    }
    async with serving(routes) as session:
        with anyio.fail_after(5):
            result = await session.ask("hi")
    assert (result.text, result.events[0].id) == ("hello", "evt_01")


ARCHIVED = "Session 'sess_hostile' is archived and cannot accept events."


async def test_ask_on_an_archived_session_raises_at_once() -> None:
    routes = {("GET", STREAM): stream_of([]), ("POST", EVENTS): answer(conflict(ARCHIVED))}
    async with serving(routes) as session:
        with anyio.fail_after(5), pytest.raises(qa.ConflictError, match="archived"):
            await session.ask("hi")


async def test_send_waiting_for_idle_on_an_archived_session_raises_at_once() -> None:
    routes = {("GET", STREAM): stream_of([]), ("POST", EVENTS): answer(conflict(ARCHIVED))}
    async with serving(routes) as session:
        with anyio.fail_after(5), pytest.raises(qa.ConflictError, match="archived"):
            await session.send("hi", wait_idle=True)


async def test_an_unfamiliar_409_on_an_idle_session_raises_at_once() -> None:
    routes = {
        ("GET", STREAM): stream_of([]),
        ("POST", EVENTS): answer(conflict("Conflict.")),
        ("GET", f"/sessions/{SESSION}"): answer(session_object("idle")),
    }
    async with serving(routes) as session:
        with anyio.fail_after(5), pytest.raises(qa.ConflictError, match="Conflict"):
            await session.send("hi", wait_idle=True)


async def test_an_unfamiliar_409_on_an_archived_session_raises_at_once() -> None:
    routes = {
        ("GET", STREAM): stream_of([]),
        ("POST", EVENTS): answer(conflict("Conflict.")),
        ("GET", f"/sessions/{SESSION}"): answer(session_object("idle", "2026-05-18T00:00:00Z")),
    }
    async with serving(routes) as session:
        with anyio.fail_after(5), pytest.raises(qa.ConflictError):
            await session.ask("hi")
