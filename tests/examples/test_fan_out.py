"""examples/fan_out.py: a hundred sessions, a bounded number at a time."""

from __future__ import annotations

import threading

from qoder_async.testing import Emulator

from ._support import example_env, start_example


def test_fan_out_answers_every_session_with_bounded_concurrency() -> None:
    with Emulator() as emulator:  # its own, so its stream count is the example's alone
        peak = 0
        done = threading.Event()

        def watch() -> None:
            nonlocal peak
            while not done.wait(0.005):
                peak = max(peak, emulator.open_streams)

        watcher = threading.Thread(target=watch)
        watcher.start()
        program = start_example(
            "fan_out.py", "--sessions", "100", "--concurrency", "8", env=example_env(emulator)
        )
        try:
            out, err = program.communicate(timeout=120)
        finally:
            program.kill()
            done.set()
            watcher.join()
        sessions = emulator.count("sessions")
    assert program.returncode == 0, err
    assert out.rstrip().splitlines()[-1].startswith("100 of 100 answered in ")
    assert 'What is 0 squared? -> You asked: "What is 0 squared?".' in out
    assert sessions == 100
    assert 1 <= peak <= 8
