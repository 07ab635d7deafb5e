"""examples/bot_fleet.py: the chat bot as a front and worker processes, one command."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from qoder_async.testing import Emulator

from ._workers import package_env

BOT_FLEET = Path(__file__).resolve().parents[2] / "examples" / "bot_fleet.py"


def test_bot_fleet_answers_each_message_once(emulator: Emulator, redis_url: str) -> None:
    env = {k: v for k, v in package_env().items() if not k.startswith("QODER_")}
    env.update(QODER_BASE_URL=emulator.base_url, QODER_ACCESS_TOKEN="bot-fleet-token")
    lines = "alice: one\nbob: hi\nalice: two\ncarol: hey\ndave: yo\n"
    done = subprocess.run(
        [sys.executable, str(BOT_FLEET), "--workers", "2", "--redis", redis_url],
        env=env,
        input=lines,
        capture_output=True,
        encoding="utf-8",
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    replies = sorted(line.split('"')[1] for line in done.stdout.splitlines() if "You asked" in line)
    assert replies == ["hey", "hi", "one", "two", "yo"]
    alice = [line for line in done.stdout.splitlines() if line.startswith("[alice] You asked")]
    assert [line.split('"')[1] for line in alice] == ["one", "two"]
