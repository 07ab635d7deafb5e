"""Error statuses from a server that is not the API: messages keep the server's words, stay
bounded, and never show the token, even when the server echoes it back."""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from urllib.parse import quote

import pytest

import qoder_async as qa
from tests.hostile._server import Connection, http_response, raw_server

pytestmark = pytest.mark.anyio

TOKEN = "qoder-test-token-5ecret"


def answer(data: bytes) -> Callable[[Connection], None]:
    """A handler that sends the same bytes to every request."""

    def handle(conn: Connection) -> None:
        conn.send(data)

    return handle


def connect(base_url: str) -> qa.AsyncQoder:
    return qa.AsyncQoder(TOKEN, base_url, max_retries=0, retry_policy=qa.RetryPolicy.instant())


async def fail_with(reply: bytes) -> qa.APIStatusError:
    with raw_server(answer(reply)) as server:
        async with connect(server.base_url) as client:
            with pytest.raises(qa.APIStatusError) as caught:
                await client.models.list()
    return caught.value


# --- bounded, with the server's words -----------------------------------------------------


async def test_a_4_mb_error_body_makes_a_bounded_message() -> None:
    body = b"x" * (4 * 1024 * 1024)
    error = await fail_with(http_response(500, body, content_type="text/plain"))
    assert len(str(error)) < 1100
    assert str(error).endswith("…")
    assert error.body == body.decode()


async def test_a_4_mb_envelope_message_is_bounded_too() -> None:
    envelope = {"type": "error", "error": {"type": "api_error", "message": "y" * 4_000_000}}
    error = await fail_with(http_response(400, json.dumps(envelope).encode()))
    assert len(error.message) <= 1000
    assert error.body == envelope


@pytest.mark.parametrize(
    "body",
    [
        {"message": "quota exceeded for this org"},
        {"error": "quota exceeded for this org"},
        {"detail": "quota exceeded for this org"},
    ],
)
async def test_a_json_error_that_is_not_an_envelope_keeps_the_servers_text(
    body: dict[str, str],
) -> None:
    error = await fail_with(http_response(403, json.dumps(body).encode()))
    assert isinstance(error, qa.PermissionDeniedError)
    assert error.message == "quota exceeded for this org"


async def test_a_structured_detail_is_kept_as_json_text() -> None:
    body = {"detail": [{"loc": ["body", "name"], "msg": "field required"}]}
    error = await fail_with(http_response(422, json.dumps(body).encode()))
    assert "field required" in error.message


# --- the token, echoed back -----------------------------------------------------------------


def echo_token(template: bytes, status: int = 401) -> Callable[[Connection], None]:
    """A handler whose error body repeats the request's Authorization header."""

    def handle(conn: Connection) -> None:
        auth = conn.request.headers.get("authorization", "").encode()
        conn.send(http_response(status, template.replace(b"AUTH", auth)))

    return handle


def texts(error: BaseException) -> str:
    return str(error) + repr(error) + repr(getattr(error, "request", None))


async def test_a_token_echoed_in_an_error_envelope_is_redacted() -> None:
    template = b'{"type":"error","error":{"type":"authentication_error","message":"bad AUTH"}}'
    with raw_server(echo_token(template)) as server:
        async with connect(server.base_url) as client:
            with pytest.raises(qa.AuthenticationError) as caught:
                await client.models.list()
    assert TOKEN not in texts(caught.value)
    assert "bad Bearer [redacted]" in str(caught.value)
    assert TOKEN in json.dumps(caught.value.body)  # the full body stays on the exception


async def test_a_token_echoed_in_a_plain_error_body_is_redacted() -> None:
    with raw_server(echo_token(b'{"message": "token AUTH refused"}', 403)) as server:
        async with connect(server.base_url) as client:
            with pytest.raises(qa.PermissionDeniedError) as caught:
                await client.models.list()
    assert TOKEN not in texts(caught.value)
    assert "[redacted]" in caught.value.message


async def test_a_token_echoed_in_the_request_id_header_is_redacted() -> None:
    def handle(conn: Connection) -> None:
        auth = conn.request.headers["authorization"]
        conn.send(http_response(500, b"{}", {"x-request-id": f"req {auth}"}))

    with raw_server(handle) as server:
        async with connect(server.base_url) as client:
            with pytest.raises(qa.InternalServerError) as caught:
                await client.models.list()
    assert TOKEN not in texts(caught.value)
    assert caught.value.request_id == "req Bearer [redacted]"


async def test_a_redirect_to_a_url_with_the_token_is_redacted() -> None:
    def handle(conn: Connection) -> None:
        location = f"https://login.example/?next=/v1&token={quote(TOKEN, safe='')}"
        conn.send(http_response(302, b"", {"Location": location}, content_type="text/plain"))

    with raw_server(handle) as server:
        async with connect(server.base_url) as client:
            with pytest.raises(qa.APIStatusError) as caught:
                await client.models.list()
    assert TOKEN not in texts(caught.value)
    assert "redirect to https://login.example/" in str(caught.value)


async def test_an_html_answer_echoing_the_token_is_redacted() -> None:
    def handle(conn: Connection) -> None:
        auth = conn.request.headers["authorization"].encode()
        conn.send(http_response(200, b"<html>" + auth + b"</html>", content_type="text/html"))

    with raw_server(handle) as server:
        async with connect(server.base_url) as client:
            with pytest.raises(qa.UnexpectedResponseError) as caught:
                await client.models.list()
    assert TOKEN not in texts(caught.value)
    assert TOKEN not in caught.value.body_preview


async def test_a_stream_refused_with_the_token_never_shows_it_in_errors_or_logs(
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)
    template = b'{"type":"error","error":{"type":"api_error","message":"down for AUTH"}}'
    with raw_server(echo_token(template, 503)) as server:
        async with connect(server.base_url) as client:
            with pytest.raises(qa.StreamError) as caught:
                async for _ in client.session("sess_1").events():
                    pass
    assert len(server.requests) > 1  # it did retry, and logged each time
    assert TOKEN not in texts(caught.value) + texts(caught.value.__cause__ or caught.value)
    assert TOKEN not in caplog.text
    assert "[redacted]" in caplog.text
