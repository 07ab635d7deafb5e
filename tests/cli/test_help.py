"""``--help`` shows flags as flags and arguments by name, so nobody gives a flag a value."""

from __future__ import annotations

import re

from ._support import InProcessCLI


def test_flags_show_no_value_in_the_help(offline_cli: InProcessCLI) -> None:
    done = offline_cli("run", "--help")
    assert done.returncode == 0
    assert "<bool>" not in done.stdout
    assert re.search(r"--json\s+Print JSON lines", done.stdout)
    assert re.search(r"-h\s+Show this message", done.stdout)


def test_options_with_values_name_what_they_take(offline_cli: InProcessCLI) -> None:
    done = offline_cli("run", "--help")
    assert "<list[str]>" not in done.stdout
    assert re.search(r"-f\s+PATH\s+Upload this file", done.stdout)


def test_the_usage_line_names_the_argument_in_capitals(offline_cli: InProcessCLI) -> None:
    done = offline_cli("run", "--help")
    assert "Usage: qoder-async run [OPTIONS] PROMPT" in done.stdout
    assert "{prompt}" not in done.stdout
