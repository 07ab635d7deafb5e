"""Configuration values: the retry policy, default timeouts and the "not given" sentinel."""

from __future__ import annotations

import email.utils
import math
import random
import time
from collections.abc import Mapping
from typing import Final, Literal

import httpx
from attrs import frozen

__all__ = ["DEFAULT_TIMEOUT", "NOT_GIVEN", "NotGiven", "RetryPolicy"]


class NotGiven:
    """The type of :data:`NOT_GIVEN`: tells "not passed" apart from ``None`` (which may mean
    "clear this field" in an update)."""

    _instance: NotGiven | None = None

    def __new__(cls) -> NotGiven:
        if cls._instance is None:
            cls._instance = super().__new__(cls)
        return cls._instance

    def __bool__(self) -> Literal[False]:
        return False

    def __repr__(self) -> str:
        return "NOT_GIVEN"


NOT_GIVEN: Final = NotGiven()
"""Default of optional parameters whose ``None`` means something."""

DEFAULT_TIMEOUT: Final = httpx.Timeout(600.0, connect=5.0)
"""Requests: 5 s to connect, 600 s for each other phase (the official SDKs' defaults)."""

DEFAULT_STREAM_IDLE_TIMEOUT: Final = 60.0
"""How long an event stream may stay silent (no event, no heartbeat) before a reconnect."""

DEFAULT_MAX_EVENT_SIZE: Final = 16 * 1024 * 1024
"""The longest event (or line) an event stream accepts by default, in bytes: 16 MiB, far
above what the API sends (a message or a tool result of a few hundred KiB), low enough that
a server that never ends an event cannot exhaust memory."""


@frozen(kw_only=True)
class RetryPolicy:
    """When and how long to wait before trying again.

    Requests: exponential backoff from ``initial_delay`` doubling up to ``max_delay``, less up
    to ``jitter`` (a fraction) at random; a server's ``retry-after-ms`` / ``Retry-After`` wins,
    capped at ``max_retry_after``. Streams: reconnect delays from ``stream_initial_delay``
    doubling up to ``stream_max_delay``, drawn from the upper half of the interval; after a
    connection that delivered events the delay starts over; ``stream_max_failures``
    consecutive connections without an event end the stream with :class:`StreamError`.
    A stream's ``retry:`` field sets the base of its backoff, also capped at
    ``max_retry_after``. No server hint can make a wait longer than ``max_retry_after`` (or
    the policy's own backoff); negative, NaN and infinite hints are ignored.

    ``RetryPolicy.instant()`` waits for nothing: for tests.
    """

    initial_delay: float = 0.5
    max_delay: float = 8.0
    jitter: float = 0.25
    max_retry_after: float = 60.0
    stream_initial_delay: float = 0.5
    stream_max_delay: float = 10.0
    stream_max_failures: int = 10

    @classmethod
    def instant(cls, *, stream_max_failures: int = 10) -> RetryPolicy:
        """A policy whose backoff waits are zero (server ``Retry-After`` is still honoured)."""
        return cls(
            initial_delay=0.0,
            max_delay=0.0,
            stream_initial_delay=0.0,
            stream_max_delay=0.0,
            stream_max_failures=stream_max_failures,
        )

    def request_delay(self, retry: int, headers: Mapping[str, str] | None = None) -> float:
        """Seconds to wait before retry number ``retry`` (0-based) of a request."""
        if headers is not None:
            hinted = retry_after(headers)
            if hinted is not None:
                return min(hinted, self.max_retry_after)
        delay: float = min(self.initial_delay * 2**retry, self.max_delay)
        return delay * (1 - random.random() * self.jitter)

    def stream_delay(self, failures: int, server_retry_ms: float | None = None) -> float:
        """Seconds to wait before reconnecting after ``failures`` consecutive failures.

        ``failures == 0`` means the last connection was healthy: wait at most the initial
        delay. A ``retry:`` hint from the server sets the base of the backoff, capped at
        ``max_retry_after``; a negative or non-finite hint is ignored.
        """
        base = self.stream_initial_delay
        if server_retry_ms is not None and 0 <= server_retry_ms < math.inf:
            base = min(server_retry_ms / 1000, self.max_retry_after)
        delay: float = min(base * 2**failures, max(self.stream_max_delay, base))
        return delay * (0.5 + random.random() / 2)


def retry_after(headers: Mapping[str, str]) -> float | None:
    """The wait a response asks for: ``retry-after-ms``, else ``Retry-After`` in seconds or as
    an HTTP date; ``None`` if neither is there or readable. Negative, NaN and infinite values
    are not readable (a date in the past means "now": 0)."""
    value = headers.get("retry-after-ms")
    if value is not None:
        millis = _hint(value)
        if millis is not None:
            return millis / 1000
    value = headers.get("retry-after")
    if value is None:
        return None
    seconds = _hint(value)
    if seconds is not None:
        return seconds
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(when.timestamp() - time.time(), 0.0)


def _hint(value: str) -> float | None:
    """A non-negative, finite number, or ``None``."""
    try:
        number = float(value)
    except ValueError:
        return None
    return number if 0 <= number < math.inf else None


_NEVER_RETRIED = frozenset({400, 401, 403, 404, 409})


def should_retry(*, safe: bool, status: int | None, headers: Mapping[str, str] | None) -> bool:
    """Whether a failed attempt may be tried again (the API's rules, §2.3).

    ``safe``: a GET/HEAD, or a write that carries an ``Idempotency-Key``. ``status`` is
    ``None`` for a connection error or timeout. 400, 401, 403, 404 and 409 are never retried;
    otherwise ``x-should-retry`` decides when present; else safe requests are retried on
    connection errors, 408, 429 and 5xx, and unsafe ones only on 429.
    """
    if status in _NEVER_RETRIED:
        return False
    hint = headers.get("x-should-retry") if headers is not None else None
    if hint == "true":
        return True
    if hint == "false":
        return False
    if status is None:
        return safe
    if status == 429:
        return True
    return safe and (status == 408 or status >= 500)
