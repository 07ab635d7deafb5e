"""``python -m benchmarks``: every row of issue 7, measured side by side in one run.

Sections: ``decode`` (in memory), ``e2e`` (one bulk stream over loopback), ``fanout``
(1,000 slow streams, client pinned to one core), ``import`` (fresh interpreters), and, only
when named, ``history`` (earlier revisions of the SDK against this one, piece by piece).
The server runs in a child process pinned to core 0 and the client to core 1 (when there
are two). ``--quick`` shrinks everything to check that the suite still runs.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import platform
import secrets
import statistics
import subprocess
import sys
import time
import tracemalloc
from collections.abc import Callable
from typing import Any

import qoder_async as qa
from benchmarks import decode, e2e, fanout, history, imports, server
from benchmarks._timing import Timing, table
from qoder_async.streaming._stream import _RECENT_IDS, _Follower

SECTIONS = ("decode", "e2e", "fanout", "import")
FANOUT_ROWS = (
    "sockets",
    "httpx-sse",
    "qoder_async",
    "qoder_async-aiohttp",
    "qoder_async-uvloop",
    "qoder_async-aiohttp-uvloop",
    "qoder_async-aiohttp-uvloop+gc.freeze",
    "qoder_async-trio",
    "qca-sdk",
)


def has(module: str) -> bool:
    """Whether an optional package is installed."""
    return importlib.util.find_spec(module) is not None


def transports() -> dict[str, Callable[[str], qa.AsyncQoder]]:
    """The SDK's optional transports that can run here, for the end-to-end table."""
    out: dict[str, Callable[[str], qa.AsyncQoder]] = {}
    if has("httpx_aiohttp"):
        out["aiohttp transport"] = lambda base: qa.AsyncQoder(
            "bench-token", base, stream_idle_timeout=60, transport="aiohttp"
        )
    return out


def machine() -> str:
    """One line about where this ran."""
    cpu = "?"
    try:
        with open("/proc/cpuinfo") as f:
            cpu = next(line.split(":", 1)[1].strip() for line in f if "model name" in line)
    except (OSError, StopIteration):
        pass
    return (
        f"{cpu}, {os.cpu_count()} cores, {platform.system()} {platform.release()}, "
        f"CPython {platform.python_version()}, qoder_async {qa.__version__}"
    )


def ratio(a: float, b: float) -> str:
    """``a / b`` as ``1.23x``."""
    return f"{a / b:.2f}x" if b else "-"


def print_rates(title: str, timings: list[Timing], ref: str, sdk: str) -> None:
    """A table of events/s and CPU per event, with ratios to ``ref`` and of ``sdk``."""
    by = {t.name: t for t in timings}
    rows = [
        (t.name, f"{t.rate / 1e3:.1f}", f"{t.cpu_per_item_us:.2f}", ratio(t.rate, by[ref].rate))
        for t in timings
    ]
    print(f"\n### {title}\n")
    print(table(("row", "k events/s", "CPU µs/event", f"vs {ref}"), rows))
    qca = next((t for t in timings if t.name.startswith("qca")), None)
    print(f"\n**{sdk} / {ref}: {ratio(by[sdk].rate, by[ref].rate)}**", end="")
    if qca is not None:
        print(f"; **{sdk} / qca-sdk: {ratio(by[sdk].rate, qca.rate)}**", end="")
    print()


def run_decode(args: argparse.Namespace) -> None:
    """Section 1: in-memory decoding of both workloads."""
    for variant, n in (("mixed", args.events), ("deltas", args.events * 5)):
        timings = decode.run(variant, n, args.repeat)
        sdk = decode.ROWS[-1][0]
        print_rates(f"Decode in memory: {n:,} `{variant}` events", timings, decode.ROWS[2][0], sdk)


def run_e2e(args: argparse.Namespace) -> None:
    """Section 2: one bulk stream over loopback, every client stack."""
    with server.running("mixed", args.events, cpu=0 if args.pin else None) as base:
        timings = e2e.run(
            base,
            args.events,
            args.repeat,
            transports(),
            qca_events=args.qca_events if has("qca") else 0,
        )
    print_rates(
        f"End to end over loopback: {args.events:,} `mixed` events, median of {args.repeat}",
        timings,
        "httpx-sse + json.loads -> dicts",
        "qoder_async session.events() -> typed",
    )


def run_fanout(args: argparse.Namespace) -> list[dict[str, Any]]:
    """Section 3: many slow streams, each row in a fresh client process."""
    rows = [r for r in args.fanout_rows.split(",") if r]
    if not has("qca"):
        rows = [r for r in rows if r != "qca-sdk"]
    if not has("httpx_aiohttp"):
        rows = [r for r in rows if "aiohttp" not in r]
    if not has("uvloop"):
        rows = [r for r in rows if "uvloop" not in r]
    runs: dict[str, list[dict[str, Any]]] = {row: [] for row in rows}
    with server.running("mixed", 20_000, cpu=0 if args.pin else None, ids=args.fanout_ids) as base:
        for _ in range(args.fanout_repeat):
            for row in rows:
                cmd = [sys.executable, "-m", "benchmarks.fanout", row, base]
                cmd += ["--streams", str(args.streams), "--events", str(args.fanout_events)]
                cmd += ["--cpu", "1"] if args.pin else []
                out = subprocess.run(cmd, capture_output=True, text=True, check=False)
                if out.returncode:
                    print(f"fan-out row {row} failed:\n{out.stderr[-3000:]}", file=sys.stderr)
                    continue
                runs[row].append(json.loads(out.stdout))
    results = [median_result(r) for r in runs.values() if r]
    ids = "" if args.fanout_ids == "workload" else f", {args.fanout_ids} 128-bit ids"
    print(
        f"\n### Fan-out: {args.streams:,} streams x {args.fanout_events} events at 10/s{ids}, "
        f"client on one core, median of {args.fanout_repeat}\n"
    )
    print(
        table(
            (
                "row",
                "delivered",
                "core used",
                "others on the core",
                "CPU µs/event",
                "KiB/stream",
                "p50 ms",
                "p99 ms",
                "p99 ms once connected",
                "all connected after s",
            ),
            [
                (
                    r["row"],
                    f"{int(r['delivered']):,}/{int(r['expected']):,}",
                    f"{r['core_use']:.0%}",
                    f"{r['others_on_core']:.0%}",
                    f"{r['cpu_us_per_event']:.0f}",
                    f"{r['kib_per_stream']:.0f}",
                    _ms(r["p50_ms"]),
                    _ms(r["p99_ms"]),
                    _ms(r["steady_p99_ms"]),
                    f"{r['ramp_s']:.1f}",
                )
                for r in results
            ],
        )
    )
    print(
        f"\nOne stream's dedupe window once full ({_RECENT_IDS:,} ids, so after "
        f"{_RECENT_IDS:,} events): {dedupe_window_kib():.1f} KiB more per stream, "
        f"{dedupe_window_kib(100 * _RECENT_IDS):.1f} KiB after {100 * _RECENT_IDS:,} events."
    )
    return results


def median_result(runs: list[dict[str, Any]]) -> dict[str, Any]:
    """Field by field, the median of several runs of one fan-out row."""
    out = dict(runs[0])
    for key, value in out.items():
        if isinstance(value, (int, float)):
            values = [r[key] for r in runs if r[key] is not None]
            out[key] = statistics.median(values) if values else None
    return out


def dedupe_window_kib(events: int = _RECENT_IDS) -> float:
    """Memory one stream's window of recent ids holds after ``events`` events with random
    ids of the API's length (``evt_`` and 32 hex digits)."""
    follower = _Follower(None, "/x", (), None, None, None)  # type: ignore[arg-type]  # no I/O
    tracemalloc.start()
    before = tracemalloc.get_traced_memory()[0]
    for _ in range(events):
        follower._remember(f"evt_{secrets.token_hex(16)}")  # what stays is what it keeps
    after = tracemalloc.get_traced_memory()[0]
    tracemalloc.stop()
    return (after - before) / 1024


def _ms(value: float | None) -> str:
    return "-" if value is None else f"{value:,.1f}"


def run_import(args: argparse.Namespace) -> None:
    """Section 4: import time in fresh interpreters."""
    rows = imports.run(args.import_repeat)
    print(f"\n### Import time, fresh interpreters, median of {args.import_repeat}\n")
    print(
        table(
            ("statement", "ms", "ms over bare", "extras loaded"),
            [(n, f"{t:.0f}", f"{d:.0f}", ", ".join(x) or "none") for n, t, d, x in rows],
        )
    )


def main(argv: list[str] | None = None) -> None:
    """Command line entry: see the module docstring."""
    parser = argparse.ArgumentParser(prog="python -m benchmarks", description=__doc__)
    parser.add_argument("sections", nargs="*", help=f"some of {', '.join(SECTIONS)} (all)")
    parser.add_argument("--quick", action="store_true", help="small sizes: a smoke run")
    parser.add_argument("--events", type=int, default=20_000)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--qca-events", type=int, default=2_000)
    parser.add_argument("--streams", type=int, default=1_000)
    parser.add_argument("--fanout-events", type=int, default=100)
    parser.add_argument("--fanout-rows", default=",".join(FANOUT_ROWS))
    parser.add_argument("--fanout-repeat", type=int, default=1)
    parser.add_argument(
        "--fanout-ids",
        choices=("workload", "random"),
        default="workload",
        help="fan-out: the workload's time-ordered ids, or random 128-bit ones",
    )
    parser.add_argument("--import-repeat", type=int, default=15)
    parser.add_argument(
        "--revs",
        default=f"{history.BEFORE},working tree+nojson,working tree",
        help="history: git revisions (REV+nojson: as if orjson were not installed)",
    )
    parser.add_argument("--history-streams", type=int, default=0, help="history: add a fan-out row")
    args = parser.parse_args(argv)
    if args.quick:
        args.events, args.repeat, args.qca_events = 2_000, 2, 200
        args.streams, args.fanout_events, args.import_repeat = 50, 10, 3
    args.pin = len(os.sched_getaffinity(0)) >= 2
    if args.pin:
        os.sched_setaffinity(0, {1})
    fanout.raise_priority()
    print(f"machine: {machine()}")
    print(f"command: python -m benchmarks {' '.join(argv if argv is not None else sys.argv[1:])}")
    started = time.monotonic()
    runners = {
        "decode": run_decode,
        "e2e": run_e2e,
        "fanout": run_fanout,
        "import": run_import,
        "history": lambda args: history.run(
            args.revs.split(","), args.events, streams=args.history_streams
        ),
    }
    for section in args.sections or SECTIONS:
        if section not in runners:
            parser.error(f"unknown section {section!r}: choose among {', '.join(runners)}")
        runners[section](args)
    print(f"\n(total {time.monotonic() - started:.0f} s)")
