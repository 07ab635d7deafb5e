"""Before and after: the SDK of other git revisions, measured piece by piece in one run.

``python -m benchmarks history [REV ...]`` exports ``qoder_async`` as it was at each revision
(default: the code as the benchmarks found it, the working tree without orjson, and the
working tree) and measures, in fresh
interpreters taking turns, what each optimisation changed: frame splitting, JSON parsing,
structuring into typed events, the dedupe window, the whole decode path, one bulk stream end
to end, and import time. ``REV+nojson`` runs a revision as if orjson were not installed.
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import tarfile
import tempfile
import time
from io import BytesIO
from pathlib import Path

from benchmarks import server
from benchmarks._timing import table

REPO = Path(__file__).resolve().parents[1]
BEFORE = "8652b16"  # the commit that added the benchmarks, before any optimisation
ROUNDS = 3

# Runs inside the exported revision (which is first on sys.path): prints one JSON object.
PROBE = r"""
import json, sys, time, anyio
from benchmarks import _data, e2e
from qoder_async.streaming._sse import FrameDecoder
from qoder_async.streaming._stream import EventStream, decode_frame
from qoder_async._models._convert import structure_event

base, n = sys.argv[1], int(sys.argv[2])
chunks = _data.chunks(_data.wire("mixed", n))
dicts = [json.loads(data) for _, _, data in _data.frames("mixed", n)]
ids = [f"evt_{i:032x}" for i in range(3 * 4096)]

def per_event(fn, count, repeat=5):
    best = float("inf")
    for _ in range(repeat):
        t0 = time.process_time()
        fn()
        best = min(best, time.process_time() - t0)
    return best / count * 1e6

def frames():
    decoder = FrameDecoder()
    return [f for c in chunks for f in decoder.feed(c)]

all_frames = frames()
stream = EventStream(None, "/x")
remember = getattr(stream, "_follower", stream)._remember
out = {
    "frames": per_event(frames, n),
    "decode_frame": per_event(lambda: [decode_frame(f) for f in all_frames], n),
    "structure": per_event(lambda: [structure_event(dict(d)) for d in dicts], n),
    "dedupe": per_event(lambda: [remember(i) for i in ids], len(ids), repeat=1),
}
clock = e2e.Clock()
samples = []
for _ in range(3):
    anyio.run(e2e.sdk_row(e2e.default_client), base, n, clock)
    samples.append(clock.cpu / n * 1e6)
out["e2e_cpu"] = sorted(samples)[1]
print(json.dumps(out))
"""
IMPORT = "import qoder_async as qa; qa.AsyncQoder('t').session('s').events()"
NO_ORJSON = "import sys; sys.modules['orjson'] = None\n"


def export(rev: str, into: Path) -> Path:
    """``qoder_async`` (and the benchmarks, for their helpers) as of ``rev``, or the working
    tree for ``"working tree"``."""
    target = into / rev.replace(" ", "_")
    target.mkdir()
    if rev == "working tree":
        for name in ("qoder_async", "benchmarks"):
            subprocess.run(["cp", "-r", str(REPO / name), str(target)], check=True)
    else:
        archive = subprocess.run(
            ["git", "archive", rev, "qoder_async"], cwd=REPO, capture_output=True, check=True
        ).stdout
        with tarfile.open(fileobj=BytesIO(archive)) as tar:
            tar.extractall(target, filter="data")
        subprocess.run(["cp", "-r", str(REPO / "benchmarks"), str(target)], check=True)
    return target


def measure(tree: Path, nojson: bool, base: str, n: int) -> dict[str, float]:
    """One probe run in a fresh interpreter whose ``qoder_async`` is the one in ``tree``."""
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    env["PYTHONPYCACHEPREFIX"] = str(tree / ".pyc")
    prelude = NO_ORJSON if nojson else ""
    out = subprocess.run(
        [sys.executable, "-c", prelude + PROBE, base, str(n)],
        cwd=tree,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    result: dict[str, float] = json.loads(out.stdout.splitlines()[-1])
    t0 = time.perf_counter()
    subprocess.run([sys.executable, "-c", prelude + IMPORT], cwd=tree, env=env, check=True)
    result["import_ms"] = (time.perf_counter() - t0) * 1e3
    t0 = time.perf_counter()
    subprocess.run([sys.executable, "-c", "pass"], cwd=tree, env=env, check=True)
    result["import_ms"] -= (time.perf_counter() - t0) * 1e3
    return result


COLUMNS = [
    ("frames", "frame splitting µs/ev"),
    ("decode_frame", "frame → typed event µs/ev"),
    ("structure", "structure (dict → event) µs/ev"),
    ("dedupe", "dedupe window µs/ev"),
    ("e2e_cpu", "end to end CPU µs/ev"),
    ("import_ms", "first stream object, import ms over bare"),
]
FANOUT_COLUMNS = [
    ("fanout_cpu_us_per_event", "fan-out CPU µs/ev"),
    ("fanout_kib_per_stream", "fan-out KiB/stream"),
    ("fanout_steady_p99_ms", "fan-out p99 ms once connected"),
]


def fan_out(tree: Path, nojson: bool, base: str, streams: int) -> dict[str, float]:
    """The ``qoder_async`` fan-out row (default transport) with the SDK in ``tree``."""
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    env["PYTHONPYCACHEPREFIX"] = str(tree / ".pyc")
    code = (NO_ORJSON if nojson else "") + "from benchmarks.fanout import main; main()"
    cmd = [sys.executable, "-c", code, "qoder_async", base, "--streams", str(streams)]
    cmd += ["--cpu", "1"] if len(os.sched_getaffinity(0)) >= 2 else []
    out = subprocess.run(cmd, cwd=tree, env=env, capture_output=True, text=True, check=True)
    result: dict[str, float] = json.loads(out.stdout)
    return {f"fanout_{key}": result[key] for key in ("cpu_us_per_event", "kib_per_stream")} | {
        "fanout_steady_p99_ms": result["steady_p99_ms"] or float("nan")
    }


def run(revs: list[str], n: int = 20_000, rounds: int = ROUNDS, streams: int = 0) -> None:
    """Measure every revision ``rounds`` times, taking turns; print medians. ``streams`` > 0
    adds the default-transport fan-out row with that many streams."""
    with tempfile.TemporaryDirectory() as tmp, server.running("mixed", n, cpu=0) as base:
        # The benchmarks find the workload generator at ../shared from their own folder.
        (Path(tmp) / "shared").symlink_to(REPO.parent / "shared")
        exported: dict[str, Path] = {}
        trees: dict[str, tuple[Path, bool]] = {}
        for rev in revs:
            name, _, variant = rev.partition("+")
            if name not in exported:
                exported[name] = export(name, Path(tmp))
            trees[rev] = (exported[name], variant == "nojson")
        runs: dict[str, list[dict[str, float]]] = {rev: [] for rev in revs}
        for _ in range(rounds):
            for rev, (tree, nojson) in trees.items():
                result = measure(tree, nojson, base, n)
                if streams:
                    result |= fan_out(tree, nojson, base, streams)
                runs[rev].append(result)
    columns = COLUMNS + (FANOUT_COLUMNS if streams else [])
    rows = [
        [rev] + [f"{statistics.median(r[key] for r in runs[rev]):.2f}" for key, _ in columns]
        for rev in revs
    ]
    print(f"\n### Before and after, median of {rounds} (`python -m benchmarks history`)\n")
    print(table(["revision", *(title for _, title in columns)], rows))
