"""Identifiers and timestamps in the API's wire formats."""

from __future__ import annotations

import re
import secrets
import threading
import time
from datetime import datetime, timezone

__all__ = [
    "ID_SCHEMES",
    "IdFactory",
    "format_timestamp",
    "new_id",
    "now_timestamp",
    "parse_timestamp",
]

ID_SCHEMES = ("ordered", "random")
"""``ordered``: time-ordered like a UUIDv7, the API's own shape. ``random``: 128 random bits,
in no order, as another backend or a proxy may issue them."""

_lock = threading.Lock()
_last_ms = 0
_counter = 0
_COUNTER_MAX = 0xFFF


def new_id(prefix: str) -> str:
    """Return ``prefix`` + 32 hex chars laid out like a UUIDv7: time-ordered and unique.

    Within one millisecond a 12-bit counter keeps ids strictly increasing, so sorting ids
    as strings sorts objects by creation order.
    """
    global _last_ms, _counter
    with _lock:
        ms = time.time_ns() // 1_000_000
        if ms <= _last_ms:
            ms = _last_ms
            _counter += 1
            if _counter > _COUNTER_MAX:
                ms += 1
                _counter = 0
        else:
            # Start low in the range so a burst within one millisecond has room to count up.
            _counter = secrets.randbelow(0x200)
        _last_ms = ms
        counter = _counter
    tail = secrets.randbits(62) | (0b10 << 62)
    return f"{prefix}{ms:012x}7{counter:03x}{tail:016x}"


class IdFactory:
    """Issues the ids of one emulator in one of :data:`ID_SCHEMES`, and remembers the order it
    issued them in, so that a cursor naming a deleted object can still be placed without
    comparing ids."""

    def __init__(self, scheme: str = "ordered") -> None:
        if scheme not in ID_SCHEMES:
            raise ValueError(f"ids must be one of {ID_SCHEMES}, not {scheme!r}")
        self.scheme = scheme
        self._lock = threading.Lock()
        self._rank: dict[str, int] = {}

    def new(self, prefix: str) -> str:
        """Return a fresh id: ``prefix`` + 32 hex chars."""
        new = new_id(prefix) if self.scheme == "ordered" else prefix + secrets.token_hex(16)
        with self._lock:
            self._rank[new] = len(self._rank)
        return new

    def rank(self, issued: str) -> int | None:
        """The position of an id in issue order, or ``None`` if this factory never issued it."""
        with self._lock:
            return self._rank.get(issued)


def now_timestamp() -> str:
    """The current UTC time in RFC 3339 with nanoseconds: ``2026-05-18T15:27:11.187413896Z``."""
    return format_timestamp(time.time_ns())


def format_timestamp(ns: int) -> str:
    """Format nanoseconds since the epoch as RFC 3339 UTC with nanoseconds."""
    seconds, fraction = divmod(ns, 1_000_000_000)
    base = datetime.fromtimestamp(seconds, tz=timezone.utc).strftime("%Y-%m-%dT%H:%M:%S")
    return f"{base}.{fraction:09d}Z"


_TIMESTAMP = re.compile(
    r"^(\d{4})-(\d{2})-(\d{2})[Tt ](\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?"
    r"(Z|z|[+-]\d{2}:?\d{2})?$"
)


def parse_timestamp(value: str) -> int:
    """Parse an RFC 3339 timestamp into integer nanoseconds since the epoch.

    A missing offset is read as UTC. Raises ``ValueError`` on anything else.
    """
    match = _TIMESTAMP.match(value.strip())
    if match is None:
        raise ValueError(f"not an RFC 3339 timestamp: {value!r}")
    year, month, day, hour, minute, second, fraction, offset = match.groups()
    moment = datetime(
        int(year), int(month), int(day), int(hour), int(minute), int(second), tzinfo=timezone.utc
    )
    offset_seconds = 0
    if offset and offset not in ("Z", "z"):
        sign = -1 if offset[0] == "-" else 1
        digits = offset[1:].replace(":", "")
        offset_seconds = sign * (int(digits[:2]) * 3600 + int(digits[2:]) * 60)
    nanos = int((fraction or "0").ljust(9, "0"))
    return (int(moment.timestamp()) - offset_seconds) * 1_000_000_000 + nanos
