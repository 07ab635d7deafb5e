"""Shared fixtures: the emulator on loopback, a client for it, and both event loops."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable, Iterator

import anyio
import pytest

import qoder_async as qa
from qoder_async.testing import Emulator

# The plugin users get (qoder_emulator, qoder_client, ...), for the tests that use it as they
# would. Installed, it is already loaded under this name from its entry point, and this
# line does nothing; in a checkout whose venv predates the entry point it loads it.
pytest_plugins = ["qoder_async.testing.pytest_plugin"]

TOKEN = "qoder-test-token-5ecret"


@pytest.fixture
def token() -> str:
    """The token the test client uses (so tests can look for it where it must not be)."""
    return TOKEN


@pytest.fixture(params=["asyncio", "trio"])
def anyio_backend(request: pytest.FixtureRequest) -> str:
    """Every async test runs on asyncio and on trio."""
    return str(request.param)


@pytest.fixture(scope="session")
def emulator() -> Iterator[Emulator]:
    """One emulator for the whole run; tests make their own agents and sessions."""
    with Emulator(pace=0.0) as emu:
        yield emu


@pytest.fixture
async def client(emulator: Emulator) -> AsyncIterator[qa.AsyncQoder]:
    """A client of the emulator whose retries wait for nothing."""
    async with qa.AsyncQoder(
        TOKEN,
        emulator.base_url,
        retry_policy=qa.RetryPolicy.instant(),
        stream_idle_timeout=5.0,
    ) as client:
        yield client


@pytest.fixture
async def session(client: qa.AsyncQoder) -> qa.AsyncSession:
    """A fresh, idle session of a fresh agent."""
    agent = await client.agents.create(name="tester", model="ultimate")
    env = await client.environments.create(name="test-env")
    return await client.sessions.create(agent=agent.id, environment_id=env.id)


WaitUntil = Callable[[Callable[[], bool]], Awaitable[None]]


@pytest.fixture
def wait_until() -> WaitUntil:
    """Poll a condition on state another thread owns (the emulator's) for up to 5 s."""

    async def wait(condition: Callable[[], bool]) -> None:
        with anyio.fail_after(5):
            while not condition():  # noqa: ASYNC110  (the emulator's thread cannot set an anyio.Event)
                await anyio.sleep(0.02)

    return wait
