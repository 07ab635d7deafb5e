"""ToolRunner: one batch answered, with the answers handed to the post it is given."""

from __future__ import annotations

from collections.abc import Sequence

import anyio
import pytest

import qoder_async as qa
from qoder_async._models._params import EventParam

pytestmark = pytest.mark.anyio


class Posted:
    """The post a session would make: keeps each batch and its key."""

    def __init__(self) -> None:
        self.batches: list[tuple[list[EventParam], str]] = []

    async def __call__(self, answers: Sequence[EventParam], key: str) -> object:
        self.batches.append((list(answers), key))
        return None


@qa.tool
def echo(text: str = "hi") -> str:
    """Echo."""
    return text


async def test_an_answer_carries_the_thread_id_of_its_call() -> None:
    posted = Posted()
    calls = [
        qa.PendingCall(tool_use_id="evt_1", name="echo", session_thread_id="sthr_2"),
        qa.PendingCall(
            tool_use_id="evt_2", name="Write", kind="confirmation", session_thread_id="sthr_3"
        ),
    ]
    await qa.ToolRunner([echo], lambda call: True).answer("sess_1", calls, posted)
    ((answers, _),) = posted.batches
    assert [a.session_thread_id for a in answers] == ["sthr_2", "sthr_3"]  # type: ignore[union-attr]  # both answer kinds have it


async def test_max_concurrency_bounds_the_calls_running_at_once() -> None:
    running = 0
    peak = 0

    @qa.tool
    async def busy() -> str:
        """Busy."""
        nonlocal running, peak
        running += 1
        peak = max(peak, running)
        await anyio.sleep(0.05)
        running -= 1
        return "done"

    calls = [qa.PendingCall(tool_use_id=f"evt_{i}", name="busy") for i in range(6)]
    await qa.ToolRunner([busy], max_concurrency=2).answer("sess_1", calls, Posted())
    assert peak == 2


async def test_the_same_batch_is_posted_under_the_same_key_and_run_once() -> None:
    ran: list[str] = []

    @qa.tool
    def counted() -> str:
        """Counted."""
        ran.append("x")
        return "x"

    posted = Posted()
    runner = qa.ToolRunner([counted])
    call = qa.PendingCall(tool_use_id="evt_1", name="counted")
    await runner.answer("sess_1", [call], posted)
    await runner.answer("sess_1", [call], posted)  # e.g. the idle seen again after a reconnect
    assert ran == ["x"]
    assert posted.batches[0] == posted.batches[1]


async def test_an_approval_that_raises_denies_the_call() -> None:
    def broken(call: qa.PendingCall) -> bool:
        raise RuntimeError("boom")

    posted = Posted()
    call = qa.PendingCall(tool_use_id="evt_1", name="Write", kind="confirmation")
    await qa.ToolRunner(on_permission=broken).answer("sess_1", [call], posted)
    ((answers, _),) = posted.batches
    assert answers == [qa.UserToolConfirmationParam("evt_1", "deny", "The approval check failed.")]
