"""A success status with an answer that is not what was asked raises at once, saying what
arrived, instead of a JSON or gzip error from below or a reconnect loop."""

from __future__ import annotations

import json
from collections.abc import Callable

import pytest

import qoder_async as qa
from tests.hostile._server import Connection, http_head, http_response, raw_server

pytestmark = pytest.mark.anyio

TOKEN = "qoder-test-token-5ecret"
PORTAL = b"<html><head><title>Hotel WiFi</title></head><body>Please log in</body></html>"


def answer(data: bytes) -> Callable[[Connection], None]:
    """A handler that sends the same bytes to every request."""

    def handle(conn: Connection) -> None:
        conn.send(data)

    return handle


def connect(base_url: str) -> qa.AsyncQoder:
    return qa.AsyncQoder(TOKEN, base_url, retry_policy=qa.RetryPolicy.instant())


async def test_html_page_on_a_json_call_raises_unexpected_response() -> None:
    page = http_response(200, PORTAL, content_type="text/html; charset=utf-8")
    with raw_server(answer(page)) as server:
        async with connect(server.base_url) as client:
            with pytest.raises(qa.UnexpectedResponseError) as caught:
                await client.models.list()
    error = caught.value
    assert error.status_code == 200
    assert error.content_type == "text/html; charset=utf-8"
    assert error.body_preview.startswith("<html><head><title>Hotel WiFi")
    assert "text/html" in str(error)
    assert "Hotel WiFi" in str(error)
    assert len(server.requests) == 1  # not retried


async def test_html_page_on_an_endpoint_call_raises_unexpected_response() -> None:
    page = http_response(200, PORTAL, content_type="text/html")
    with raw_server(answer(page)) as server:
        async with connect(server.base_url) as client:
            with pytest.raises(qa.UnexpectedResponseError, match="Hotel WiFi"):
                await client.agents.retrieve("agent_1")


async def test_error_envelope_with_status_200_raises_with_its_message() -> None:
    envelope = {"type": "error", "error": {"type": "api_error", "message": "backend down"}}
    with raw_server(answer(http_response(200, json.dumps(envelope).encode()))) as server:
        async with connect(server.base_url) as client:
            with pytest.raises(qa.UnexpectedResponseError) as caught:
                await client.agents.retrieve("agent_1")
    assert "backend down" in str(caught.value)
    assert caught.value.body == envelope


async def test_json_of_the_wrong_shape_raises_unexpected_response() -> None:
    with raw_server(answer(http_response(200, b'["not", "an", "agent"]'))) as server:
        async with connect(server.base_url) as client:
            with pytest.raises(qa.UnexpectedResponseError, match="Agent"):
                await client.agents.retrieve("agent_1")


async def test_corrupt_gzip_body_raises_unexpected_response() -> None:
    garbage = b"\x1f\x8b\x08\x00this is not gzip at all"
    reply = http_response(200, garbage, {"Content-Encoding": "gzip"})
    with raw_server(answer(reply)) as server:
        async with connect(server.base_url) as client:
            with pytest.raises(qa.UnexpectedResponseError) as caught:
                await client.models.list()
    assert caught.value.content_type == "application/json"
    assert len(server.requests) == 1


async def test_stream_answered_with_html_raises_at_once_without_reconnecting() -> None:
    page = http_response(200, PORTAL, content_type="text/html")
    with raw_server(answer(page)) as server:
        async with connect(server.base_url) as client:
            with pytest.raises(qa.UnexpectedResponseError) as caught:
                async for _ in client.session("sess_1").events():
                    pass
    assert "event stream" in str(caught.value)
    assert "Hotel WiFi" in caught.value.body_preview
    assert len(server.requests) == 1


async def test_stream_with_a_body_that_never_ends_and_a_wrong_type_still_raises() -> None:
    def handle(conn: Connection) -> None:
        conn.send(http_head(200, {"Content-Type": "application/octet-stream"}) + b"\x00" * 10)
        conn.hold(5)

    with raw_server(handle) as server, pytest.raises(qa.UnexpectedResponseError):
        async with connect(server.base_url) as client:
            await client.session("sess_1").events().open()


async def test_stream_with_a_corrupt_gzip_body_raises_unexpected_response() -> None:
    head = http_head(200, {"Content-Type": "text/event-stream", "Content-Encoding": "gzip"})
    with raw_server(answer(head + b"\x1f\x8b\x08\x00garbage, not deflate")) as server:
        async with connect(server.base_url) as client:
            with pytest.raises(qa.UnexpectedResponseError, match="event stream"):
                async for _ in client.session("sess_1").events():
                    pass
    assert len(server.requests) == 1
