"""AsyncQoder(transport=qa.aiohttp_transport()): the same requests and streams over
aiohttp's HTTP parser."""

from __future__ import annotations

import anyio
import httpx
import pytest

import qoder_async as qa
from qoder_async.testing import Emulator, StreamFault

pytest.importorskip("httpx_aiohttp")

TOKEN = "qoder-test-token-5ecret"

pytestmark = pytest.mark.anyio


@pytest.fixture
def anyio_backend() -> str:
    """aiohttp runs on asyncio only."""
    return "asyncio"


def aiohttp_client(emulator: Emulator) -> qa.AsyncQoder:
    return qa.AsyncQoder(
        TOKEN,
        emulator.base_url,
        transport=qa.aiohttp_transport(),
        retry_policy=qa.RetryPolicy.instant(),
        stream_idle_timeout=5.0,
    )


async def test_aiohttp_transport_creates_and_reads_resources(emulator: Emulator) -> None:
    async with aiohttp_client(emulator) as client:
        agent = await client.agents.create(name="over-aiohttp", model="ultimate")
        assert (await client.agents.retrieve(agent.id)).name == "over-aiohttp"


async def test_aiohttp_transport_streams_and_resumes_without_gap(emulator: Emulator) -> None:
    session_id = emulator.new_session()["id"]
    emulator.stream_faults(session_id, [StreamFault(drop_after=3)])
    messages = [
        {"type": "agent.message", "content": [{"type": "text", "text": str(i)}]} for i in range(10)
    ]
    async with aiohttp_client(emulator) as client, client.session(session_id).events() as stream:
        emulator.append_events(session_id, messages)
        events = []
        with anyio.fail_after(20):
            async for event in stream:
                events.append(event)
                if len(events) == 10:
                    break
    assert [e.id for e in events] == [e["id"] for e in emulator.log(session_id)][-10:]
    assert stream.reconnects == 1


async def test_aiohttp_transport_raises_api_errors(emulator: Emulator) -> None:
    async with aiohttp_client(emulator) as client:
        with pytest.raises(qa.NotFoundError):
            await client.agents.retrieve("agent_missing")


def test_aiohttp_transport_on_trio_says_it_needs_asyncio(emulator: Emulator) -> None:
    async def request() -> None:
        async with aiohttp_client(emulator) as client:
            await client.agents.retrieve("agent_x")

    with pytest.raises(qa.InvalidInputError, match="asyncio only"):
        anyio.run(request, backend="trio")


def test_unknown_transport_is_refused() -> None:
    with pytest.raises(qa.InvalidInputError, match="transport"):
        qa.AsyncQoder(TOKEN, transport="carrier-pigeon")  # type: ignore[arg-type]


def test_transport_and_http_client_together_are_refused() -> None:
    with pytest.raises(qa.InvalidInputError, match="not both"):
        qa.AsyncQoder(TOKEN, http_client=httpx.AsyncClient(), transport="aiohttp")


async def test_the_aiohttp_short_form_is_the_same_transport(emulator: Emulator) -> None:
    async with qa.AsyncQoder(TOKEN, emulator.base_url, transport="aiohttp") as client:
        agent = await client.agents.create(name="short-form", model="ultimate")
        assert agent.name == "short-form"


async def test_any_httpx_transport_object_can_be_injected(emulator: Emulator) -> None:
    async with qa.AsyncQoder(
        TOKEN, emulator.base_url, transport=httpx.AsyncHTTPTransport(retries=1)
    ) as client:
        assert [m async for m in client.models.list()]


def test_a_transport_that_is_not_a_transport_is_refused() -> None:
    with pytest.raises(qa.InvalidInputError, match="AsyncBaseTransport"):
        qa.AsyncQoder(TOKEN, "http://127.0.0.1:9", transport=object())  # type: ignore[arg-type]
