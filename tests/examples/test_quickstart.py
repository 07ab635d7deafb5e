"""examples/quickstart.py: short, and runs with or without a token."""

from __future__ import annotations

from qoder_async.testing import Emulator

from ._support import EXAMPLES, example_env, run_example


def test_quickstart_asks_about_the_mounted_file(emulator: Emulator) -> None:
    done = run_example("quickstart.py", env=example_env(emulator))
    assert done.returncode == 0, done.stderr
    assert (
        "The first lines of /data/inputs/notes.md:\n> # Launch\n> - ship on Friday" in done.stdout
    )
    assert done.stdout.rstrip().splitlines()[-1].endswith(" credits")


def test_quickstart_without_a_token_uses_a_local_emulator() -> None:
    done = run_example("quickstart.py", env=example_env(None))
    assert done.returncode == 0, done.stderr
    assert "Mounted resources: /data/inputs/notes.md." in done.stdout


def test_quickstart_stays_under_thirty_lines() -> None:
    assert len((EXAMPLES / "quickstart.py").read_text().splitlines()) < 30
