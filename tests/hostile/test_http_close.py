"""Closing the client ends what runs on it with a clear error, never a hang or httpx's
"Cannot send a request, as the client has been closed"."""

from __future__ import annotations

import anyio
import pytest

import qoder_async as qa
from tests.hostile._server import Connection, raw_server, sse_response

pytestmark = pytest.mark.anyio

TOKEN = "qoder-test-token-5ecret"
IDLE = b'id: ev_1\ndata: {"id": "ev_1", "type": "session.status_idle"}\n\n'


def quiet_stream(conn: Connection) -> None:
    """An event stream that sends one event, then stays open and silent."""
    conn.send(sse_response() + IDLE)
    conn.hold(10)


async def end_of_a_stream_when_closed(client: qa.AsyncQoder) -> list[object]:
    """Follow a stream, close the client after its first event; what the loop ended with."""
    seen: list[object] = []

    async def follow() -> None:
        try:
            async for event in client.session("sess_1").events():
                seen.append(event)
        except Exception as exc:  # the error the stream ends with is what the test checks
            seen.append(exc)
        else:
            seen.append("end")

    with anyio.fail_after(5):
        async with anyio.create_task_group() as tg:
            tg.start_soon(follow)
            while not seen:  # noqa: ASYNC110  (a list the follower fills is the simplest probe)
                await anyio.sleep(0.01)
            await client.aclose()
    return seen


async def test_closing_the_client_ends_a_running_stream_with_client_closed_error() -> None:
    with raw_server(quiet_stream) as server:
        client = qa.AsyncQoder(TOKEN, server.base_url, retry_policy=qa.RetryPolicy.instant())
        seen = await end_of_a_stream_when_closed(client)
    assert isinstance(seen[-1], qa.ClientClosedError)


async def test_closing_the_client_during_a_reconnect_backoff_ends_the_stream() -> None:
    def once_then_refuse(conn: Connection) -> None:
        if conn.index == 0:
            conn.send(sse_response() + IDLE)  # then close: the stream waits, then reconnects

    policy = qa.RetryPolicy(stream_initial_delay=0.3)
    with raw_server(once_then_refuse) as server:
        client = qa.AsyncQoder(TOKEN, server.base_url, retry_policy=policy)
        seen = await end_of_a_stream_when_closed(client)
    assert isinstance(seen[-1], qa.ClientClosedError)


async def test_a_request_after_aclose_raises_client_closed_error() -> None:
    with raw_server(quiet_stream) as server:
        client = qa.AsyncQoder(TOKEN, server.base_url)
        await client.aclose()
        with pytest.raises(qa.ClientClosedError, match="closed"):
            await client.models.list()
    assert server.requests == []


async def test_a_request_on_a_copy_after_the_original_closed_raises_client_closed_error() -> None:
    with raw_server(quiet_stream) as server:
        client = qa.AsyncQoder(TOKEN, server.base_url)
        copy = client.with_options(max_retries=0)
        await client.aclose()
        with pytest.raises(qa.ClientClosedError):
            await copy.agents.retrieve("agent_1")


async def test_a_stream_opened_after_aclose_raises_client_closed_error() -> None:
    with raw_server(quiet_stream) as server:
        client = qa.AsyncQoder(TOKEN, server.base_url)
        await client.aclose()
        with pytest.raises(qa.ClientClosedError):
            await client.session("sess_1").events().open()
