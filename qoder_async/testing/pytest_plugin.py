"""pytest fixtures for testing code built on ``qoder_async`` against the local emulator.

Installed with the package (the ``pytest11`` entry point); the fixtures need the
``emulator`` extra (``pip install 'qoder-async[emulator]'``). Loading this module starts
nothing and imports neither Starlette nor uvicorn: the emulator starts when a test first asks
for one of the fixtures below.

- ``qoder_emulator``: a fresh ``Emulator`` for each test (so faults and scripted turns never
  leak); ``qoder_shared_emulator``: one for the whole run. To share one everywhere, override
  ``qoder_emulator`` in a ``conftest.py`` to return ``qoder_shared_emulator``.
- ``qoder_client``: an ``AsyncQoder`` bound to ``qoder_emulator``, retrying without waiting;
  ``qoder_session``: a fresh idle session on it. Both are async fixtures, run by anyio's
  pytest plugin: mark the tests ``@pytest.mark.anyio`` (``anyio_backend`` picks the loop).
- ``qoder_agent``: the ``ScriptedAgent`` of ``qoder_emulator``: queue the agent's next turns,
  tool calls and ``requires_action`` stops included. A test that leaves a queued turn
  unplayed errors at teardown.
- ``qoder_faults``: a ``FaultInjector`` for ``qoder_emulator`` (dropped and stalled streams,
  error statuses, lost responses); what a test did not use is cleared after it.
- ``qoder_assert_events(session, expected)``: "this session received exactly these events"
  (``assert_events`` bound to ``qoder_emulator``).

Disable the plugin with ``-p no:qoder_async.testing.pytest_plugin``.
"""

from __future__ import annotations

import weakref
from collections.abc import AsyncIterator, Callable, Iterator, Sequence
from typing import TYPE_CHECKING, Any

import pytest

import qoder_async as qa

# The package resolves its names on first use: ``testing.Emulator`` imports uvicorn and
# Starlette only when a fixture starts an emulator.
import qoder_async.testing as testing

from ._expect import ExpectedEvent, assert_events
from ._inject import FaultInjector
from ._scripted import ScriptedAgent, SessionRef

if TYPE_CHECKING:
    from ._server import Emulator

__all__ = [
    "TOKEN",
    "qoder_agent",
    "qoder_assert_events",
    "qoder_client",
    "qoder_emulator",
    "qoder_faults",
    "qoder_session",
    "qoder_shared_emulator",
]

TOKEN = "qoder-emulator-token"
"""The token ``qoder_client`` sends (the emulator accepts any)."""

_AGENTS: weakref.WeakKeyDictionary[Emulator, ScriptedAgent] = weakref.WeakKeyDictionary()


@pytest.fixture(scope="session")
def qoder_shared_emulator() -> Iterator[Emulator]:
    """One emulator for the whole test run, driven by a ``ScriptedAgent``."""
    yield from _serve()


@pytest.fixture
def qoder_emulator() -> Iterator[Emulator]:
    """A fresh emulator for this test, driven by a ``ScriptedAgent`` (``qoder_agent``)."""
    yield from _serve()


def _serve() -> Iterator[Emulator]:
    try:
        emulator_class = testing.Emulator
    except ModuleNotFoundError as exc:
        pytest.fail(
            f"the qoder_* fixtures need the emulator extra ({exc}): "
            "pip install 'qoder-async[emulator]'",
            pytrace=False,
        )
    agent = ScriptedAgent()
    with emulator_class(pace=0.0, agent=agent) as emulator:
        _AGENTS[emulator] = agent
        yield emulator


@pytest.fixture
def qoder_agent(qoder_emulator: Emulator) -> Iterator[ScriptedAgent]:
    """The scripted agent of ``qoder_emulator``; unplayed turns fail the test at teardown."""
    agent = _AGENTS.get(qoder_emulator)
    if agent is None:
        pytest.fail(
            "qoder_agent scripts the emulators this plugin starts; this qoder_emulator was "
            "made elsewhere (give it agent=ScriptedAgent() and script that instead)",
            pytrace=False,
        )
    agent.clear()
    yield agent
    unplayed = agent.clear()
    if unplayed:
        pytest.fail(f"{unplayed} scripted turn(s) were queued but never played", pytrace=False)


@pytest.fixture
def qoder_faults(qoder_emulator: Emulator) -> Iterator[FaultInjector]:
    """Fault injection on ``qoder_emulator``; faults left unconsumed are cleared after."""
    injector = FaultInjector(qoder_emulator)
    yield injector
    injector.clear()


@pytest.fixture
async def qoder_client(
    qoder_emulator: Emulator, anyio_backend: Any
) -> AsyncIterator[qa.AsyncQoder]:
    """An ``AsyncQoder`` of ``qoder_emulator`` whose retries wait for nothing."""
    async with qa.AsyncQoder(
        TOKEN,
        qoder_emulator.base_url,
        retry_policy=qa.RetryPolicy.instant(),
        stream_idle_timeout=5.0,
    ) as client:
        yield client


@pytest.fixture
async def qoder_session(qoder_emulator: Emulator, qoder_client: qa.AsyncQoder) -> qa.AsyncSession:
    """A fresh idle session (of a fresh agent and environment) on ``qoder_client``."""
    created = qoder_emulator.new_session()
    return qoder_client.session(created["id"])


@pytest.fixture
def qoder_assert_events(
    qoder_emulator: Emulator,
) -> Callable[..., list[dict[str, Any]]]:
    """``qoder_assert_events(session, expected, ignore=(), timeout=10.0)``: assert that
    ``session`` received exactly ``expected`` (see ``assert_events``)."""

    def check(
        session: SessionRef,
        expected: Sequence[ExpectedEvent],
        *,
        ignore: Sequence[str] = (),
        timeout: float = 10.0,
    ) -> list[dict[str, Any]]:
        return assert_events(qoder_emulator, session, expected, ignore=ignore, timeout=timeout)

    return check
