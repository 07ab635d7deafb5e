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
    │   └── APIConnectionError       the request never got an answer
    │       └── APITimeoutError
    ├── StreamError                  an event stream gave up after too many failed reconnects
    ├── EventTooLargeError           an event (or a line) of a stream grew past the maximum size
    └── LeaseLost                    a fleet worker lost its session lease (in ``_lease``)

Every error text is built from what the API said and what the caller asked; the token is
never part of it.
"""

from __future__ import annotations

from typing import Any

import httpx

__all__ = [
    "APIConnectionError",
    "APIError",
    "APIStatusError",
    "APITimeoutError",
    "AuthenticationError",
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
    "UnprocessableEntityError",
]


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


class StreamError(QoderError):
    """An event stream gave up after too many consecutive failed connections.

    The cause is chained (``__cause__``); ``last_event_id`` is where to resume.
    """

    def __init__(self, message: str, *, last_event_id: str | None, attempts: int):
        super().__init__(message)
        self.last_event_id = last_event_id
        self.attempts = attempts


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


def status_error(response: httpx.Response, *, retries: int = 0) -> APIStatusError:
    """Build the typed error for an error response whose body has been read."""
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
        message = (body if isinstance(body, str) and body else response.reason_phrase) or "error"
        type_ = param = None
    request_id = response.headers.get("x-request-id") or response.headers.get("request-id")
    if request_id is None and isinstance(body, dict):
        request_id = body.get("request_id")
    status = response.status_code
    cls = _STATUS_ERRORS.get(status) or (InternalServerError if status >= 500 else APIStatusError)
    return cls(
        message.strip(),
        response=response,
        body=body,
        type=type_ if isinstance(type_, str) else None,
        request_id=request_id,
        param=param if isinstance(param, str) else None,
        retries=retries,
    )
