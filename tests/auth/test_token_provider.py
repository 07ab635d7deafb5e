"""A token provider is asked before every attempt: each retry, each stream reconnect."""

from __future__ import annotations

import itertools

import anyio
import anyio.lowlevel
import pytest

import qoder_async as qa
from qoder_async.testing import Emulator, RequestFault, StreamFault

pytestmark = pytest.mark.anyio


def rotating(prefix: str) -> tuple[list[str], qa.TokenProvider]:
    handed: list[str] = []
    numbers = itertools.count()

    def provider() -> str:
        handed.append(f"{prefix}-{next(numbers)}-rotating")
        return handed[-1]

    return handed, provider


def bearers(emulator: Emulator, since: int, path_end: str) -> list[str]:
    return [
        r.headers["authorization"].removeprefix("Bearer ")
        for r in emulator.requests[since:]
        if r.path.endswith(path_end)
    ]


async def test_a_provider_is_asked_before_each_retry(emulator: Emulator) -> None:
    handed, provider = rotating("retry")
    emulator.request_faults([RequestFault(status=503, method="GET", path_prefix="/models")])
    since = len(emulator.requests)
    async with qa.AsyncQoder(
        provider, emulator.base_url, retry_policy=qa.RetryPolicy.instant()
    ) as client:
        await client.models.list()
    assert handed == ["retry-0-rotating", "retry-1-rotating"]
    assert bearers(emulator, since, "/models") == handed


async def test_an_async_provider_is_awaited(emulator: Emulator) -> None:
    async def provider() -> str:
        await anyio.lowlevel.checkpoint()
        return "async-provided-token"

    since = len(emulator.requests)
    async with qa.AsyncQoder(provider, emulator.base_url) as client:
        await client.models.list()
    assert bearers(emulator, since, "/models") == ["async-provided-token"]


async def test_a_provider_is_asked_on_every_stream_reconnect(emulator: Emulator) -> None:
    handed, provider = rotating("stream")
    record = emulator.new_session()
    emulator.stream_faults(record["id"], [StreamFault(drop_after=1), StreamFault(drop_after=1)])
    since = len(emulator.requests)
    async with qa.AsyncQoder(
        provider, emulator.base_url, retry_policy=qa.RetryPolicy.instant()
    ) as client:
        session = client.session(record["id"])
        async with session.events() as stream:
            emulator.append_events(
                record["id"],
                [{"type": "agent.message", "content": [{"type": "text", "text": "x"}]}] * 3,
            )
            seen = 0
            with anyio.fail_after(10):
                async for _ in stream:
                    seen += 1
                    if seen == 3:
                        break
    used = bearers(emulator, since, "/events/stream")
    assert len(used) == 3
    assert len(set(used)) == 3
    assert set(used) <= set(handed)


async def test_a_provider_returning_no_string_is_refused_before_sending(
    emulator: Emulator,
) -> None:
    since = len(emulator.requests)
    async with qa.AsyncQoder(lambda: "", emulator.base_url) as client:
        with pytest.raises(qa.InvalidInputError, match="token provider"):
            await client.models.list()
    assert bearers(emulator, since, "/models") == []


async def test_a_provider_token_echoed_by_the_server_is_redacted(emulator: Emulator) -> None:
    secret = "provided-secret-token-42"
    emulator.request_faults(
        [RequestFault(status=400, path_prefix="/models", message=f"bad token {secret}")]
    )
    async with qa.AsyncQoder(lambda: secret, emulator.base_url, max_retries=0) as client:
        with pytest.raises(qa.InvalidRequestError) as caught:
            await client.models.list()
    assert secret not in str(caught.value)
    assert "[redacted]" in str(caught.value)
