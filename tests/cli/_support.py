"""Helpers for the command-line tests: the CLI on pipes, a tmux terminal, polling."""

from __future__ import annotations

import os
import re
import shlex
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

import anyio
import pytest

import qoder_async as qa
from qoder_async.cli import main
from qoder_async.cli._prompt import HISTORY_VARIABLE
from qoder_async.testing import Emulator

TOKEN = "qoder-cli-test-token"
PROMPT = "you \u203a"
"""What chat shows when it waits for a line."""
API_VARIABLES = ("QODER_ACCESS_TOKEN", "QODER_PAT", "QODER_BASE_URL")


def clean_env(**extra: str) -> dict[str, str]:
    """This process's environment without any API settings, plus ``extra``."""
    env = {k: v for k, v in os.environ.items() if k not in API_VARIABLES}
    env["PYTHONIOENCODING"] = "utf-8"
    env.update(extra)
    return env


def api_env(emulator: Emulator) -> dict[str, str]:
    """An environment that points the CLI at ``emulator``."""
    return clean_env(QODER_BASE_URL=emulator.base_url, QODER_ACCESS_TOKEN=TOKEN)


class InProcessCLI:
    """``qoder_async.cli.main(argv)`` in this process, its output captured (no start-up cost).

    For commands that read nothing from stdin and need no signal; ``monkeypatch`` sets the
    API variables of ``env``, ``capsys`` captures what the command prints.
    """

    def __init__(
        self,
        env: dict[str, str],
        monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str],
    ) -> None:
        self.env = env
        self._monkeypatch = monkeypatch
        self._capsys = capsys

    def __call__(self, *args: str) -> subprocess.CompletedProcess[str]:
        for name in API_VARIABLES:
            if name in self.env:
                self._monkeypatch.setenv(name, self.env[name])
            else:
                self._monkeypatch.delenv(name, raising=False)
        self._capsys.readouterr()
        status = main(list(args))
        out, err = self._capsys.readouterr()
        return subprocess.CompletedProcess(list(args), status, out, err)


class CLI:
    """``python -m qoder_async ...`` with a fixed environment, stdout and stderr on pipes."""

    def __init__(self, env: dict[str, str]) -> None:
        self.env = env

    def command(self, *args: str) -> list[str]:
        """The argv of the CLI with ``args``."""
        return [sys.executable, "-m", "qoder_async", *args]

    def __call__(
        self, *args: str, input: str | None = None, timeout: float = 90
    ) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            self.command(*args),
            env=self.env,
            input=input,
            capture_output=True,
            encoding="utf-8",
            timeout=timeout,
            check=False,
        )

    def popen(self, *args: str) -> subprocess.Popen[str]:
        """Start the CLI and return at once."""
        return subprocess.Popen(
            self.command(*args),
            env=self.env,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            encoding="utf-8",
        )


def finished_turn(emulator: Emulator, message: str = "hello") -> str:
    """Make a session on ``emulator``, run one turn in it; return the session id."""

    async def go() -> str:
        async with qa.AsyncQoder(TOKEN, emulator.base_url) as client:
            agent = await client.agents.create(name="cli-test", model="ultimate")
            env = await client.environments.create(name="cli-test")
            session = await client.sessions.create(agent=agent.id, environment_id=env.id)
            await session.ask(message)
            return session.id

    return anyio.run(go)


def ask_glob_agent(emulator: Emulator) -> str:
    """Make an agent whose built-in Glob tool asks for approval (``always_ask``); its id."""

    async def go() -> str:
        async with qa.AsyncQoder(TOKEN, emulator.base_url) as client:
            toolset = {
                "type": "agent_toolset_20260401",
                "configs": [{"name": "Glob", "permission_policy": {"type": "always_ask"}}],
            }
            agent = await client.agents.create(name="asks", model="ultimate", tools=[toolset])
            return agent.id

    return anyio.run(go)


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


class Terminal:
    """A program in a 100x40 tmux pane of its own tmux server; read back as screen text."""

    def __init__(self) -> None:
        self.socket = f"qoder-test-{uuid.uuid4().hex[:10]}"
        self.history = Path(tempfile.gettempdir()) / f"{self.socket}-chat-history"
        """chat's history file, unless ``start`` is given another (never the user's own)."""

    def _tmux(self, *args: str) -> str:
        done = subprocess.run(
            ["tmux", "-u", "-L", self.socket, *args],  # -u: UTF-8, whatever the locale
            capture_output=True,
            encoding="utf-8",
            timeout=30,
            check=True,
        )
        return done.stdout

    def start(self, argv: list[str], env: dict[str, str]) -> None:
        """Run ``argv`` with exactly the API settings of ``env``; the pane stays after exit."""
        # COLUMNS/LINES of the test runner must not override the pane's real size.
        passed = (*API_VARIABLES, HISTORY_VARIABLE)
        unset = [part for name in (*passed, "COLUMNS", "LINES") for part in ("-u", name)]
        env = {HISTORY_VARIABLE: str(self.history), **env}
        settings = [f"{k}={v}" for k, v in env.items() if k in passed]
        program = shlex.join(["env", *unset, *settings, *argv])
        script = f'{program}; echo "[exited $?]"; sleep 600'
        self._tmux("new-session", "-d", "-x", "100", "-y", "40", "-s", "main", script)

    def screen(self) -> str:
        """What the pane shows now."""
        return self._tmux("capture-pane", "-p", "-t", "main")

    def wait_for(self, pattern: str, timeout: float = 45.0) -> str:
        """Wait until the screen matches the regular expression; return the screen."""
        found = re.compile(pattern, re.MULTILINE)
        return self._wait(lambda screen: found.search(screen) is not None, timeout, repr(pattern))

    def _wait(self, shows: Callable[[str], bool], timeout: float, what: str) -> str:
        seen: list[str] = [""]

        def check() -> bool:
            seen[0] = self.screen()
            return shows(seen[0])

        try:
            wait_until(check, timeout, f"{what} on the screen")
        except AssertionError as exc:
            raise AssertionError(f"{exc}; the screen shows:\n{seen[0]}") from None
        return seen[0]

    def wait_for_prompt(self, timeout: float = 45.0) -> str:
        """Wait until chat's prompt is the last line on the screen; return the screen."""

        def prompt_last(screen: str) -> bool:
            lines = [line for line in screen.splitlines() if line.strip()]
            return bool(lines) and lines[-1].strip() == PROMPT

        return self._wait(prompt_last, timeout, "the prompt")

    def type(self, text: str) -> None:
        """Type text and press Enter."""
        self._tmux("send-keys", "-t", "main", "-l", text)
        self._tmux("send-keys", "-t", "main", "Enter")

    def type_keys(self, text: str) -> None:
        """Type text without pressing Enter."""
        self._tmux("send-keys", "-t", "main", "-l", text)

    def press(self, key: str) -> None:
        """Press one key, in tmux's names (``C-c``, ``Enter``)."""
        self._tmux("send-keys", "-t", "main", key)

    def close(self) -> None:
        """Kill the tmux server and everything in it."""
        subprocess.run(["tmux", "-L", self.socket, "kill-server"], capture_output=True, check=False)
        self.history.unlink(missing_ok=True)
