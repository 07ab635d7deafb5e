"""Response helpers shared by the endpoints: compact JSON, error envelopes, handler wrapping."""

from __future__ import annotations

import functools
import json
import logging
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any, cast

from starlette.requests import Request
from starlette.responses import Response

from ._errors import ApiError, error_body
from ._params import json_object

if TYPE_CHECKING:
    from ._core import Core

__all__ = [
    "REQUEST_ID_KEY",
    "api",
    "core_of",
    "error_response",
    "json_response",
    "read_json",
    "request_id_of",
]

REQUEST_ID_KEY = "qoder.request_id"
Handler = Callable[[Request], Awaitable[Response]]

logger = logging.getLogger("qoder_async.testing")


def json_response(data: Any, status: int = 200, headers: dict[str, str] | None = None) -> Response:
    """Compact UTF-8 JSON, like the real API."""
    body = json.dumps(data, separators=(",", ":"), ensure_ascii=False).encode()
    return Response(body, status_code=status, headers=headers, media_type="application/json")


def request_id_of(scope: Any) -> str:
    """The request id the gateway assigned to this request."""
    return str(scope.get(REQUEST_ID_KEY, ""))


def error_response(request_id: str, error: ApiError) -> Response:
    """Render an ``ApiError`` as the §2.1 envelope."""
    body = error_body(
        request_id, error.status, error.message, param=error.param, error_type=error.error_type
    )
    return json_response(body, error.status, error.headers or None)


def core_of(request: Request) -> Core:
    """The emulator core behind this request."""
    return cast("Core", request.app.state.core)


async def read_json(request: Request) -> dict[str, Any]:
    """The request's JSON object body."""
    return json_object(await request.body())


def api(handler: Handler) -> Handler:
    """Turn ``ApiError`` (and unexpected exceptions, as 500 ``api_error``) into envelopes."""

    @functools.wraps(handler)
    async def wrapper(request: Request) -> Response:
        try:
            return await handler(request)
        except ApiError as exc:
            return error_response(request_id_of(request.scope), exc)
        except Exception:
            logger.exception("emulator endpoint failed: %s %s", request.method, request.url.path)
            return error_response(
                request_id_of(request.scope), ApiError(500, "The server had an internal error.")
            )

    return wrapper
