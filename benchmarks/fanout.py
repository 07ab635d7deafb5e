"""Row 3 (and 5): many slow streams held by one process pinned to one core.

``python -m benchmarks.fanout ROW BASE_URL --streams 1000 --events 100 --cpu 1`` opens the
streams at once, each receiving one event every 100 ms from the server, and prints one JSON
object: events delivered, CPU used, peak RSS per stream and the latency of every event
(receive time minus the ``sent_at`` the server spliced in, on the system-wide monotonic
clock). "steady" latencies are those of events sent after every stream had received its
first event. Each row runs in a fresh process so that its peak RSS is its own.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import gc
import json
import os
import resource
import statistics
import sys
import time
from collections.abc import Awaitable, Callable
from typing import Any

import anyio
import psutil

DEADLINE_SLACK = 30.0  # seconds past the last event after which a row gives up


class Tally:
    """What every stream saw: events, latencies, the send time of its first event."""

    def __init__(self) -> None:
        self.events = 0
        self.finished = 0
        self.latencies: list[tuple[float, float]] = []  # (sent_at, latency)
        self.first_sent: list[float] = []

    def saw(self, sent_at: float, first: bool) -> None:
        """Record one event."""
        self.events += 1
        self.latencies.append((sent_at, time.monotonic() - sent_at))
        if first:
            self.first_sent.append(sent_at)


def path(base: str, i: int, n: int) -> str:
    """The URL of paced stream ``i``."""
    return f"{base}/sessions/paced-{n}-{i}/events/stream"


async def sdk(base: str, i: int, n: int, tally: Tally, client: Any) -> None:
    """qoder_async: ``client.session(...).events()``, typed events."""
    first = True
    async with client.session(f"paced-{n}-{i}").events() as stream:
        async for event in stream:
            sent_at = event.raw.get("sent_at")
            if sent_at is not None:
                tally.saw(sent_at, first)
                first = False
    tally.finished += 1


async def httpx_sse(base: str, i: int, n: int, tally: Tally, client: Any) -> None:
    """httpx-sse's ``aiter_sse`` + ``json.loads`` -> dicts."""
    from httpx_sse import aconnect_sse

    first = True
    async with aconnect_sse(client, "GET", path(base, i, n)) as source:
        async for sse in source.aiter_sse():
            data = json.loads(sse.data)
            if "sent_at" in data:
                tally.saw(data["sent_at"], first)
                first = False
    tally.finished += 1


async def sockets(base: str, i: int, n: int, tally: Tally, client: Any) -> None:
    """Bare asyncio streams: the request by hand, ``json.loads`` of every ``data:`` line."""
    host, port = base.split("//")[1].split("/")[0].split(":")
    reader, writer = await asyncio.open_connection(host, int(port))
    target = path(base, i, n).split(port, 1)[1]
    writer.write(f"GET {target} HTTP/1.1\r\nhost: {host}\r\n\r\n".encode())
    first, buffer = True, b""
    while data := await reader.read(65536):
        buffer += data
        while (start := buffer.find(b"data: ")) >= 0 and (end := buffer.find(b"\n", start)) > 0:
            event = json.loads(buffer[start + 6 : end])
            buffer = buffer[end:]
            if "sent_at" in event:
                tally.saw(event["sent_at"], first)
                first = False
            elif event.get("type") == "session.status_terminated":
                tally.finished += 1
                writer.close()
                return
    writer.close()


async def qca_sdk(base: str, i: int, n: int, tally: Tally, client: Any) -> None:
    """The official SDK's ``sessions.events.stream``."""
    first = True
    stream = await client.sessions.events.stream(f"paced-{n}-{i}")
    async for event in stream:
        sent_at = getattr(event, "sent_at", None)
        if sent_at is not None:
            tally.saw(sent_at, first)
            first = False
        if event.type == "session.status_terminated":
            break
    await stream.close()
    tally.finished += 1


def make_client(row: str, base: str) -> Any:
    """The client object a row shares among its streams."""
    if row.startswith("qoder_async"):
        import qoder_async as qa

        kwargs = {"transport": "aiohttp"} if "aiohttp" in row else {}
        return qa.AsyncQoder("bench-token", base, stream_idle_timeout=60, **kwargs)
    if row == "httpx-sse":
        import httpx

        return httpx.AsyncClient(timeout=None, limits=httpx.Limits(max_connections=None))
    if row == "qca-sdk":
        import httpx
        from qca.managed import AsyncManaged

        http = httpx.AsyncClient(timeout=None, limits=httpx.Limits(max_connections=None))
        return AsyncManaged(
            access_token="bench", base_url=base + "/", max_retries=0, http_client=http
        )
    return None


STREAMS: dict[str, Callable[..., Awaitable[None]]] = {
    "sockets": sockets,
    "httpx-sse": httpx_sse,
    "qoder_async": sdk,
    "qoder_async-aiohttp": sdk,
    "qoder_async-uvloop": sdk,
    "qoder_async-aiohttp-uvloop": sdk,
    "qoder_async-trio": sdk,
    "qca-sdk": qca_sdk,
}


async def fan_out(
    row: str, base: str, streams: int, n: int, freeze: bool = False
) -> dict[str, Any]:
    """Open ``streams`` streams of ``n`` events at once; measure until all end. ``freeze``:
    no garbage collection for the first 2 s, then ``gc.freeze()``."""
    tally = Tally()
    client = make_client(row, base)
    proc = psutil.Process()
    rss0 = proc.memory_info().rss
    core = min(os.sched_getaffinity(0))
    core0 = _busy(core)
    cpu0, t0 = proc.cpu_times(), time.monotonic()
    stream = STREAMS[row]
    with anyio.move_on_after(n * 0.1 + DEADLINE_SLACK):
        async with anyio.create_task_group() as tg:
            if freeze:
                # What an application holding many streams can do: no collection while the
                # streams open (a full one then takes ~100 ms), then move everything alive
                # out of the collector's sight, so that later full collections stay short.
                gc.disable()
            for i in range(streams):
                tg.start_soon(stream, base, i, n, tally, client)
            if freeze:
                await anyio.sleep(2.0)
                gc.freeze()
                gc.enable()
    wall = time.monotonic() - t0
    cpu1 = proc.cpu_times()
    if hasattr(client, "aclose"):
        await client.aclose()
    cpu = (cpu1.user - cpu0.user) + (cpu1.system - cpu0.system)
    others = max(0.0, _busy(core) - core0 - cpu)
    peak = peak_rss()
    ramp_end = max(tally.first_sent, default=t0)
    steady = [lat for sent, lat in tally.latencies if sent > ramp_end]
    every = [lat for _, lat in tally.latencies]
    return {
        "row": row,
        "streams": streams,
        "expected": streams * n,
        "delivered": tally.events,
        "finished": tally.finished,
        "wall_s": wall,
        "cpu_s": cpu,
        "core_use": cpu / wall,
        "others_on_core": others / wall,
        "cpu_us_per_event": cpu / max(1, tally.events) * 1e6,
        "ramp_s": ramp_end - t0,
        "kib_per_stream": (peak - rss0) / 1024 / streams,
        "p50_ms": _quantile(every, 0.50),
        "p99_ms": _quantile(every, 0.99),
        "steady_p50_ms": _quantile(steady, 0.50),
        "steady_p99_ms": _quantile(steady, 0.99),
    }


def peak_rss() -> int:
    """This process's peak resident memory in bytes (``VmHWM``, not ``ru_maxrss``: the latter
    survives ``exec`` and so may be the parent's)."""
    with open("/proc/self/status") as status:
        line = next(line for line in status if line.startswith("VmHWM:"))
    return int(line.split()[1]) * 1024


def raise_priority() -> None:
    """Ask for a higher CPU priority (allowed to root), so that whatever else runs on the
    machine disturbs the measurement less; "others on the core" in the results says how much
    it still did."""
    with contextlib.suppress(PermissionError):
        os.setpriority(os.PRIO_PROCESS, 0, -10)


def _busy(core: int) -> float:
    """Seconds the core spent busy so far, whoever ran on it."""
    times = psutil.cpu_times(percpu=True)[core]
    return sum(times) - times.idle - getattr(times, "iowait", 0.0)


def _quantile(values: list[float], q: float) -> float | None:
    if len(values) < 2:
        return None
    return statistics.quantiles(values, n=1000, method="inclusive")[round(q * 1000) - 1] * 1e3


def main() -> None:
    """Command line entry: see the module docstring."""
    parser = argparse.ArgumentParser()
    parser.add_argument("row", help=f"one of {', '.join(STREAMS)}, optionally + '+gc.freeze'")
    parser.add_argument("base")
    parser.add_argument("--streams", type=int, default=1000)
    parser.add_argument("--events", type=int, default=100)
    parser.add_argument("--cpu", type=int, default=None, help="pin this process to that core")
    args = parser.parse_args()
    if args.cpu is not None:
        os.sched_setaffinity(0, {args.cpu})
    raise_priority()
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (max(soft, min(hard, 4 * args.streams)), hard))
    row, _, variant = args.row.partition("+")
    if row not in STREAMS or variant not in ("", "gc.freeze"):
        parser.error(f"unknown row {args.row!r}")
    backend, options = "asyncio", {}
    if row.endswith("trio"):
        backend = "trio"
    elif row.endswith("uvloop"):
        options = {"use_uvloop": True}
    result = anyio.run(
        fan_out,
        row,
        args.base,
        args.streams,
        args.events,
        variant == "gc.freeze",
        backend=backend,
        backend_options=options,
    )
    json.dump({**result, "row": args.row}, sys.stdout)


if __name__ == "__main__":
    main()
