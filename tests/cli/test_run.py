"""``qoder-async run``: one turn, its events, its answer, its exit status."""

from __future__ import annotations

import json
import re
import shlex
import signal
import subprocess
from pathlib import Path

import anyio
import pytest

import qoder_async as qa
from qoder_async.testing import Emulator

from ._support import CLI, InProcessCLI, Terminal, ask_glob_agent, clean_env

README_PROMPT = "Read the mounted spec and list its acceptance criteria"


@pytest.fixture(scope="module")
def offline_run() -> subprocess.CompletedProcess[str]:
    """README's first command, on pipes: ``run`` with no token (one run for several tests)."""
    return CLI(clean_env())("run", README_PROMPT)


def test_run_without_token_uses_the_embedded_emulator_and_says_so_once(
    offline_run: subprocess.CompletedProcess[str],
) -> None:
    done = offline_run
    assert done.returncode == 0, done.stderr
    notices = [line for line in done.stderr.splitlines() if "emulator" in line]
    assert len(notices) == 1
    assert notices[0].startswith("No QODER_ACCESS_TOKEN: using the embedded emulator at http://")


def test_run_on_a_pipe_prints_only_the_answer_to_stdout(
    offline_run: subprocess.CompletedProcess[str],
) -> None:
    done = offline_run
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith(f'You asked: "{README_PROMPT}".')
    assert "AC1: POST /exports returns 202" in done.stdout  # the demo spec was mounted and read
    assert "tool: Read file_path=/data/inputs/spec.md" in done.stderr
    assert "\x1b[" not in done.stdout + done.stderr


def test_the_readme_demo_lists_every_acceptance_criterion_of_the_spec(
    offline_run: subprocess.CompletedProcess[str],
) -> None:
    done = offline_run
    assert done.returncode == 0, done.stderr
    for criterion in ("AC1", "AC2", "AC3", "AC4"):
        assert f"- {criterion}: " in done.stdout, done.stdout


def test_run_on_a_terminal_shows_the_events_then_the_answer(terminal: Terminal) -> None:
    terminal.start(CLI(clean_env()).command("run", README_PROMPT), clean_env())
    screen = terminal.wait_for(r"\[exited \d+\]")
    assert "[exited 0]" in screen
    order = [
        "embedded emulator",
        "▸ The user wrote",
        "⚙ Glob",
        "↳ /data/inputs/spec.md",
        "⚙ Read",
        "↳ # Export service",
        "You asked",
        "── idle (end_turn)",
    ]
    positions = [screen.find(mark) for mark in order]
    assert -1 not in positions, screen
    assert positions == sorted(positions), screen
    footer = r"── idle \(end_turn\) · [\d,]+ in / [\d,]+ out tokens · [\d.]+ credits"
    assert re.search(footer, screen), screen


def test_run_json_prints_every_event_of_the_turn_as_a_json_line(
    cli: CLI, emulator: Emulator
) -> None:
    done = cli("run", "hello", "--json")
    assert done.returncode == 0, done.stderr
    events = [json.loads(line) for line in done.stdout.splitlines()]
    session_id = re.search(r"session (sess_\w+)", done.stderr)
    assert session_id is not None
    logged = emulator.log(session_id.group(1))
    assert [e["id"] for e in events] == [e["id"] for e in logged]
    assert events[0]["type"] == "user.message"
    assert events[-1]["type"] == "session.status_idle"


def test_run_mounts_each_file_given_with_file(cli: InProcessCLI, tmp_path: Path) -> None:
    notes = tmp_path / "notes.md"
    notes.write_text("# Release notes\n- faster streams\n")
    done = cli("run", "What changed?", "--file", str(notes))
    assert done.returncode == 0, done.stderr
    assert "mounted /data/inputs/notes.md" in done.stderr
    assert "> # Release notes" in done.stdout


def test_run_quiet_prints_the_answer_alone(cli: InProcessCLI) -> None:
    done = cli("run", "hello", "--quiet")
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith('You asked: "hello".')
    assert done.stderr == ""


def test_an_api_error_is_one_line_with_the_request_id(cli: InProcessCLI) -> None:
    done = cli("run", "hello", "--session", "sess_missing")
    assert done.returncode == 1
    assert done.stderr.count("\n") == 1
    assert re.fullmatch(r"error: 404 not_found_error: .+ \(request id \S+\)\n", done.stderr)
    assert done.stdout == ""


def test_debug_adds_the_traceback(cli_process: CLI) -> None:
    done = cli_process("run", "hello", "--session", "sess_missing", "--debug")
    assert done.returncode == 1
    assert "Traceback (most recent call last)" in done.stderr
    assert done.stderr.rstrip().splitlines()[-1].startswith("error: 404 not_found_error")


def test_a_missing_file_is_an_error(cli: InProcessCLI, tmp_path: Path) -> None:
    done = cli("run", "hello", "--file", str(tmp_path / "absent.md"))
    assert done.returncode == 1
    assert done.stderr == f"error: --file {tmp_path / 'absent.md'}: no such file\n"


def test_base_url_without_a_token_is_refused(offline_cli: InProcessCLI) -> None:
    done = offline_cli("run", "hello", "--base-url", "http://127.0.0.1:9/api/v1/cloud")
    assert done.returncode == 1
    assert done.stderr == (
        "error: --base-url needs a token: set QODER_ACCESS_TOKEN "
        "(any value works for the emulator)\n"
    )


def test_python_m_runs_the_command_line(cli_process: CLI) -> None:
    done = cli_process("--help")
    assert done.returncode == 0
    for command in ("chat", "run", "tail", "agents", "sessions", "emulator"):
        assert command in done.stdout


def test_run_refuses_an_ask_that_allow_does_not_name(cli: InProcessCLI, emulator: Emulator) -> None:
    done = cli("run", "hello", "--quiet", "--agent", ask_glob_agent(emulator))
    assert done.returncode == 0, done.stderr
    assert "qoder-async run does not allow Glob (no --allow Glob)" in done.stdout


def test_run_approves_an_ask_that_allow_names(cli: InProcessCLI, emulator: Emulator) -> None:
    agent = ask_glob_agent(emulator)
    done = cli("run", "hello", "--quiet", "--agent", agent, "--allow", "Glob")
    assert done.returncode == 0, done.stderr
    assert "does not allow" not in done.stdout
    assert done.stdout.startswith('You asked: "hello".')


def _history_ids(base_url: str, session_id: str) -> list[str]:
    async def read() -> list[str]:
        async with qa.AsyncQoder("any", base_url) as client:
            return [event.id async for event in client.session(session_id).history()]

    return anyio.run(read)


def test_run_keep_serves_the_session_to_the_tail_line_it_prints_until_ctrl_c() -> None:
    runner = CLI(clean_env()).popen("run", "hello", "--quiet", "--keep")
    try:
        assert runner.stderr is not None
        told = runner.stderr.readline()
        while not told.startswith("  QODER_BASE_URL="):
            assert told, "run ended without printing the tail line"
            told = runner.stderr.readline()
        *settings, program, command, session_id = shlex.split(told)
        env = dict(setting.split("=", 1) for setting in settings)
        assert (program, command) == ("qoder-async", "tail")
        assert env["QODER_ACCESS_TOKEN"] == "emulator"
        history = _history_ids(env["QODER_BASE_URL"], session_id)
        follow = CLI(clean_env(**env))
        done = follow(command, session_id, "--from", history[0], "--until-idle", "--json")
        runner.send_signal(signal.SIGINT)
        out, _ = runner.communicate(timeout=30)
    finally:
        runner.kill()
    assert done.returncode == 0, done.stderr
    assert [json.loads(line)["id"] for line in done.stdout.splitlines()] == history[1:]
    assert runner.returncode == 0
    assert out.startswith('You asked: "hello".')


def test_run_keep_with_a_token_is_refused_before_anything_starts(cli: InProcessCLI) -> None:
    done = cli("run", "hello", "--keep")
    assert done.returncode == 1
    assert done.stderr.startswith("error: --keep keeps the embedded emulator")
    assert "qoder-async tail SESSION_ID" in done.stderr
