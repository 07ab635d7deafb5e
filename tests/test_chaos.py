"""Chaos and soak: many events through many faults, checked against the emulator's own log."""

from __future__ import annotations

import gc
import random
import subprocess
import sys

import anyio
import psutil
import pytest

import qoder_async as qa
from qoder_async.testing import Emulator, RequestFault, StreamFault

pytestmark = [pytest.mark.anyio, pytest.mark.timeout(300)]

EVENTS = 10_000
FAULTS = 240
MIB_TEXT = "x" * (1 << 20)


def random_stream_fault(rng: random.Random) -> StreamFault:
    kind = rng.choice(["drop", "drop_mid", "stall", "status", "retry"])
    if kind == "drop":
        return StreamFault(drop_after=rng.randint(0, 60))
    if kind == "drop_mid":
        return StreamFault(drop_after=rng.randint(0, 60), drop_mid_frame=True)
    if kind == "stall":
        return StreamFault(stall=2.0, stall_after=rng.randint(0, 40))
    if kind == "status":
        status = rng.choice([429, 500, 502, 503])
        return StreamFault(status=status, retry_after="0.01" if status == 429 else None)
    return StreamFault(retry_ms=rng.randint(1, 20), drop_after=rng.randint(1, 60))


def random_wire_options(rng: random.Random) -> dict[str, object]:
    return {
        "line_ending": rng.choice(["\n", "\r\n", "\r"]),
        "bom": rng.random() < 0.3,
        "multiline_data": rng.random() < 0.3,
        "omit_event_line": rng.random() < 0.3,
        "omit_data_id": rng.random() < 0.3,
        "heartbeat_ms": rng.choice([None, 20, 50]),
    }


def random_event(rng: random.Random, n: int) -> dict[str, object]:
    roll = rng.random()
    if roll < 0.02:
        return {"type": f"agent.future_kind_{n % 3}", "payload": {"n": n}}
    if roll < 0.04:
        return {"type": "agent.thinking", "unknown_field": n}
    return {"type": "agent.message", "content": [{"type": "text", "text": f"event {n} é ✓"}]}


async def test_chaos_loses_and_repeats_no_event(token: str) -> None:
    rng = random.Random(20261123)
    # Random 128-bit ids in no order: nothing may depend on how ids compare.
    with Emulator(pace=0.0, heartbeat_interval=0.05, ids="random") as emu:
        session_id = emu.new_session()["id"]
        emu.stream_faults(session_id, [random_stream_fault(rng) for _ in range(FAULTS)])
        big = [{"type": "agent.message", "content": [{"type": "text", "text": MIB_TEXT}]}] * 2
        received: list[qa.Event] = []
        agents_made = 0

        async with qa.AsyncQoder(
            token,
            emu.base_url,
            retry_policy=qa.RetryPolicy.instant(stream_max_failures=50),
            max_retries=5,
        ) as client:
            stream = client.session(session_id).events(idle_timeout=0.4)

            async def produce() -> None:
                published = 0
                while published < EVENTS:
                    batch = [random_event(rng, published + i) for i in range(50)]
                    if published == EVENTS // 2:
                        batch += big
                    emu.append_events(session_id, batch)
                    published += len(batch)
                    emu.set_stream_options(session_id, **random_wire_options(rng))
                    await anyio.sleep(0.01)

            async def create_through_lost_responses() -> None:
                nonlocal agents_made
                for n in range(10):
                    emu.request_faults(
                        [
                            RequestFault(drop_response=True, method="POST", path_prefix="/agents"),
                            RequestFault(status=503, method="POST", path_prefix="/agents", times=2),
                        ]
                    )
                    await client.agents.create(name=f"chaos-{n}", model="ultimate")
                    agents_made += 1

            agents_before = emu.count("agents")
            async with stream:
                with anyio.fail_after(240):
                    async with anyio.create_task_group() as tg:
                        tg.start_soon(produce)
                        tg.start_soon(create_through_lost_responses)
                        async for event in stream:
                            received.append(event)
                            if len(received) == EVENTS + len(big):
                                break

        log = emu.log(session_id)
        assert [e.id for e in received] == [e["id"] for e in log]
        assert not [e for e in received if isinstance(e, qa.MalformedEvent)]
        assert sum(isinstance(e, qa.UnknownEvent) for e in received) > 0
        assert stream.reconnects >= 200
        assert agents_made == 10
        assert emu.count("agents") == agents_before + 10


SOAK_EVENTS = 100_000
SOAK_SERVER = """
import sys
from qoder_async.testing import Emulator

def script(text, context):
    for n in range(int(text)):
        yield {"type": "agent.message", "content": [{"type": "text", "text": f"soak {n} é ✓"}]}

with Emulator(pace=0.0, agent=script) as emu:
    print(emu.base_url, emu.new_session()["id"], flush=True)
    sys.stdin.read()
"""


async def test_soak_memory_stays_flat(token: str) -> None:
    """100,000 events through one stream from an emulator in another process: the client's
    resident memory after 20,000 events is what it is after 100,000."""
    process = psutil.Process()
    rss: dict[int, int] = {}
    async with await anyio.open_process(
        [sys.executable, "-c", SOAK_SERVER], stdin=subprocess.PIPE, stdout=subprocess.PIPE
    ) as server:
        assert server.stdout is not None
        first_line = b""
        while not first_line.endswith(b"\n"):
            first_line += await server.stdout.receive(1)
        base_url, session_id = first_line.decode().split()
        async with qa.AsyncQoder(token, base_url) as client:
            seen = 0
            with anyio.fail_after(180):
                async for event in client.session(session_id).turn(str(SOAK_EVENTS)):
                    seen += isinstance(event, qa.AgentMessage)
                    if seen and seen % 20_000 == 0 and seen not in rss:
                        gc.collect()
                        rss[seen] = process.memory_info().rss
        assert server.stdin is not None
        await server.stdin.aclose()
    assert seen == SOAK_EVENTS
    growth = rss[SOAK_EVENTS] - rss[20_000]
    print(f"client RSS by events seen (MiB): { {k: round(v / 2**20, 1) for k, v in rss.items()} }")
    assert growth < 4 * 2**20
