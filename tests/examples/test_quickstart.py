"""examples/quickstart.py: short, and runs with or without a token.

It uses the package's pytest plugin as a user's tests would: ``qoder_emulator`` is a fresh
emulator for the test.
"""

from __future__ import annotations

from qoder_async.testing import Emulator

from ._support import EXAMPLES, example_env, run_example, run_example_without


def test_quickstart_asks_about_the_mounted_file(qoder_emulator: Emulator) -> None:
    done = run_example("quickstart.py", env=example_env(qoder_emulator))
    assert done.returncode == 0, done.stderr
    assert (
        "The first lines of /data/inputs/notes.md:\n> # Launch\n> - ship on Friday" in done.stdout
    )
    assert done.stdout.rstrip().splitlines()[-1].endswith(" credits")
    assert qoder_emulator.count("sessions") == 1


def test_quickstart_without_a_token_uses_a_local_emulator() -> None:
    done = run_example("quickstart.py", env=example_env(None))
    assert done.returncode == 0, done.stderr
    assert "Mounted resources: /data/inputs/notes.md." in done.stdout


def test_quickstart_stays_under_thirty_lines() -> None:
    assert len((EXAMPLES / "quickstart.py").read_text().splitlines()) < 30


def test_without_the_emulator_extra_it_says_what_to_install() -> None:
    done = run_example_without("uvicorn", "quickstart.py", env=example_env(None))
    assert done.returncode != 0
    assert "the emulator needs uvicorn: pip install 'qoder-async[emulator]'" in done.stderr
