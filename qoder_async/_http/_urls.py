"""The base URL and the ids that go into paths."""

from __future__ import annotations

from urllib.parse import quote, urlsplit

from .._errors import InvalidInputError

__all__ = ["DEFAULT_BASE_URL", "check_base_url", "path_segment"]

DEFAULT_BASE_URL = "https://api.qoder.com/api/v1/cloud"


def check_base_url(url: str) -> str:
    """An absolute http(s) URL with no credentials, query or fragment, without its final
    slash."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise InvalidInputError(f"base_url must be an absolute http(s) URL, got {url!r}")
    if parts.username or parts.password or parts.query or parts.fragment:
        raise InvalidInputError("base_url must not carry credentials, a query or a fragment")
    return url.rstrip("/")


def path_segment(value: str, name: str = "id") -> str:
    """Check an id used in a URL path and percent-encode it as one segment."""
    if not isinstance(value, str) or value in ("", ".", "..") or "/" in value:
        raise InvalidInputError(f"{name} {value!r} is not a valid id")
    return quote(value, safe="")
