"""Helpers for the example tests: run an example as a program, poll for a condition."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from qoder_async.testing import Emulator

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
TOKEN = "qoder-examples-token"
API_VARIABLES = ("QODER_ACCESS_TOKEN", "QODER_PAT", "QODER_BASE_URL")


def example_env(emulator: Emulator | None) -> dict[str, str]:
    """This environment pointed at ``emulator`` (or with no token at all for ``None``)."""
    env = {k: v for k, v in os.environ.items() if k not in API_VARIABLES}
    env["PYTHONIOENCODING"] = "utf-8"
    env["PYTHONUNBUFFERED"] = "1"
    # The examples import the checkout under test, not whichever one the venv points at.
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(EXAMPLES.parent), env.get("PYTHONPATH")]))
    if emulator is not None:
        env.update(QODER_BASE_URL=emulator.base_url, QODER_ACCESS_TOKEN=TOKEN)
    return env


def run_example(
    name: str, *args: str, env: dict[str, str], input: str | None = None, timeout: float = 120
) -> subprocess.CompletedProcess[str]:
    """Run ``examples/{name}`` to its end."""
    return subprocess.run(
        [sys.executable, str(EXAMPLES / name), *args],
        env=env,
        input=input,
        capture_output=True,
        encoding="utf-8",
        timeout=timeout,
        check=False,
    )


def start_example(name: str, *args: str, env: dict[str, str]) -> subprocess.Popen[str]:
    """Start ``examples/{name}`` with stdin, stdout and stderr on pipes."""
    return subprocess.Popen(
        [sys.executable, str(EXAMPLES / name), *args],
        env=env,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        encoding="utf-8",
    )


def wait_until(condition: Callable[[], Any], timeout: float = 30.0, what: str = "") -> Any:
    """Poll ``condition`` until it returns something truthy; return that."""
    deadline = time.monotonic() + timeout
    while True:
        value = condition()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout}s waiting for {what or condition}")
        time.sleep(0.05)


def free_port() -> int:
    """A TCP port nobody listens on right now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])
