"""The fleet's acceptance test: 3 worker processes, 50 sessions, one SIGKILL, one stall.

Workers (``worker.py``) follow their share of the sessions while this test runs scripted
turns on all of them. Mid-stream, one worker is killed with SIGKILL and another is frozen
with SIGSTOP: to Redis and to the API a frozen process is exactly a network stall (its
sockets stay open and nothing more comes or goes), which an emulator stall fault cannot
give, since it would silence only the event stream and not the worker's lease renewals.
After 1.5 TTL the frozen worker is resumed: its leases are gone, the fence refuses its
commits, and it rejoins the fleet, which moves some sessions back to it.

Then, against the emulator's log of every session: each event was handled exactly once
across the fleet, in order; and every session of the two failed workers was granted to
another worker within the lease TTL of the failure.
"""

from __future__ import annotations

import os
import signal
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import anyio
import pytest
from redis.asyncio import Redis

import qoder_async as qa
from qoder_async.testing import Emulator, TurnContext

from ._workers import grants, running_workers, seed_sessions, takeover_delays, wait_until_assigned

pytestmark = [pytest.mark.anyio, pytest.mark.slow]

SESSIONS = 50
TURNS = 14
MESSAGES_PER_TURN = 6
PACE = 0.05
TTL = 2.0
SCHEDULING_SLACK = 1.0  # acquiring after expiry, on two cores shared by 3 workers, redis, emulator


@pytest.fixture
def anyio_backend() -> str:
    """redis.asyncio runs on asyncio only."""
    return "asyncio"


def chatty(text: str, context: TurnContext) -> Iterator[dict[str, Any]]:
    """A turn of several short agent messages."""
    for i in range(MESSAGES_PER_TURN):
        yield {"type": "agent.message", "content": [{"type": "text", "text": f"{text}.{i}"}]}


@pytest.fixture
def emu() -> Iterator[Emulator]:
    # Random ids in no order, as another backend or a proxy may send them.
    with Emulator(pace=PACE, agent=chatty, ids="random") as emulator:
        yield emulator


async def run_turns(
    client: qa.AsyncQoder, emu: Emulator, session_id: str, waiters: anyio.CapacityLimiter
) -> None:
    for turn in range(TURNS):
        while True:
            try:
                await client.sessions.events.send(
                    session_id, events=[qa.UserMessageParam(f"turn {turn}")]
                )
                break
            except qa.ConflictError:  # the previous turn is still running
                await anyio.sleep(PACE)
        await anyio.to_thread.run_sync(emu.wait_idle, session_id, 30.0, limiter=waiters)


def describe(handled: list[str], expected: list[str]) -> str:
    """How a session's handled events differ from its log."""
    first = next(
        (i for i, (h, e) in enumerate(zip(handled, expected, strict=False)) if h != e), None
    )
    return (
        f"{len(handled)} handled of {len(expected)}, {len(handled) - len(set(handled))} twice, "
        f"{len(set(expected) - set(handled))} missing, first difference at {first}"
    )


async def test_fleet_handles_every_event_once_through_a_kill_and_a_stall(
    emu: Emulator, redis_url: str, prefix: str, tmp_path: Path
) -> None:
    redis = Redis.from_url(redis_url, decode_responses=True)
    sessions, starts = await seed_sessions(emu, redis, prefix, SESSIONS)
    waiters = anyio.CapacityLimiter(SESSIONS)  # one thread per session waiting for idle
    try:
        with running_workers(redis_url, emu, prefix, TTL, tmp_path) as processes:
            await wait_until_assigned(redis, prefix, sessions)
            async with (
                qa.AsyncQoder("driver-token", emu.base_url) as client,
                anyio.create_task_group() as turns,
            ):
                for session_id in sessions:
                    turns.start_soon(run_turns, client, emu, session_id, waiters)
                await anyio.sleep(2.0)
                processes["w0"].send_signal(signal.SIGKILL)
                killed_at = time.time()
                await anyio.sleep(1.0)
                processes["w1"].send_signal(signal.SIGSTOP)
                stalled_at = time.time()
                await anyio.sleep(1.5 * TTL)
                processes["w1"].send_signal(signal.SIGCONT)

            expected = {}
            for session_id in sessions:
                ids = [event["id"] for event in emu.log(session_id)]
                expected[session_id] = ids[ids.index(starts[session_id]) + 1 :]
            handled: dict[str, list[str]] = {}
            with anyio.move_on_after(30):
                while handled != expected:
                    for session_id in sessions:
                        rows = await redis.lrange(f"{prefix}:test:handled:{session_id}", 0, -1)
                        handled[session_id] = [str(row).split(" ")[0] for row in rows]
                    await anyio.sleep(0.2)
            granted = await grants(redis, prefix)
            refused = int(await redis.get(f"{prefix}:test:refused") or 0)
    finally:
        await redis.aclose()

    events = sum(len(ids) for ids in expected.values())
    wrong = [s for s in sessions if handled.get(s) != expected[s]]
    assert not wrong, f"{len(wrong)} of {SESSIONS} sessions differ: " + describe(
        handled.get(wrong[0], []), expected[wrong[0]]
    )
    killed = takeover_delays(granted, "w0", killed_at)
    stalled = takeover_delays(granted, "w1", stalled_at)
    assert killed, "the killed worker held no session"
    assert stalled, "the stalled worker held no session"
    slowest = max([*killed.values(), *stalled.values()])
    assert slowest <= TTL + SCHEDULING_SLACK, (killed, stalled)
    print(  # the figures the issue asks for, shown with -s
        f"\n{events} events over {SESSIONS} sessions handled once each; "
        f"{len(killed)} sessions taken over from the killed worker, {len(stalled)} from the "
        f"stalled one, slowest after {slowest:.2f} s (TTL {TTL} s); "
        f"{refused} stale commits refused; pid {os.getpid()}"
    )
