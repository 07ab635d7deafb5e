"""The outer ASGI layer: recording, request ids, auth, request faults and idempotency."""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import json
import re
import time
import uuid
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from starlette.datastructures import MutableHeaders
from starlette.responses import PlainTextResponse

from ._core import Core, IdempotencyEntry
from ._errors import ApiError
from ._recording import RecordedRequest
from ._responses import REQUEST_ID_KEY, error_response
from ._service_accounts import EXCHANGE_PATH
from .routes._files import STORAGE_PREFIX

if TYPE_CHECKING:
    from starlette.types import ASGIApp, Message, Receive, Scope, Send

__all__ = ["Gateway", "is_stream_path"]

IDEMPOTENCY_TTL = 24 * 3600.0
MAX_BODY = 32 * 1024 * 1024
_BEARER = re.compile(r"^\s*bearer\s+(\S+)\s*$", re.IGNORECASE)
_STREAM_PATH = re.compile(r"/(events/stream|threads/[^/]+/stream)$")
# Replays of these would hide a state the client must see again (busy turn, rate limit, outage).
_NOT_REMEMBERED = frozenset({409, 429})


def is_stream_path(path: str) -> bool:
    """Whether a path names an SSE endpoint (stream faults apply there, request faults don't)."""
    return _STREAM_PATH.search(path) is not None


@dataclass
class _Captured:
    status: int = 0
    headers: list[tuple[bytes, bytes]] = field(default_factory=list)
    body: bytearray = field(default_factory=bytearray)


async def _capture(app: ASGIApp, scope: Scope, receive: Receive) -> _Captured:
    """Run an ASGI app and keep its response instead of sending it."""
    captured = _Captured()

    async def collect(message: Message) -> None:
        if message["type"] == "http.response.start":
            captured.status = message["status"]
            captured.headers = list(message.get("headers", []))
        elif message["type"] == "http.response.body":
            captured.body.extend(message.get("body", b""))

    await app(scope, receive, collect)
    return captured


def _fingerprint(method: str, path: str, query: bytes, body: bytes) -> str:
    try:
        canonical = json.dumps(json.loads(body), sort_keys=True, separators=(",", ":")).encode()
    except (ValueError, UnicodeDecodeError):
        canonical = body
    digest = hashlib.sha256()
    for part in (method.encode(), path.encode(), query, canonical):
        digest.update(part)
        digest.update(b"\0")
    return digest.hexdigest()


class Gateway:
    """Wraps the router with what the real API does in front of its handlers."""

    def __init__(self, app: ASGIApp, core: Core) -> None:
        self.app = app
        self.core = core

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers: dict[str, str] = {}
        for raw_name, raw_value in scope["headers"]:
            name, value = raw_name.decode("latin-1").lower(), raw_value.decode("latin-1")
            headers[name] = f"{headers[name]}, {value}" if name in headers else value
        request_id = headers.get("x-request-id") or str(uuid.uuid4())
        scope[REQUEST_ID_KEY] = request_id
        method: str = scope["method"]
        path: str = scope["path"]
        streaming = is_stream_path(path)

        body = b"" if streaming else await self._read_body(receive)
        too_large = len(body) > MAX_BODY
        self.core.requests.add(
            RecordedRequest(
                method, path, scope.get("query_string", b"").decode("latin-1"), headers, body
            )
        )
        send = self._with_request_id(send, request_id)
        if not streaming:
            receive = self._replaying(body, receive)

        if path.startswith(STORAGE_PREFIX + "/") or path == EXCHANGE_PATH:
            # Download links are pre-signed, the exchange checks its own key: no API auth,
            # faults or idempotency there.
            await self.app(scope, receive, send)
            return
        base = self.core.base_path
        if path != base and not path.startswith(base + "/"):
            await PlainTextResponse("404 page not found", status_code=404)(scope, receive, send)
            return
        token = _BEARER.match(headers.get("authorization", ""))
        if token is None:
            error = ApiError(
                401, "Missing or malformed Authorization header: expected 'Bearer <token>'."
            )
            await error_response(request_id, error)(scope, receive, send)
            return
        if self.core.service_accounts.expired(token.group(1)):
            error = ApiError(401, "The access token has expired.")
            await error_response(request_id, error)(scope, receive, send)
            return

        if too_large:
            error = ApiError(413, f"The request body exceeds {MAX_BODY // (1024 * 1024)} MB.")
            await error_response(request_id, error)(scope, receive, send)
            return
        fault = None if streaming else self.core.faults.next_request_fault(method, path, base)
        if fault is not None and fault.status is not None:
            message = fault.message or "The service is temporarily unavailable."
            error = ApiError(fault.status, message, headers=dict(fault.headers))
            await error_response(request_id, error)(scope, receive, send)
            return
        drop = fault is not None and fault.drop_response

        key = headers.get("idempotency-key") or headers.get("x-idempotency-key")
        if method == "POST" and key:
            space = (token.group(1), key)
            fingerprint = _fingerprint(method, path, scope.get("query_string", b""), body)
            captured = await self._idempotent(space, fingerprint, scope, receive)
        elif drop:
            captured = await self._capture(scope, receive)
        else:
            await self.app(scope, receive, send)
            return

        if drop:
            await self._drop(scope, receive)
            return
        await send(
            {"type": "http.response.start", "status": captured.status, "headers": captured.headers}
        )
        await send({"type": "http.response.body", "body": bytes(captured.body), "more_body": False})

    @staticmethod
    async def _read_body(receive: Receive) -> bytes:
        chunks: list[bytes] = []
        while True:
            message = await receive()
            if message["type"] != "http.request":
                break
            chunks.append(message.get("body", b""))
            if not message.get("more_body", False):
                break
        return b"".join(chunks)

    @staticmethod
    def _replaying(body: bytes, receive: Receive) -> Receive:
        delivered = False

        async def replay() -> Message:
            nonlocal delivered
            if not delivered:
                delivered = True
                return {"type": "http.request", "body": body, "more_body": False}
            return await receive()

        return replay

    @staticmethod
    def _with_request_id(send: Send, request_id: str) -> Send:
        async def wrapped(message: Message) -> None:
            if message["type"] == "http.response.start":
                response_headers = MutableHeaders(scope=message)
                response_headers["x-request-id"] = request_id
            await send(message)

        return wrapped

    async def _capture(self, scope: Scope, receive: Receive) -> _Captured:
        return await _capture(self.app, scope, receive)

    async def _idempotent(
        self, space: tuple[str, str], fingerprint: str, scope: Scope, receive: Receive
    ) -> _Captured:
        """Execute once per key; replay the stored response for an identical retry."""
        table = self.core.idempotency
        entry = table.get(space)
        if entry is not None and time.monotonic() - entry.created > IDEMPOTENCY_TTL:
            del table[space]
            entry = None
        if entry is not None:
            if entry.fingerprint != fingerprint:
                error = ApiError(409, "Idempotency key reused with a different request body.")
                return await _capture(
                    error_response(str(scope[REQUEST_ID_KEY]), error), scope, receive
                )
            await entry.done.wait()
            if entry.status is None:
                # The first attempt was not remembered (5xx, 409, 429): execute afresh.
                return await self._idempotent(space, fingerprint, scope, receive)
            replay = _Captured(entry.status, list(entry.headers), bytearray(entry.body))
            replay.headers.append((b"idempotent-replayed", b"true"))
            return replay

        entry = IdempotencyEntry(fingerprint=fingerprint, created=time.monotonic())
        table[space] = entry
        try:
            captured = await self._capture(scope, receive)
            if captured.status < 500 and captured.status not in _NOT_REMEMBERED:
                entry.status = captured.status
                entry.headers = [h for h in captured.headers if h[0].lower() != b"x-request-id"]
                entry.body = bytes(captured.body)
            else:
                del table[space]
        except BaseException:
            table.pop(space, None)
            raise
        finally:
            entry.done.set()
        return captured

    async def _drop(self, scope: Scope, receive: Receive) -> None:
        """Close the connection after the work was done, without any response bytes."""
        if not self.core.abort_connection(scope):
            raise ConnectionAbortedError("could not find the connection to drop")
        # Wait for uvicorn to notice, so it does not answer a 500 on our behalf.
        with contextlib.suppress(asyncio.TimeoutError):
            await asyncio.wait_for(self._until_disconnect(receive), 2.0)

    @staticmethod
    async def _until_disconnect(receive: Receive) -> None:
        while (await receive())["type"] != "http.disconnect":
            pass
