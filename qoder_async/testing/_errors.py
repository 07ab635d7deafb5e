"""API errors and the JSON error envelope of §2.1."""

from __future__ import annotations

from typing import Any

__all__ = [
    "ApiError",
    "bad_request",
    "conflict",
    "error_body",
    "error_type_for_status",
    "not_found",
]

_TYPES_BY_STATUS = {
    400: "invalid_request_error",
    401: "authentication_error",
    403: "permission_error",
    404: "not_found_error",
    409: "conflict_error",
    413: "request_too_large",
    429: "rate_limit_error",
    500: "api_error",
    501: "feature_not_available",
    529: "overloaded_error",
}


def error_type_for_status(status: int) -> str:
    """The ``error.type`` string the API uses for an HTTP status."""
    if status in _TYPES_BY_STATUS:
        return _TYPES_BY_STATUS[status]
    return "api_error" if status >= 500 else "invalid_request_error"


class ApiError(Exception):
    """An error answered with the JSON envelope; raised by handlers, rendered by the app."""

    def __init__(
        self,
        status: int,
        message: str,
        *,
        param: str | None = None,
        error_type: str | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.param = param
        self.error_type = error_type or error_type_for_status(status)
        self.headers = dict(headers or {})


def bad_request(message: str, param: str | None = None) -> ApiError:
    """A 400 ``invalid_request_error``."""
    return ApiError(400, message, param=param)


def not_found(kind: str, object_id: str) -> ApiError:
    """A 404 worded like the API: ``Session 'sess_…' was not found.``."""
    return ApiError(404, f"{kind} '{object_id}' was not found.")


def conflict(message: str) -> ApiError:
    """A 409 ``conflict_error``."""
    return ApiError(409, message)


def error_body(
    request_id: str,
    status: int,
    message: str,
    *,
    param: str | None = None,
    error_type: str | None = None,
) -> dict[str, Any]:
    """Build the error envelope: ``{"type":"error","request_id":…,"error":{…}}``."""
    error: dict[str, Any] = {
        "type": error_type or error_type_for_status(status),
        "message": message,
    }
    if param is not None:
        error["param"] = param
    return {"type": "error", "request_id": request_id, "error": error}
