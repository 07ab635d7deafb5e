"""Identifiers and timestamps in the API's wire formats."""

from __future__ import annotations

import re
import secrets
import threading
import time
from datetime import datetime, timezone

__all__ = ["format_timestamp", "new_id", "now_timestamp", "parse_timestamp"]

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
