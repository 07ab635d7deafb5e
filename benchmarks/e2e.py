"""Row 2 (and 5): end to end over loopback, one bulk stream of pre-generated events.

Each row opens one stream of ``n`` events (+ the terminal one) from the local server and
turns every event into an object: plain dicts for the floors, typed events for the SDKs.
Client set-up is not timed; connecting and reading are.
"""

from __future__ import annotations

import json
import statistics
import time
from collections.abc import Awaitable, Callable

import anyio
import httpx
from httpx_sse import aconnect_sse

import qoder_async as qa
from benchmarks._timing import Timing

Row = Callable[[str, int, "Clock"], Awaitable[int]]


class Clock:
    """Started by a row once its client is ready; read when the row returns."""

    def __init__(self) -> None:
        self.wall = self.cpu = 0.0

    def start(self) -> None:
        """Start timing."""
        self.cpu, self.wall = time.process_time(), time.perf_counter()

    def stop(self) -> None:
        """Stop timing; ``wall`` and ``cpu`` become durations."""
        self.cpu, self.wall = time.process_time() - self.cpu, time.perf_counter() - self.wall


def url(base: str, n: int) -> str:
    """The stream of the first ``n`` events."""
    return f"{base}/sessions/bulk-{n}/events/stream"


async def httpx_bytes(base: str, n: int, clock: Clock) -> int:
    """httpx, body bytes read and dropped: the transport ceiling."""
    async with httpx.AsyncClient(timeout=None) as client:
        clock.start()
        async with client.stream("GET", url(base, n)) as response:
            async for _ in response.aiter_bytes():
                pass
        clock.stop()
    return n + 1


async def httpx_split_json(base: str, n: int, clock: Clock) -> int:
    """httpx, split on blank lines, ``json.loads`` of each ``data:`` line."""
    count, buffer, loads = 0, b"", json.loads
    async with httpx.AsyncClient(timeout=None) as client:
        clock.start()
        async with client.stream("GET", url(base, n)) as response:
            async for chunk in response.aiter_bytes():
                frames = (buffer + chunk).split(b"\n\n")
                buffer = frames.pop()
                for frame in frames:
                    start = frame.find(b"data: ")
                    if start >= 0:
                        loads(frame[start + 6 :])
                        count += 1
        clock.stop()
    return count


async def httpx_sse_json(base: str, n: int, clock: Clock) -> int:
    """httpx-sse's ``aiter_sse`` + ``json.loads``."""
    count, loads = 0, json.loads
    async with httpx.AsyncClient(timeout=None) as client:
        clock.start()
        async with aconnect_sse(client, "GET", url(base, n)) as source:
            async for sse in source.aiter_sse():
                if sse.data:
                    loads(sse.data)
                    count += 1
        clock.stop()
    return count


def sdk_row(make_client: Callable[[str], qa.AsyncQoder]) -> Row:
    """``client.session(...).events()`` with a client made by ``make_client``."""

    async def row(base: str, n: int, clock: Clock) -> int:
        count = 0
        async with make_client(base) as client:
            clock.start()
            async with client.session(f"bulk-{n}").events() as stream:
                async for _ in stream:
                    count += 1
            clock.stop()
        return count

    return row


async def qca_sdk(base: str, n: int, clock: Clock) -> int:
    """The official SDK: ``AsyncManaged().sessions.events.stream``, typed events."""
    from qca.managed import AsyncManaged

    count = 0
    client = AsyncManaged(access_token="bench", base_url=base + "/", max_retries=0, timeout=None)
    clock.start()
    stream = await client.sessions.events.stream(f"bulk-{n}")
    async for _ in stream:
        count += 1
    clock.stop()
    await client.close()
    return count


def default_client(base: str) -> qa.AsyncQoder:
    """The SDK with its defaults."""
    return qa.AsyncQoder("bench-token", base, stream_idle_timeout=60)


def rows(transports: dict[str, Callable[[str], qa.AsyncQoder]]) -> list[tuple[str, str, Row]]:
    """(name, backend, row) of every row that can run here."""
    out: list[tuple[str, str, Row]] = [
        ("httpx, raw bytes, no parsing (ceiling)", "asyncio", httpx_bytes),
        ("httpx, split + json.loads -> dicts", "asyncio", httpx_split_json),
        ("httpx-sse + json.loads -> dicts", "asyncio", httpx_sse_json),
        ("qoder_async session.events() -> typed", "asyncio", sdk_row(default_client)),
        ("qoder_async session.events() on trio", "trio", sdk_row(default_client)),
    ]
    out += [(f"qoder_async, {name}", "asyncio", sdk_row(fn)) for name, fn in transports.items()]
    return out


def run(
    base: str,
    n: int,
    repeat: int,
    transports: dict[str, Callable[[str], qa.AsyncQoder]],
    qca_events: int = 0,
) -> list[Timing]:
    """Time every row ``repeat`` times, interleaved; medians. ``qca_events`` > 0 adds qca-sdk
    on that many events (it is too slow for the full stream)."""
    table = [(name, backend, row, n) for name, backend, row in rows(transports)]
    if qca_events:
        table.append(("qca-sdk 0.11 (official), typed", "asyncio", qca_sdk, qca_events))
    samples: dict[str, list[tuple[float, float]]] = {name: [] for name, *_ in table}
    counts: dict[str, int] = {}
    for rep in range(repeat + 1):  # the first round warms the server's caches up
        for name, backend, row, size in table:
            clock = Clock()
            counts[name] = anyio.run(row, base, size, clock, backend=backend)
            if counts[name] != size + 1:
                raise AssertionError(f"{name}: {counts[name]} events, expected {size + 1}")
            if rep:
                samples[name].append((clock.wall, clock.cpu))
    return [
        Timing(
            name,
            statistics.median(s[0] for s in samples[name]),
            statistics.median(s[1] for s in samples[name]),
            counts[name],
        )
        for name, *_ in table
    ]
