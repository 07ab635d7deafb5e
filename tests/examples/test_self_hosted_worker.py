"""examples/self_hosted_worker.py: a worker answers a self-hosted session's tool calls."""

from __future__ import annotations

from ._support import example_env, run_example


def test_the_worker_answers_the_sessions_tool_call_and_drains() -> None:
    done = run_example("self_hosted_worker.py", env=example_env(None))
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert lines[0].startswith("worker answered evt_")
    assert lines[-1] == "served 1, tool calls 1"
