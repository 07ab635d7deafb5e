"""``qoder-async emulator``: serves the emulator for other programs."""

from __future__ import annotations

import signal

import httpx
import typer

from qoder_async.cli._app import app
from qoder_async.testing import DEFAULT_PACE
from qoder_async.testing._cli import build_parser

from ._support import CLI, clean_env


def test_emulator_prints_its_base_url_first_and_serves_until_ctrl_c() -> None:
    server = CLI(clean_env()).popen("emulator", "--port", "0")
    try:
        assert server.stdout is not None
        base_url = server.stdout.readline().strip()
        assert base_url.startswith("http://127.0.0.1:")
        assert base_url.endswith("/api/v1/cloud")
        answer = httpx.get(f"{base_url}/agents", headers={"Authorization": "Bearer x"}, timeout=10)
        assert answer.status_code == 200
        server.send_signal(signal.SIGINT)
        _, err = server.communicate(timeout=30)
    finally:
        server.kill()
    assert server.returncode == 0
    assert f"export QODER_BASE_URL={base_url} QODER_ACCESS_TOKEN=emulator" in err


def test_both_emulator_commands_pace_turns_alike_by_default() -> None:
    command = typer.main.get_command(app)
    assert isinstance(command, typer.core.TyperGroup)
    emulator = command.commands["emulator"]
    (pace,) = (p for p in emulator.params if p.name == "pace")
    assert pace.default == build_parser().parse_args([]).pace == DEFAULT_PACE > 0
