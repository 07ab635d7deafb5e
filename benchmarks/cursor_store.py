"""What a cursor store adds per event: ``session.events(cursors=...)`` end to end.

    python -m benchmarks.cursor_store [--events 20000] [--repeat 5] [--redis URL]

One bulk stream of the ``mixed`` workload from ``benchmarks.server`` (pinned to core 0 with
redis-server; the client on core 1 when there are two), consumed through each store in turn,
rows interleaved, medians of ``--repeat``. Every row commits every event it handles unless
its name says it batches. Redis rows go through a held :class:`qoder_async.Lease` (the fenced
Lua commit a fleet uses) or :class:`qoder_async.RedisCursors` (a plain SET). The CPU column
is the client's only: redis-server's own work is not in it, its round trips are in the wall
time. Without ``--redis`` a redis-server is started on a free loopback port.
"""

from __future__ import annotations

import argparse
import os
import shutil
import socket
import statistics
import subprocess
import tempfile
import time
import uuid
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import (
    AbstractAsyncContextManager,
    asynccontextmanager,
    contextmanager,
    nullcontext,
)
from pathlib import Path

import anyio
from redis.asyncio import Redis

import qoder_async as qa
from benchmarks import server
from benchmarks._timing import table

Store = Callable[[str], AbstractAsyncContextManager[qa.CursorStore | None]]


@contextmanager
def redis_server(cpu: int | None) -> Iterator[str]:
    """A throwaway redis-server on a free loopback port; yields its URL."""
    exe = shutil.which("redis-server")
    if exe is None:
        raise SystemExit("redis-server not found: apt-get install redis-server, or --redis URL")
    with tempfile.TemporaryDirectory() as folder, socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
        probe.close()
        options = ["--bind", "127.0.0.1", "--port", str(port), "--dir", folder, "--save", ""]
        pin = ["taskset", "-c", str(cpu)] if cpu is not None and shutil.which("taskset") else []
        with subprocess.Popen([*pin, exe, *options], stdout=subprocess.DEVNULL) as process:
            try:
                while not _listening(port):
                    time.sleep(0.05)
                yield f"redis://127.0.0.1:{port}/0"
            finally:
                process.terminate()


def _listening(port: int) -> bool:
    with socket.socket() as sock:
        return sock.connect_ex(("127.0.0.1", port)) == 0


def stores(redis: Redis, folder: Path) -> list[tuple[str, Store]]:
    """(row name, store factory) for every row; a factory gets the stream's session id."""

    @asynccontextmanager
    async def none(session_id: str) -> AsyncIterator[None]:
        yield None

    @asynccontextmanager
    async def memory(session_id: str) -> AsyncIterator[qa.CursorStore]:
        yield qa.MemoryCursors()

    def sqlite(every: int) -> Store:
        @asynccontextmanager
        async def make(session_id: str) -> AsyncIterator[qa.CursorStore]:
            async with qa.SQLiteCursors(folder / f"{uuid.uuid4().hex}.db", commit_every=every) as s:
                yield s

        return make

    def lease(every: int) -> Store:
        @asynccontextmanager
        async def make(session_id: str) -> AsyncIterator[qa.CursorStore]:
            fleet = qa.Fleet(redis, prefix=uuid.uuid4().hex, commit_every=every, lease_ttl=30)
            async with fleet.lease(session_id) as held:
                yield held

        return make

    @asynccontextmanager
    async def plain_redis(session_id: str) -> AsyncIterator[qa.CursorStore]:
        yield qa.RedisCursors(redis, prefix=uuid.uuid4().hex)

    return [
        ("no store (a stream as before)", none),
        ("MemoryCursors", memory),
        ("RedisCursors, plain SET", plain_redis),
        ("Lease (Redis, fenced Lua)", lease(1)),
        ("Lease, commit_every=10", lease(10)),
        ("Lease, commit_every=100", lease(100)),
        ("SQLiteCursors", sqlite(1)),
        ("SQLiteCursors, commit_every=100", sqlite(100)),
    ]


async def consume(base: str, n: int, store: Store) -> tuple[float, float, int]:
    """Wall and CPU seconds to read the stream through the store, and the events read."""
    session_id = f"bulk-{n}"
    async with (
        qa.AsyncQoder("bench-token", base, stream_idle_timeout=60) as client,
        store(session_id) as cursors,
    ):
        count = 0
        cpu, wall = time.process_time(), time.perf_counter()
        async with client.session(session_id).events(cursors=cursors) as stream:
            async for _ in stream:
                count += 1
        return time.perf_counter() - wall, time.process_time() - cpu, count


async def measure(base: str, redis_url: str, n: int, repeat: int) -> str:
    redis = Redis.from_url(redis_url)
    with tempfile.TemporaryDirectory() as folder:
        rows = stores(redis, Path(folder))
        walls: dict[str, list[float]] = {name: [] for name, _ in rows}
        cpus: dict[str, list[float]] = {name: [] for name, _ in rows}
        counts: dict[str, int] = {}
        for _, store in rows:  # warm up: connections, scripts, files
            await consume(base, min(n, 1000), store)
        for _ in range(repeat):
            for name, store in rows:
                wall, cpu, counts[name] = await consume(base, n, store)
                walls[name].append(wall)
                cpus[name].append(cpu)
    await redis.aclose()
    wall = {name: statistics.median(values) for name, values in walls.items()}
    cpu = {name: statistics.median(values) / counts[name] * 1e6 for name, values in cpus.items()}
    per_event = {name: wall[name] / counts[name] * 1e6 for name in wall}
    base_name = "MemoryCursors"
    body = [
        (
            name,
            f"{counts[name] / wall[name] / 1000:.1f}",
            f"{per_event[name]:.1f}",
            f"{per_event[name] - per_event[base_name]:+.1f}",
            f"{wall[name] / wall[base_name]:.2f}",
            f"{cpu[name]:.1f}",
        )
        for name in wall
    ]
    headers = [
        "store",
        "k ev/s",
        "wall µs/event",
        "added µs/event",
        "ratio to memory",
        "CPU µs/event",
    ]
    return table(headers, body)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=20_000)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--redis", help="a Redis URL (default: start a local redis-server)")
    args = parser.parse_args()
    two_cores = len(os.sched_getaffinity(0)) >= 2
    with (
        server.running("mixed", args.events, cpu=0 if two_cores else None) as base,
        redis_server(0 if two_cores else None)
        if args.redis is None
        else nullcontext(args.redis) as url,
    ):
        if two_cores:
            os.sched_setaffinity(0, {1})
        print(f"{args.events} `mixed` events, medians of {args.repeat}, one stream per row:\n")
        print(anyio.run(measure, base, url, args.events, args.repeat))


if __name__ == "__main__":
    main()
