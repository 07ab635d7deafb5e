"""Header values checked before they are sent: a CR or LF in one must never reach the wire."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import TypeVar

from .._errors import InvalidInputError

_Value = TypeVar("_Value", str, str | bytes)

__all__ = ["check_event_id", "check_header", "checked_headers", "sendable_event_id"]

_HEADER_NAME = re.compile(r"[!#$%&'*+\-.^_`|~0-9A-Za-z]+")  # RFC 9110 token


def check_header(name: str, value: str) -> str:
    """Refuse a header value h11 would refuse (CR, LF, NUL, other controls, non-ASCII).

    The value is not quoted in the error: it may be a credential.
    """
    if not isinstance(value, str):
        raise InvalidInputError(f"header {name} must be a string, got {type(value).__name__}")
    for char in value:
        if char != "\t" and (char < " " or char == "\x7f" or not char.isascii()):
            raise InvalidInputError(
                f"header {name} contains {char!r} (control and non-ASCII characters "
                "cannot be sent in a header)"
            )
    return value


def sendable_event_id(value: str) -> bool:
    """Whether an event id can travel back as ``Last-Event-ID``: any text but CR, LF and NUL
    (the id is sent as UTF-8, as the SSE spec says)."""
    return not any(char in value for char in "\r\n\0")


def check_event_id(value: str) -> str:
    """Refuse a ``last_event_id`` that cannot be sent (CR, LF or NUL); other text is fine."""
    if not isinstance(value, str):
        raise InvalidInputError(f"last_event_id must be a string, got {type(value).__name__}")
    if not sendable_event_id(value):
        raise InvalidInputError(
            "last_event_id contains CR, LF or NUL and cannot be sent as Last-Event-ID"
        )
    return value


def checked_headers(headers: Mapping[str, _Value]) -> dict[str, _Value]:
    """A copy of ``headers`` whose names and values can all be sent. A ``bytes`` value is
    sent as it is (an event id in UTF-8) once it holds no CR, LF or NUL."""
    for name, value in headers.items():
        if not isinstance(name, str) or not _HEADER_NAME.fullmatch(name):
            raise InvalidInputError(f"{name!r} is not a valid header name")
        if isinstance(value, bytes):
            if any(byte in value for byte in b"\r\n\0"):
                raise InvalidInputError(f"header {name} contains CR, LF or NUL")
        else:
            check_header(name, value)
    return dict(headers)
