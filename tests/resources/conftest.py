"""Fixtures for the endpoint tests: agents, environments, ready files, and an emulator whose
agent can be kept busy for tests that need a running turn."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator, Mapping
from typing import Any

import anyio
import pytest

import qoder_async as qa
from qoder_async.testing import Emulator, TurnContext, default_script

BUSY = "keep working"
"""A message that starts a turn which runs until it is cancelled or interrupted."""


async def busy_agent(text: str, context: TurnContext) -> AsyncIterator[Mapping[str, Any]]:
    """The default agent, except that :data:`BUSY` keeps the turn running."""
    if text.strip() == BUSY:
        yield {"type": "agent.message", "content": [{"type": "text", "text": "on it"}]}
        await anyio.sleep(3600)
        return
    for event in default_script(text, context):
        yield event


@pytest.fixture(scope="package")
def busy_emulator() -> Iterator[Emulator]:
    """An emulator whose agent runs until cancelled when told :data:`BUSY`."""
    with Emulator(pace=0.0, agent=busy_agent) as emu:
        yield emu


@pytest.fixture
async def busy_client(busy_emulator: Emulator) -> AsyncIterator[qa.AsyncQoder]:
    """A client of :func:`busy_emulator`."""
    async with qa.AsyncQoder(
        "token", busy_emulator.base_url, retry_policy=qa.RetryPolicy.instant()
    ) as client:
        yield client


@pytest.fixture
async def running_session(busy_client: qa.AsyncQoder) -> qa.AsyncSession:
    """A session whose turn is running (until cancelled)."""
    agent = await busy_client.agents.create(name="busy", model="ultimate")
    env = await busy_client.environments.create(name="busy-env")
    session = await busy_client.sessions.create(agent=agent.id, environment_id=env.id)
    await session.send(BUSY)
    return session


@pytest.fixture
async def agent(client: qa.AsyncQoder) -> qa.Agent:
    """A fresh agent."""
    return await client.agents.create(name="helper", model="ultimate", description="helps")


@pytest.fixture
async def environment(client: qa.AsyncQoder) -> qa.Environment:
    """A fresh environment."""
    return await client.environments.create(name="env")


@pytest.fixture
async def ready_file(client: qa.AsyncQoder) -> qa.FileMetadata:
    """An uploaded, ready file."""
    return await client.files.upload(b"# Spec\nThe answer is 42.\n", filename="spec.md")
