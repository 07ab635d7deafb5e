"""examples/support_bot.py: two custom tools, one slow, and the operator's approval."""

from __future__ import annotations

from qoder_async.testing import Emulator

from ._support import example_env, run_example


def test_support_bot_answers_with_both_tools_once_the_operator_approves(
    emulator: Emulator,
) -> None:
    done = run_example("support_bot.py", env=example_env(emulator), input="y\n")
    assert done.returncode == 0, done.stderr
    assert "Allow Glob {'pattern': '**/*', 'path': '/data'}? [y/N]" in done.stdout
    assert "lookup_order said: 2 mugs, shipped Monday, arriving Thursday" in done.stdout
    assert "refund_status said: ord_123 can be refunded until the 30th" in done.stdout
    assert "the operator said no" not in done.stdout


def test_support_bot_tells_the_agent_when_the_operator_refuses(emulator: Emulator) -> None:
    done = run_example("support_bot.py", env=example_env(emulator), input="n\n")
    assert done.returncode == 0, done.stderr
    assert "the operator said no" in done.stdout
    assert "refund_status said:" in done.stdout
