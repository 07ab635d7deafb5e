"""Row 4 (and 5): import time in fresh interpreters, over a bare one.

Every row is one ``python -c`` run from process start to exit, interleaved with the others;
the medians of the bare interpreter are subtracted. Byte code is cached in a private
directory first (as an installed package would have it), whatever ``PYTHONDONTWRITEBYTECODE``
says. "extras loaded" lists the modules of the optional extras (CLI, emulator, speed-ups) that
the statement imported: none should be, since they are installed here but not asked for.
"""

from __future__ import annotations

import importlib.util
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time

FIRST_STREAM = "import qoder_async as qa; qa.AsyncQoder('t').session('s').events()"
NO_TRIO = "import sys; sys.modules['trio'] = None; "  # as if trio were not installed
DEPENDENCIES = "import httpx, httpcore, httpx_sse, anyio, attrs, cattrs"
ROWS = [
    ("bare interpreter", "pass"),
    ("import qoder_async", "import qoder_async"),
    ("import qoder_async + first stream object (no I/O)", FIRST_STREAM),
    ("... the same where trio is not installed (simulated)", NO_TRIO + FIRST_STREAM),
    (
        "its dependencies alone, as it imports them (httpx without its CLI), no trio",
        NO_TRIO + "import qoder_async; " + DEPENDENCIES,
    ),
    (
        "import httpx, httpx_sse, anyio, attrs, cattrs",
        "import httpx, httpx_sse, anyio, attrs, cattrs",
    ),
    ("import qca.managed (official SDK)", "import qca.managed"),
]
EXTRAS = (
    "rich",
    "click",
    "typer",
    "pygments",
    "starlette",
    "uvicorn",
    "aiohttp",
    "uvloop",
    "redis",
    "opentelemetry",
)
PROBE = "; import sys, json; print(json.dumps(sorted({m.split('.')[0] for m in sys.modules} & %r)))"


def _env(cache: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    env["PYTHONPYCACHEPREFIX"] = cache
    return env


def _time(code: str, env: dict[str, str]) -> float:
    t0 = time.perf_counter()
    subprocess.run([sys.executable, "-c", code], env=env, check=True)
    return time.perf_counter() - t0


def extras_loaded(code: str, env: dict[str, str]) -> list[str]:
    """The optional extras' top-level packages that ``code`` left in ``sys.modules``."""
    out = subprocess.run(
        [sys.executable, "-c", code + PROBE % (set(EXTRAS),)],
        env=env,
        check=True,
        capture_output=True,
        text=True,
    )
    loaded: list[str] = json.loads(out.stdout.splitlines()[-1])
    return loaded


def run(repeat: int = 15) -> list[tuple[str, float, float, list[str]]]:
    """(row, median ms, median ms over the bare interpreter, extras loaded) of every row."""
    rows = [row for row in ROWS if "qca" not in row[1] or importlib.util.find_spec("qca")]
    with tempfile.TemporaryDirectory() as cache:
        env = _env(cache)
        for _, code in rows:  # fill the byte code cache
            _time(code, env)
        times: dict[str, list[float]] = {name: [] for name, _ in rows}
        for _ in range(repeat):
            for name, code in rows:
                times[name].append(_time(code, env))
        extras = {name: extras_loaded(code, env) for name, code in rows}
    medians = {name: statistics.median(t) * 1e3 for name, t in times.items()}
    bare = medians[rows[0][0]]
    return [(name, medians[name], medians[name] - bare, extras[name]) for name, _ in rows]
