"""``python -m qoder_async.testing`` prints its base URL, serves, and stops on SIGTERM."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[2]


def test_cli_serves_until_sigterm() -> None:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "qoder_async.testing",
            "--retry-ms",
            "700",
            "--stream-status",
            "503",
        ],
        stdout=subprocess.PIPE,
        text=True,
        env=env,
        cwd=ROOT,
    )
    try:
        assert process.stdout is not None
        base_url = process.stdout.readline().strip()
        assert base_url.startswith("http://127.0.0.1:")
        assert base_url.endswith("/api/v1/cloud")
        headers = {"Authorization": "Bearer cli"}
        models = httpx.get(f"{base_url}/models", headers=headers)
        assert models.status_code == 200
        agent = httpx.post(f"{base_url}/agents", json={"name": "a", "model": "m"}, headers=headers)
        environment = httpx.post(f"{base_url}/environments", json={"name": "e"}, headers=headers)
        session = httpx.post(
            f"{base_url}/sessions",
            json={"agent": agent.json()["id"], "environment_id": environment.json()["id"]},
            headers=headers,
        ).json()
        stream = f"{base_url}/sessions/{session['id']}/events/stream"
        assert httpx.get(stream, headers=headers).status_code == 503  # the one queued fault
        with httpx.stream("GET", stream, headers=headers) as response:
            assert next(response.iter_lines()) == "retry: 700"
    finally:
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=5) == 0
