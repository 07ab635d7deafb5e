"""Retry rules and delays, as pure functions."""

from __future__ import annotations

import email.utils
import time

import pytest

from qoder_async import RetryPolicy
from qoder_async._config import retry_after, should_retry


@pytest.mark.parametrize("status", [400, 401, 403, 404, 409])
def test_client_errors_are_never_retried(status: int) -> None:
    assert not should_retry(safe=True, status=status, headers={"x-should-retry": "true"})


@pytest.mark.parametrize("status", [408, 429, 500, 502, 503, 529])
def test_safe_requests_retry_on_408_429_and_5xx(status: int) -> None:
    assert should_retry(safe=True, status=status, headers={})


@pytest.mark.parametrize(
    ("status", "expected"), [(429, True), (500, False), (503, False), (None, False)]
)
def test_unsafe_writes_retry_only_on_429(status: int | None, expected: bool) -> None:
    assert should_retry(safe=False, status=status, headers={}) is expected


def test_connection_errors_retry_when_safe() -> None:
    assert should_retry(safe=True, status=None, headers=None)


def test_x_should_retry_can_force_and_veto() -> None:
    assert should_retry(safe=False, status=500, headers={"x-should-retry": "true"})
    assert not should_retry(safe=True, status=503, headers={"x-should-retry": "false"})


def test_retry_after_ms_wins_over_retry_after() -> None:
    assert retry_after({"retry-after-ms": "250", "retry-after": "9"}) == 0.25


def test_retry_after_seconds() -> None:
    assert retry_after({"retry-after": "3"}) == 3.0


def test_retry_after_http_date() -> None:
    when = email.utils.formatdate(time.time() + 30, usegmt=True)
    assert 28 <= (retry_after({"retry-after": when}) or 0) <= 30


def test_unreadable_retry_after_is_ignored() -> None:
    assert retry_after({"retry-after": "soon"}) is None


def test_request_delay_honours_and_caps_retry_after() -> None:
    policy = RetryPolicy(max_retry_after=5.0)
    assert policy.request_delay(0, {"retry-after": "2"}) == 2.0
    assert policy.request_delay(0, {"retry-after": "120"}) == 5.0


def test_request_delay_grows_exponentially_with_jitter() -> None:
    policy = RetryPolicy(initial_delay=0.5, max_delay=8.0, jitter=0.25)
    for retry, full in [(0, 0.5), (1, 1.0), (2, 2.0), (5, 8.0)]:
        delay = policy.request_delay(retry)
        assert full * 0.75 <= delay <= full


def test_stream_delay_after_a_healthy_connection_is_at_most_half_a_second() -> None:
    assert all(RetryPolicy().stream_delay(0) <= 0.5 for _ in range(100))


def test_stream_delay_follows_the_server_retry_hint() -> None:
    assert 1.0 <= RetryPolicy().stream_delay(0, server_retry_ms=2000) <= 2.0


def test_instant_policy_waits_for_nothing() -> None:
    policy = RetryPolicy.instant()
    assert policy.request_delay(3) == policy.stream_delay(4) == 0.0


@pytest.mark.parametrize("value", ["-5", "nan", "NaN", "inf", "-inf", "1e999"])
def test_negative_or_non_finite_retry_after_is_ignored(value: str) -> None:
    assert retry_after({"retry-after": value}) is None
    assert retry_after({"retry-after-ms": value}) is None


def test_an_unreadable_retry_after_ms_falls_back_to_retry_after() -> None:
    assert retry_after({"retry-after-ms": "nan", "retry-after": "2"}) == 2.0


@pytest.mark.parametrize("value", ["nan", "inf", "-1"])
def test_request_delay_ignores_a_non_finite_or_negative_hint(value: str) -> None:
    policy = RetryPolicy(initial_delay=0.5, max_delay=8.0, jitter=0.0, max_retry_after=5.0)
    assert policy.request_delay(0, {"retry-after": value}) == 0.5


def test_stream_delay_caps_a_huge_server_retry_hint() -> None:
    policy = RetryPolicy(max_retry_after=5.0)
    assert all(policy.stream_delay(0, server_retry_ms=86_400_000) <= 5.0 for _ in range(100))


@pytest.mark.parametrize("hint", [-1000, float("nan"), float("inf")])
def test_stream_delay_ignores_a_negative_or_non_finite_server_retry_hint(hint: float) -> None:
    delay = RetryPolicy().stream_delay(0, server_retry_ms=hint)
    assert 0.25 <= delay <= 0.5
