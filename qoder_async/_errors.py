"""The one error hierarchy of qoder_async.

::

    QoderError
    ├── MissingTokenError            no token given and none in the environment
    ├── InvalidInputError            bad input caught before a request went out (a ValueError)
    ├── APIError
    │   ├── APIStatusError           the API answered with an error status
    │   │   ├── InvalidRequestError      400
    │   │   ├── AuthenticationError      401
    │   │   ├── PermissionDeniedError    403
    │   │   ├── NotFoundError            404
    │   │   ├── ConflictError            409
    │   │   ├── RequestTooLargeError     413
    │   │   ├── UnprocessableEntityError 422
    │   │   ├── RateLimitError           429
    │   │   ├── FeatureNotAvailableError 501
    │   │   └── InternalServerError      5xx (other than 501)
    │   ├── UnexpectedResponseError  an answer that is not what was asked (HTML, bad gzip, ...)
    │   └── APIConnectionError       the request never got an answer
    │       └── APITimeoutError
    ├── ClientClosedError            the client was closed (``aclose``) before or during the call
    ├── StreamError                  an event stream gave up after too many failed reconnects
    ├── ToolError                    raised in a tool: its text is the answer the model sees
    ├── EventTooLargeError           an event (or a line) of a stream grew past the maximum size
    └── LeaseLost                    a fleet worker lost its session lease (in ``_lease``)

Every error text is built from what the API said and what the caller asked, cut to
:data:`MAX_MESSAGE` characters; the token is never part of it, even when the server echoes it
(it is replaced with ``[redacted]``). Full bodies stay on the exception's ``body``.
"""

from __future__ import annotations

import json
from typing import Any, Final
from urllib.parse import quote

import httpx

__all__ = [
    "APIConnectionError",
    "APIError",
    "APIStatusError",
    "APITimeoutError",
    "AuthenticationError",
    "ClientClosedError",
    "ConflictError",
    "EventTooLargeError",
    "FeatureNotAvailableError",
    "InternalServerError",
    "InvalidInputError",
    "InvalidRequestError",
    "MissingTokenError",
    "NotFoundError",
    "PermissionDeniedError",
    "QoderError",
    "RateLimitError",
    "RequestTooLargeError",
    "StreamError",
    "UnexpectedResponseError",
    "ToolError",
    "UnprocessableEntityError",
]

MAX_MESSAGE: Final = 1000
"""At most this many characters of server text go into an error message."""
MAX_PREVIEW: Final = 200
"""At most this many characters of an unexpected answer are kept as its preview."""
REDACTED: Final = "[redacted]"


class QoderError(Exception):
    """Base class of every error raised by qoder_async."""


class MissingTokenError(QoderError):
    """No access token was passed and none is set in the environment."""


class InvalidInputError(QoderError, ValueError):
    """The arguments of a call are invalid; nothing was sent."""


class APIError(QoderError):
    """An error talking to the API.

    Attributes:
        request: the request that failed, if one was built (its headers are not in the text).
        retries: how many retries were made before giving up.
    """

    def __init__(self, message: str, *, request: httpx.Request | None = None, retries: int = 0):
        super().__init__(message)
        self.message = message
        self.request = request
        self.retries = retries


class APIConnectionError(APIError):
    """The request got no answer: the connection failed or broke."""


class APITimeoutError(APIConnectionError):
    """The request timed out."""


class APIStatusError(APIError):
    """The API answered with an error status (4xx or 5xx).

    Attributes:
        status_code: the HTTP status.
        type: the API's ``error.type`` (``"not_found_error"``, ...), or ``None`` for a body
            that was not an error envelope.
        message: the API's ``error.message`` (or the body text).
        request_id: from the ``x-request-id`` header, else ``request-id``, else the body.
        param: the offending parameter, when the API names one.
        body: the decoded body (a dict for JSON envelopes, else the text).
        response: the ``httpx.Response``.
    """

    def __init__(
        self,
        message: str,
        *,
        response: httpx.Response,
        body: Any,
        type: str | None,
        request_id: str | None,
        param: str | None = None,
        retries: int = 0,
    ):
        super().__init__(message, request=response.request, retries=retries)
        self.response = response
        self.status_code = response.status_code
        self.body = body
        self.type = type
        self.request_id = request_id
        self.param = param

    def __str__(self) -> str:
        parts = [f"{self.status_code}"]
        if self.type:
            parts.append(self.type)
        text = f"{' '.join(parts)}: {self.message}"
        if self.request_id:
            text += f" (request id {self.request_id})"
        return text


class InvalidRequestError(APIStatusError):
    """400: a field is missing or invalid."""


class AuthenticationError(APIStatusError):
    """401: the token is missing, malformed, expired or revoked."""


class PermissionDeniedError(APIStatusError):
    """403: the token lacks rights on the resource."""


class NotFoundError(APIStatusError):
    """404: no such agent, environment, session, file or thread."""


class ConflictError(APIStatusError):
    """409: e.g. a turn is running, the session is archived, or a key was reused."""


class RequestTooLargeError(APIStatusError):
    """413: the request body is too large."""


class UnprocessableEntityError(APIStatusError):
    """422: the request was understood but cannot be processed."""


class RateLimitError(APIStatusError):
    """429: too many requests."""


class FeatureNotAvailableError(APIStatusError):
    """501: the feature needs a beta (see ``body["error"]["available_from"]``)."""


class InternalServerError(APIStatusError):
    """5xx: the API failed."""


class UnexpectedResponseError(APIError):
    """The API answered, but not with what was asked: an HTML page (a captive portal, a
    proxy) where JSON was due, a stream that is not ``text/event-stream``, an error envelope
    with a success status, a body that cannot be decoded, JSON of the wrong shape. Not
    retried: the same request would get the same answer.

    Attributes:
        status_code: the HTTP status.
        content_type: the ``Content-Type`` header, or ``None``.
        body_preview: the first characters of the body (at most 200, token redacted).
        body: the decoded body when it was JSON, else ``None``.
        response: the ``httpx.Response``.
    """

    def __init__(
        self,
        message: str,
        *,
        response: httpx.Response,
        body_preview: str,
        body: Any = None,
        retries: int = 0,
    ):
        super().__init__(message, request=response.request, retries=retries)
        self.response = response
        self.status_code = response.status_code
        self.content_type: str | None = response.headers.get("content-type")
        self.body_preview = body_preview
        self.body = body


class ClientClosedError(QoderError):
    """The client was closed (``await client.aclose()``): no request can be sent with it,
    and the streams that were open when it closed end with this error."""


class StreamError(QoderError):
    """An event stream gave up after too many consecutive failed connections.

    The cause is chained (``__cause__``); ``last_event_id`` is where to resume.
    """

    def __init__(self, message: str, *, last_event_id: str | None, attempts: int):
        super().__init__(message)
        self.last_event_id = last_event_id
        self.attempts = attempts


def bounded(text: str, limit: int = MAX_MESSAGE) -> str:
    """``text`` cut to ``limit`` characters, with an ellipsis when cut."""
    return text if len(text) <= limit else text[: limit - 1] + "…"


def request_secrets(request: httpx.Request | None) -> tuple[str, ...]:
    """The credentials a request carried: what must never be echoed into a message.

    Tokens shorter than 6 characters are left alone: replacing every ``t`` of a message
    would hide the message, not a secret (no real token is that short).
    """
    if request is None:
        return ()
    scheme, _, token = request.headers.get("authorization", "").partition(" ")
    token = token.strip() or scheme.strip()
    if len(token) < 6:
        return ()
    return (token, quote(token, safe=""))


def redact(text: str, secrets: tuple[str, ...]) -> str:
    """``text`` with every secret replaced by ``[redacted]``."""
    for secret in secrets:
        if secret:
            text = text.replace(secret, REDACTED)
    return text


def safe_text(text: str, request: httpx.Request | None, limit: int = MAX_MESSAGE) -> str:
    """Server text made fit for a message: the request's token redacted, then bounded."""
    return bounded(redact(text, request_secrets(request)), limit)


class EventTooLargeError(QoderError):
    """An event stream sent an event (or a line) longer than the maximum event size.

    The stream ends: resuming would only receive the same event again. ``limit`` is the
    maximum in bytes (``AsyncQoder(max_event_size=...)``), ``received`` how many bytes of the
    unfinished event had arrived, ``last_event_id`` the cursor before it (``None`` when the
    error comes from a decoder used on its own).
    """

    def __init__(self, message: str, *, limit: int, received: int):
        super().__init__(message)
        self.limit = limit
        self.received = received
        self.last_event_id: str | None = None


_STATUS_ERRORS: dict[int, type[APIStatusError]] = {
    400: InvalidRequestError,
    401: AuthenticationError,
    403: PermissionDeniedError,
    404: NotFoundError,
    409: ConflictError,
    413: RequestTooLargeError,
    422: UnprocessableEntityError,
    429: RateLimitError,
    501: FeatureNotAvailableError,
}


def _server_text(body: Any) -> str | None:
    """The server's own words in an error body that is not the API's envelope."""
    if isinstance(body, str):
        return body.strip() or None
    if not isinstance(body, dict):
        return None
    for key in ("message", "error", "detail", "error_description", "title"):
        value = body.get(key)
        if isinstance(value, str) and value.strip():
            return value.strip()
        if key == "detail" and value:  # e.g. a list of validation problems
            return json.dumps(value, ensure_ascii=False)
    return None


def status_error(response: httpx.Response, *, retries: int = 0) -> APIStatusError:
    """Build the typed error for an error response whose body has been read.

    The message is the envelope's ``error.message``, else the server's text (a JSON
    ``message``, ``error`` or ``detail``, or a plain body), else the reason phrase; a redirect
    names where it pointed. The request's token is redacted and the text bounded.
    """
    body: Any
    try:
        body = response.json()
    except ValueError:
        body = response.text
    error = body.get("error") if isinstance(body, dict) else None
    if isinstance(error, dict):
        message = str(error.get("message") or response.reason_phrase)
        type_ = error.get("type")
        param = error.get("param")
    else:
        message = _server_text(body) or response.reason_phrase or "error"
        type_ = param = None
    location = response.headers.get("location")
    if response.is_redirect and location:
        message += f" (redirect to {location})"
    request_id = response.headers.get("x-request-id") or response.headers.get("request-id")
    if request_id is None and isinstance(body, dict):
        request_id = body.get("request_id")
    status = response.status_code
    cls = _STATUS_ERRORS.get(status) or (InternalServerError if status >= 500 else APIStatusError)
    request = response.request
    return cls(
        safe_text(message.strip(), request),
        response=response,
        body=body,
        type=safe_text(type_, request, MAX_PREVIEW) if isinstance(type_, str) else None,
        request_id=safe_text(str(request_id), request, MAX_PREVIEW) if request_id else None,
        param=safe_text(param, request, MAX_PREVIEW) if isinstance(param, str) else None,
        retries=retries,
    )


def preview(response: httpx.Response, content: bytes | None = None) -> str:
    """The first characters of a response's body (read, or ``content``), token redacted."""
    data = response.content if content is None else content
    text = data[: MAX_PREVIEW * 4].decode(response.encoding or "utf-8", errors="replace")
    return safe_text(text, response.request, MAX_PREVIEW)


def unexpected_response(
    response: httpx.Response,
    expected: str,
    *,
    why: str | None = None,
    body_preview: str | None = None,
    body: Any = None,
    retries: int = 0,
) -> UnexpectedResponseError:
    """The error for an answer that is not ``expected`` (``"JSON"``, ``"an event stream"``).

    The message says what arrived: method and path, status, content type, ``why`` (when
    known) and the first characters of the body. ``body_preview`` defaults to the read body's.
    """
    shown = preview(response) if body_preview is None else body_preview
    request = response.request
    kind = response.headers.get("content-type") or "no content type"
    message = (
        f"{request.method} {request.url.path}: expected {expected}, got "
        f"{response.status_code} {kind}"
        + (f" ({why})" if why else "")
        + (f": {shown!r}" if shown else " with an empty body")
    )
    return UnexpectedResponseError(
        safe_text(message, request),
        response=response,
        body_preview=shown,
        body=body,
        retries=retries,
    )


class ToolError(QoderError):
    """Raise it in a tool to answer the model with an error: ``raise qa.ToolError("no such
    order")``. The text goes to the model as the result, with ``is_error`` set; any other
    exception is logged and answered with a generic text instead (its message may hold
    secrets)."""
