"""Fixtures for the emulator's own tests: a running emulator and raw httpx clients."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from qoder_async.testing import Emulator

from ._helpers import TOKEN, Helpers


@pytest.fixture(scope="session")
def emu() -> Iterator[Emulator]:
    """One emulator shared by the tests that only touch their own sessions."""
    with Emulator(heartbeat_interval=0.2) as emulator:
        yield emulator


@pytest.fixture
def fresh_emu() -> Iterator[Emulator]:
    """A private emulator, for tests that queue global faults or count everything."""
    with Emulator(heartbeat_interval=0.2) as emulator:
        yield emulator


@pytest.fixture
def fresh_client(fresh_emu: Emulator) -> Iterator[httpx.Client]:
    with httpx.Client(
        base_url=fresh_emu.base_url, headers={"Authorization": f"Bearer {TOKEN}"}, timeout=10.0
    ) as http:
        yield http


@pytest.fixture
def client(emu: Emulator) -> Iterator[httpx.Client]:
    with httpx.Client(
        base_url=emu.base_url, headers={"Authorization": f"Bearer {TOKEN}"}, timeout=10.0
    ) as http:
        yield http


@pytest.fixture
def api(client: httpx.Client) -> Helpers:
    return Helpers(client)
