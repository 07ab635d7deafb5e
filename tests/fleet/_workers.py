"""The machinery of the fleet's acceptance tests: sessions seeded for the workers of
``worker.py``, the worker processes themselves, and who holds which session when."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from collections.abc import Iterator, Sequence
from contextlib import ExitStack, contextmanager
from pathlib import Path

import anyio
from redis.asyncio import Redis

import qoder_async as qa
from qoder_async.testing import Emulator

WORKERS = ["w0", "w1", "w2"]
WORKER = Path(__file__).with_name("worker.py")
ROOT = Path(__file__).resolve().parents[2]


async def seed_sessions(
    emu: Emulator, redis: Redis, prefix: str, count: int, *, balanced: bool = False
) -> tuple[list[str], dict[str, str]]:
    """``count`` new sessions, each with a marker event its cursor starts at, listed at
    ``PREFIX:test:sessions`` for the workers. Returns the ids and each one's marker id.

    ``balanced``: each worker owns as many of them (``count`` is a multiple of the
    workers), listed round-robin by owner: w0's, w1's, w2's, w0's...
    """
    owned: dict[str, list[str]] = {name: [] for name in WORKERS}
    sessions: list[str] = []
    while len(sessions) < count:
        session_id = emu.new_session()["id"]
        if balanced:
            mine = owned[qa.Fleet.owner(session_id, WORKERS)]
            if len(mine) == count // len(WORKERS):
                continue  # an unlisted session: no worker serves it
            mine.append(session_id)
        sessions.append(session_id)
    if balanced:
        sessions = [s for row in zip(*owned.values(), strict=True) for s in row]
    starts = {}
    for session_id in sessions:
        (marker,) = emu.append_events(session_id, [{"type": "agent.message", "content": []}])
        await redis.set(f"{prefix}:cursor:{session_id}", marker["id"])
        starts[session_id] = marker["id"]
    await redis.rpush(f"{prefix}:test:sessions", *sessions)
    return sessions, starts


def package_env() -> dict[str, str]:
    """This process's environment, with ``PYTHONPATH`` led by the repository: a program
    started with it imports the package under test, not whichever copy is installed."""
    path = os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")]))
    return {**os.environ, "PYTHONPATH": path}


@contextmanager
def running_workers(
    redis_url: str, emu: Emulator, prefix: str, ttl: float, logs: Path, *extra: str
) -> Iterator[dict[str, subprocess.Popen[bytes]]]:
    """The workers of ``WORKERS`` as processes (``extra`` ends their arguments), each
    logging to ``logs/<name>.log``; on the way out each is resumed if frozen and killed."""
    env = package_env()
    with ExitStack() as stack:
        processes: dict[str, subprocess.Popen[bytes]] = {}
        try:
            for name in WORKERS:
                log = stack.enter_context((logs / f"{name}.log").open("wb"))
                args = [redis_url, emu.base_url, prefix, str(ttl), name, *extra]
                processes[name] = subprocess.Popen(
                    [sys.executable, str(WORKER), *args],
                    stdout=log,
                    stderr=subprocess.STDOUT,
                    env=env,
                )
            yield processes
        finally:
            for process in processes.values():
                if process.poll() is None:
                    process.send_signal(signal.SIGCONT)
                    process.kill()
                process.wait(10)


async def holders(redis: Redis, prefix: str, sessions: Sequence[str]) -> dict[str, str]:
    """The worker holding each leased session now (sessions without a lease left out)."""
    values = await redis.mget([f"{prefix}:lease:{s}" for s in sessions])
    return {s: as_text(v).split(" ")[1] for s, v in zip(sessions, values, strict=True) if v}


def as_text(value: str | bytes) -> str:
    """A Redis reply as text, whether or not the client decodes responses."""
    return value.decode() if isinstance(value, bytes) else value


async def wait_until_assigned(redis: Redis, prefix: str, sessions: Sequence[str]) -> None:
    """Until every session is held by the worker rendezvous hashing gives it."""
    expected = {s: qa.Fleet.owner(s, WORKERS) for s in sessions}
    with anyio.fail_after(20):
        while True:  # polled: Redis tells no one when a lease changes hands
            if await holders(redis, prefix, sessions) == expected:
                return
            await anyio.sleep(0.1)


async def grants(redis: Redis, prefix: str) -> list[tuple[str, str, int, float]]:
    """Every lease grant the workers logged, as ``(session, worker, token, unix time)``."""
    rows = await redis.lrange(f"{prefix}:test:grants", 0, -1)
    return [tuple(json.loads(row)) for row in rows]


def takeover_delays(
    grants: Sequence[tuple[str, str, int, float]], worker: str, failed_at: float
) -> dict[str, float]:
    """For each session the worker held when it failed: how long until another got it."""
    delays: dict[str, float] = {}
    for session_id in {g[0] for g in grants}:
        mine = sorted((g for g in grants if g[0] == session_id), key=lambda g: g[3])
        before = [g for g in mine if g[3] < failed_at]
        if not before or before[-1][1] != worker:
            continue
        after = [g for g in mine if g[3] >= failed_at and g[1] != worker]
        delays[session_id] = after[0][3] - failed_at if after else float("inf")
    return delays
