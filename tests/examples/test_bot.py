"""examples/bot.py: one session per conversation, a queue, /stop, and resume after a restart."""

from __future__ import annotations

import json
import os
import pty
import subprocess
import sys
from pathlib import Path
from typing import Any

from qoder_async.testing import Emulator

from ._support import (
    EXAMPLES,
    example_env,
    run_example,
    run_example_without,
    start_example,
    wait_until,
)


def _entries(state: Path) -> dict[str, Any]:
    """The conversations in the bot's directory (empty until it exists)."""
    try:
        return dict(json.loads((state / "conversations.json").read_text())["conversations"])
    except (FileNotFoundError, json.JSONDecodeError):
        return {}


def test_messages_sent_during_a_turn_wait_and_are_answered_in_order(
    emulator: Emulator, tmp_path: Path
) -> None:
    lines = "alice: one\nalice: two\nbob: hi\nalice: three\n"
    done = run_example(
        "bot.py", "--state", str(tmp_path / "bot"), env=example_env(emulator), input=lines
    )
    assert done.returncode == 0, done.stderr
    assert done.stderr == ""  # no 409, no error of any kind
    replies = [line for line in done.stdout.splitlines() if line.startswith("[")]
    alice = [line for line in replies if line.startswith("[alice]")]
    assert alice == [
        f'[alice] You asked: "{word}". No resources are mounted on this session.'
        for word in ("one", "two", "three")
    ]
    assert '[bob] You asked: "hi". No resources are mounted on this session.' in replies
    sessions = {c["session_id"] for c in _entries(tmp_path / "bot").values()}
    assert len(sessions) == 2  # one session per conversation


def test_turns_end_by_their_own_idle_when_ids_are_not_time_ordered(tmp_path: Path) -> None:
    lines = "alice: one\nalice: two\nalice: three\nalice: four\n"
    with Emulator(ids="random") as unordered:
        done = run_example(
            "bot.py", "--state", str(tmp_path / "bot"), env=example_env(unordered), input=lines
        )
    assert done.returncode == 0, done.stderr
    replies = [line for line in done.stdout.splitlines() if line.startswith("[")]
    assert replies == [
        f'[alice] You asked: "{word}". No resources are mounted on this session.'
        for word in ("one", "two", "three", "four")
    ]


def test_stop_interrupts_the_running_turn(tmp_path: Path) -> None:
    state = tmp_path / "bot"
    with Emulator(pace=0.3) as slow:
        bot = start_example("bot.py", "--state", str(state), env=example_env(slow))
        try:
            assert bot.stdin is not None
            bot.stdin.write("carol: take your time\n")
            bot.stdin.flush()
            session_id = wait_until(
                lambda: _entries(state).get("carol", {}).get("session_id"), what="a session"
            )
            wait_until(lambda: slow.session(session_id)["status"] == "running", what="the turn")
            out, err = bot.communicate("carol: /stop\n", timeout=60)
        finally:
            bot.kill()
        log = slow.log(session_id)
    assert bot.returncode == 0, err
    assert out.splitlines() == ["[carol] (stopped)"]
    assert [e["type"] for e in log].count("user.interrupt") == 1
    assert "agent.message" not in [e["type"] for e in log]


def test_a_restarted_bot_delivers_what_arrived_while_it_was_down(tmp_path: Path) -> None:
    state = tmp_path / "bot"
    with Emulator(pace=0.3) as slow:
        env = example_env(slow)
        first = start_example("bot.py", "--state", str(state), env=env)
        try:
            assert first.stdin is not None
            first.stdin.write("dave: hello\nerin: hi\n")
            first.stdin.flush()
            # Kill it (no chance to clean up) once both turns have begun.
            wait_until(
                lambda: all(_entries(state).get(c, {}).get("turn_open") for c in ("dave", "erin")),
                what="both turns to start",
            )
            first.kill()
            first_out, _ = first.communicate(timeout=30)
        finally:
            first.kill()
        for cursor in _entries(state).values():
            slow.wait_idle(cursor["session_id"], timeout=60)  # the replies arrive meanwhile
        second = run_example("bot.py", "--state", str(state), env=env, input="")
    assert "[dave]" not in first_out
    assert "[erin]" not in first_out
    assert second.returncode == 0, second.stderr
    replies = [line for line in second.stdout.splitlines() if line.startswith("[")]
    assert sorted(replies) == [
        '[dave] You asked: "hello". No resources are mounted on this session.',
        '[erin] You asked: "hi". No resources are mounted on this session.',
    ]


def test_a_file_on_stdin_is_read_like_a_pipe(emulator: Emulator, tmp_path: Path) -> None:
    lines = tmp_path / "lines.txt"
    lines.write_text("alice: hello\nbob: hi")  # the last line has no newline
    with lines.open() as stdin:
        done = subprocess.run(
            [sys.executable, str(EXAMPLES / "bot.py"), "--state", str(tmp_path / "bot")],
            env=example_env(emulator),
            stdin=stdin,
            capture_output=True,
            encoding="utf-8",
            timeout=120,
            check=False,
        )
    assert done.returncode == 0, done.stderr
    assert '[alice] You asked: "hello". No resources are mounted on this session.' in done.stdout
    assert '[bob] You asked: "hi". No resources are mounted on this session.' in done.stdout


def test_a_second_run_on_a_new_emulator_starts_afresh(tmp_path: Path) -> None:
    state = str(tmp_path / "bot")
    first = run_example("bot.py", "--state", state, env=example_env(None), input="alice: one\n")
    assert first.returncode == 0, first.stderr
    second = run_example("bot.py", "--state", state, env=example_env(None), input="alice: two\n")
    assert second.returncode == 0, second.stderr
    assert "starting afresh" in second.stderr
    assert "Traceback" not in second.stderr
    assert '[alice] You asked: "two". No resources are mounted on this session.' in second.stdout


def test_in_a_terminal_the_bot_says_what_to_type(tmp_path: Path) -> None:
    controller, terminal = pty.openpty()  # stdin is a terminal, as when run by hand
    bot = subprocess.Popen(
        [sys.executable, str(EXAMPLES / "bot.py"), "--state", str(tmp_path / "bot")],
        env=example_env(None),
        stdin=terminal,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        encoding="utf-8",
    )
    try:
        assert bot.stderr is not None
        first = bot.stderr.readline()
        os.write(controller, b"\x04")  # Ctrl-D
        bot.communicate(timeout=60)
    finally:
        bot.kill()
        os.close(controller)
        os.close(terminal)
    assert first == "type CONVERSATION: message (e.g. alice: hello); Ctrl-D ends\n"
    assert bot.returncode == 0


def test_bot_fleet_without_redis_says_what_to_install() -> None:
    done = run_example_without("redis", "bot_fleet.py", env=example_env(None))
    assert done.returncode == 1
    assert done.stderr.startswith("bot_fleet.py needs redis: pip install 'qoder-async[redis]'")
