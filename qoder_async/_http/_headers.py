"""Header values checked before they are sent: a CR or LF in one must never reach the wire."""

from __future__ import annotations

import re
from collections.abc import Mapping

from .._errors import InvalidInputError

__all__ = ["check_header", "checked_headers"]

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


def checked_headers(headers: Mapping[str, str]) -> dict[str, str]:
    """A copy of ``headers`` whose names and values can all be sent."""
    for name, value in headers.items():
        if not isinstance(name, str) or not _HEADER_NAME.fullmatch(name):
            raise InvalidInputError(f"{name!r} is not a valid header name")
        check_header(name, value)
    return dict(headers)
