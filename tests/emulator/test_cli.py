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


def _serve(*args: str) -> subprocess.Popen[str]:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    command = [sys.executable, "-m", "qoder_async.testing", *args]
    return subprocess.Popen(command, stdout=subprocess.PIPE, text=True, env=env, cwd=ROOT)


def _new_session(base_url: str, headers: dict[str, str]) -> str:
    agent = httpx.post(f"{base_url}/agents", json={"name": "a", "model": "m"}, headers=headers)
    environment = httpx.post(f"{base_url}/environments", json={"name": "e"}, headers=headers)
    session = httpx.post(
        f"{base_url}/sessions",
        json={"agent": agent.json()["id"], "environment_id": environment.json()["id"]},
        headers=headers,
    )
    return str(session.json()["id"])


def test_cli_paces_turns_so_a_message_sent_during_one_gets_409() -> None:
    process = _serve()
    try:
        assert process.stdout is not None
        base_url = process.stdout.readline().strip()
        headers = {"Authorization": "Bearer cli"}
        events = f"{base_url}/sessions/{_new_session(base_url, headers)}/events"
        message = {
            "events": [{"type": "user.message", "content": [{"type": "text", "text": "hi"}]}]
        }
        assert httpx.post(events, json=message, headers=headers).status_code == 200
        second = httpx.post(events, json=message, headers=headers)
        assert second.status_code == 409
        assert "still processing a turn" in second.json()["error"]["message"]
    finally:
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=5) == 0


def test_cli_ids_random_issues_unordered_128_bit_ids() -> None:
    process = _serve("--ids", "random")
    try:
        assert process.stdout is not None
        base_url = process.stdout.readline().strip()
        headers = {"Authorization": "Bearer cli"}
        ids = [
            httpx.post(f"{base_url}/environments", json={"name": "e"}, headers=headers).json()["id"]
            for _ in range(16)
        ]
        hexes = [i.removeprefix("env_") for i in ids]
        assert all(len(h) == 32 and int(h, 16) >= 0 for h in hexes)
        assert hexes != sorted(hexes)  # sorted by chance: once in 16! runs
    finally:
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=5) == 0
