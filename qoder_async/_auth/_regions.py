"""Regions: the Global and China deployments, each with its own API and token exchange.

Never mix them: a China service account exchanges at the China origin and calls the China
API. The hosts compared are the official ones only; a custom or local base URL (a proxy,
the emulator) belongs to no region and is not checked.
"""

from __future__ import annotations

from typing import Literal
from urllib.parse import urlsplit

from attrs import frozen

from .._errors import InvalidInputError

__all__ = ["REGIONS", "Region", "RegionName", "check_region", "region", "region_of_url"]

RegionName = Literal["global", "cn"]


@frozen
class Region:
    """The endpoints of one region."""

    name: RegionName
    base_url: str
    exchange_url: str


REGIONS: dict[str, Region] = {
    "global": Region(
        "global",
        "https://api.qoder.com/api/v1/cloud",
        "https://openapi.qoder.sh/api/v1/serviceToken/exchange",
    ),
    "cn": Region(
        "cn",
        "https://api.qoder.com.cn/api/v1/cloud",
        "https://openapi.qoder.com.cn/api/v1/serviceToken/exchange",
    ),
}

_HOSTS: dict[str, RegionName] = {
    "api.qoder.com": "global",
    "openapi.qoder.sh": "global",
    "api.qoder.com.cn": "cn",
    "openapi.qoder.com.cn": "cn",
}


def region(name: str) -> Region:
    """The region called ``name``.

    Raises:
        InvalidInputError: not ``"global"`` or ``"cn"``.
    """
    found = REGIONS.get(name) if isinstance(name, str) else None
    if found is None:
        raise InvalidInputError(f"region must be 'global' or 'cn', got {name!r}")
    return found


def region_of_url(url: str) -> RegionName | None:
    """The region an official URL belongs to; ``None`` for any other host."""
    return _HOSTS.get((urlsplit(url).hostname or "").lower())


def check_region(*urls: tuple[str, str], expected: str | None = None) -> RegionName | None:
    """The one region that ``expected`` and the official ``(what, url)`` pairs agree on.

    Raises:
        InvalidInputError: two of them name different regions (nothing was sent).
    """
    seen: list[tuple[str, RegionName]] = []
    if expected is not None:
        seen.append(("region", region(expected).name))
    for what, url in urls:
        name = region_of_url(url)
        if name is not None:
            seen.append((what, name))
    for what, name in seen[1:]:
        if name != seen[0][1]:
            raise InvalidInputError(
                f"{seen[0][0]} is in region {seen[0][1]!r} but {what} is in region {name!r}:"
                " never mix regions"
            )
    return seen[0][1] if seen else None
