"""examples/vault_memory.py: a vault credential for an MCP server, and a memory across sessions."""

from __future__ import annotations

from qoder_async.testing import Emulator

from ._support import example_env, run_example


def test_the_second_session_reads_what_the_first_remembered(emulator: Emulator) -> None:
    env = {**example_env(emulator), "DOCS_MCP_TOKEN": "mcp-5ecret"}
    done = run_example("vault_memory.py", env=env)
    assert done.returncode == 0, done.stderr
    second_session = done.stdout.split("session 2:", 1)[1]
    assert "preferences.md:\n> - I prefer metric units." in second_session
    assert "memory preferences.md: '- I prefer metric units.\\n'" in done.stdout
    assert "mcp-5ecret" not in done.stdout + done.stderr


def test_the_example_runs_without_a_token_on_a_local_emulator() -> None:
    done = run_example("vault_memory.py", env=example_env(None))
    assert done.returncode == 0, done.stderr
    assert "session 2:" in done.stdout
