"""examples/trio_example.py: the same client under trio."""

from __future__ import annotations

from qoder_async.testing import Emulator

from ._support import example_env, run_example, run_example_without


def test_trio_example_streams_two_sessions_side_by_side(emulator: Emulator) -> None:
    done = run_example("trio_example.py", env=example_env(emulator))
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert (
        '[first] You asked: "Which files are mounted?". No resources are mounted on this session.'
        in lines
    )
    assert (
        '[second] You asked: "Say hello from trio.". No resources are mounted on this session.'
        in lines
    )
    assert "[first] tool Glob {'pattern': '**/*', 'path': '/data'}" in lines
    assert lines[-2].startswith("[first] end_turn, ")
    assert lines[-1].startswith("ran on trio ")


def test_without_trio_it_says_what_to_install() -> None:
    done = run_example_without("trio", "trio_example.py", env=example_env(None))
    assert done.returncode == 1
    assert done.stderr == "trio_example.py needs trio: pip install trio\n"
