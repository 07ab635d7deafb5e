"""Fixtures of the command-line tests."""

from __future__ import annotations

import shutil
from collections.abc import Iterator

import pytest

from qoder_async.testing import Emulator

from ._support import CLI, InProcessCLI, Terminal, api_env, clean_env


@pytest.fixture
def cli(
    emulator: Emulator, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> InProcessCLI:
    """The CLI run in this process with a token, talking to the shared emulator."""
    return InProcessCLI(api_env(emulator), monkeypatch, capsys)


@pytest.fixture
def offline_cli(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> InProcessCLI:
    """The CLI run in this process with no token at all."""
    return InProcessCLI(clean_env(), monkeypatch, capsys)


@pytest.fixture
def cli_process(emulator: Emulator) -> CLI:
    """The CLI as a subprocess with a token, talking to the shared emulator."""
    return CLI(api_env(emulator))


@pytest.fixture
def terminal() -> Iterator[Terminal]:
    """A fresh terminal (tmux must be installed: apt-get install tmux)."""
    if shutil.which("tmux") is None:
        pytest.fail("these tests drive a real terminal: install tmux (apt-get install -y tmux)")
    term = Terminal()
    try:
        yield term
    finally:
        term.close()
