"""examples/service_account.py: a service-account key, exchanged and renewed."""

from __future__ import annotations

from ._support import example_env, run_example


def test_the_token_is_renewed_before_it_expires() -> None:
    done = run_example("service_account.py", env=example_env(None))
    assert done.returncode == 0, done.stderr
    rounds = done.stdout.splitlines()
    assert rounds[0].endswith("1 exchange(s)")
    assert rounds[-1].endswith("2 exchange(s)")
