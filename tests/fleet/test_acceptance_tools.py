"""The fleet's tool calls through a SIGKILL: each call is executed at most once.

Three workers (``worker.py`` with a records file) answer the custom tool calls of the
sessions, each under its lease, while this test runs scripted turns on all of them: a turn
calls ``charge`` twice in one batch, once more in a second round, then ends quoting the
answers. The tool appends each execution to the records file (``fsync``-ed) before anything
else and then takes a while, and the workers' posts of answers are held a while too. The
test kills w0 with SIGKILL at a moment when it holds, in one session or another, a call
still running (executed, not answered) and a call whose answer is recorded but not posted;
successors take w0's sessions over when its leases run out.

Then, from the emulator's log, the records file and the requests the emulator received:
every call has exactly one answer, every turn ends with ``end_turn``, no call was executed
twice, and both windows were hit: a successor answered a call cut off mid-run (with an
error, without running it again) and posted a result w0 had recorded (without running it).
"""

from __future__ import annotations

import json
import os
import signal
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any, NamedTuple

import anyio
import pytest
from redis.asyncio import Redis

import qoder_async as qa
from qoder_async.testing import Emulator, TurnContext
from qoder_async.testing._tools import REQUIRES_ACTION

from ._workers import grants, running_workers, seed_sessions, takeover_delays, wait_until_assigned
from .worker import POST_DELAY, TOOL_SECONDS, requires_action

pytestmark = [pytest.mark.anyio, pytest.mark.slow]

SESSIONS = 15
TURNS = 2
ROUNDS = (2, 1)  # calls per batch: two at once, then a second round of one
PACE = 0.02
TTL = 1.5
STAGGER = 1.0  # the sessions start over this long (a worker's own 0.2 s apart), out of step
MARGIN = 0.15  # how far inside a window w0 must be when it is killed
INTERRUPTED = "The client stopped while this call ran"  # what a successor answers then


@pytest.fixture
def anyio_backend() -> str:
    """redis.asyncio runs on asyncio only."""
    return "asyncio"


def _message(text: str) -> dict[str, Any]:
    return {"type": "agent.message", "content": [{"type": "text", "text": text}]}


def _answer_text(answer: dict[str, Any]) -> str:
    return "".join(block.get("text", "") for block in answer.get("content") or [])


def paying(text: str, context: TurnContext) -> Iterator[dict[str, Any]]:
    """A turn that charges: each round's calls in one batch, then a message quoting them."""
    yield _message(f"{text}: charging")
    quotes = []
    for size in ROUNDS:
        calls: list[dict[str, Any]] = []
        for _ in range(size):
            call_id = context.new_id("evt_")
            calls.append(
                {
                    "id": call_id,
                    "type": "agent.custom_tool_use",
                    "name": "charge",
                    "input": {"session": context.session_id, "call": call_id},
                }
            )
        yield from calls
        yield {"type": REQUIRES_ACTION}
        quotes += [_answer_text(context.answers[call["id"]]) for call in calls]
    yield _message("; ".join(quotes))


@pytest.fixture
def emu() -> Iterator[Emulator]:
    with Emulator(pace=PACE, agent=paying, ids="random") as emulator:
        yield emulator


class Execution(NamedTuple):
    """One line of the records file: a tool call that ran."""

    session: str
    call: str
    worker: str
    pid: int
    at: float


def executions(records: Path) -> list[Execution]:
    if not records.exists():
        return []
    lines = records.read_text().splitlines()
    return [Execution(s, c, w, int(p), float(t)) for s, c, w, p, t in map(str.split, lines)]


async def run_turns(client: qa.AsyncQoder, emu: Emulator, session_id: str, delay: float) -> None:
    """The session's turns, each sent once the one before ended (not merely paused)."""
    await anyio.sleep(delay)  # staggered on purpose, not waiting for anything
    session = client.session(session_id)
    for turn in range(TURNS):
        (sent,) = await client.sessions.events.send(
            session_id, events=[qa.UserMessageParam(f"turn {turn}")]
        )
        with anyio.fail_after(30):
            async with session.events(sent.id) as stream:
                async for event in stream:
                    if isinstance(event, qa.SessionStatusIdle) and not requires_action(event):
                        break
            await anyio.to_thread.run_sync(emu.wait_idle, session_id, 10.0)  # turn finished


def answered_ids(emu: Emulator, session_id: str) -> set[str]:
    return {
        e["custom_tool_use_id"]
        for e in emu.log(session_id)
        if e["type"] == "user.custom_tool_result"
    }


async def kill_in_both_windows(
    emu: Emulator, redis: Redis, prefix: str, records: Path, worker: str
) -> dict[str, str]:
    """Wait until ``worker`` has a call running and another whose answer is recorded but
    not posted, each at least MARGIN from the end of its window; returns those calls'
    states. The caller kills it at once.

    Running: the tool recorded itself less than TOOL_SECONDS - MARGIN ago. Recorded: the
    fleet's store (``PREFIX:answers:<session>``) holds the answer, which the emulator has
    not received, and the post is held for at least MARGIN more."""
    with anyio.move_on_after(20):
        while True:  # polled: the states are in files, Redis and the emulator
            now = time.time()
            states: dict[str, str] = {}
            for run in executions(records):
                age = now - run.at
                if run.worker != worker or age > TOOL_SECONDS + POST_DELAY - MARGIN:
                    continue
                saved = await redis.hget(f"{prefix}:answers:{run.session}", run.call)
                if run.call in answered_ids(emu, run.session):  # read after the store:
                    continue  # an answer is saved before it is posted
                if saved is not None and "answer" in json.loads(saved):
                    states[run.call] = "recorded"
                elif age < TOOL_SECONDS - MARGIN:
                    states[run.call] = "running"
            if set(states.values()) == {"running", "recorded"}:
                return states
            await anyio.sleep(0.01)
    pytest.fail(f"{worker} never had a call running and another answer not yet posted")


class Sent(NamedTuple):
    """A post of answers that reached the emulator: who sent it, under which key."""

    worker: str
    key: str


def answers_sent(emu: Emulator) -> dict[str, list[Sent]]:
    """For each call: every post that carried an answer to it, in order."""
    sent: dict[str, list[Sent]] = {}
    for request in emu.requests:
        if request.method != "POST" or not request.path.endswith("/events"):
            continue
        post = Sent(request.headers.get("x-worker", ""), request.headers["idempotency-key"])
        for event in json.loads(request.body).get("events", []):
            if event.get("type") == "user.custom_tool_result":
                sent.setdefault(event["custom_tool_use_id"], []).append(post)
    return sent


def turns_of(log: list[dict[str, Any]]) -> list[list[dict[str, Any]]]:
    """The session's log cut at each user message."""
    turns: list[list[dict[str, Any]]] = []
    for event in log:
        if event["type"] == "user.message":
            turns.append([])
        if turns:
            turns[-1].append(event)
    return turns


async def test_fleet_runs_each_tool_call_at_most_once_through_a_kill(
    emu: Emulator, redis_url: str, prefix: str, tmp_path: Path
) -> None:
    records = tmp_path / "executions"
    redis = Redis.from_url(redis_url, decode_responses=True)
    sessions, _ = await seed_sessions(emu, redis, prefix, SESSIONS, balanced=True)
    try:
        with running_workers(redis_url, emu, prefix, TTL, tmp_path, str(records)) as processes:
            await wait_until_assigned(redis, prefix, sessions)
            async with (
                qa.AsyncQoder("driver-token", emu.base_url) as client,
                anyio.create_task_group() as turns,
            ):
                for i, session_id in enumerate(sessions):
                    turns.start_soon(run_turns, client, emu, session_id, i * STAGGER / SESSIONS)
                at_kill = await kill_in_both_windows(emu, redis, prefix, records, "w0")
                processes["w0"].send_signal(signal.SIGKILL)
                killed_at = time.time()
            alive = {name: process.poll() is None for name, process in processes.items()}
            granted = await grants(redis, prefix)
    finally:
        await redis.aclose()

    runs = executions(records)
    by_call = {run.call: run for run in runs}
    assert alive == {"w0": False, "w1": True, "w2": True}  # no handler of theirs failed
    sent = answers_sent(emu)
    answers: dict[str, dict[str, Any]] = {}
    for session_id in sessions:
        log = emu.log(session_id)
        calls = [e["id"] for e in log if e["type"] == "agent.custom_tool_use"]
        results = [e for e in log if e["type"] == "user.custom_tool_result"]
        counts = Counter(e["custom_tool_use_id"] for e in results)
        assert len(calls) == TURNS * sum(ROUNDS)
        assert all(counts[call] == 1 for call in calls), (session_id, counts)
        assert set(counts) == set(calls)
        answers |= {e["custom_tool_use_id"]: e for e in results}
        ends = [[e for e in t if e["type"] == "session.status_idle"][-1] for t in turns_of(log)]
        assert len(ends) == TURNS
        assert all(e["stop_reason"]["type"] == "end_turn" for e in ends), (session_id, ends)

    # A call's answer may go out again (a retry, a successor) only as a replay of one post.
    assert all(len({post.key for post in posts}) == 1 for posts in sent.values())
    twice = {call: n for call, n in Counter(run.call for run in runs).items() if n > 1}
    assert not twice, f"executed more than once: {twice}"
    assert set(by_call) <= set(answers)
    for call, answer in answers.items():
        if not answer.get("is_error"):  # a result: the output of its one execution
            assert _answer_text(answer) == f"charged {call} by {by_call[call].worker}"

    # The windows, from what was on disk and on the wire: w0 ran these calls and never
    # sent their answers; a successor did, from w0's record or as cut off.
    senders = {call: {post.worker for post in posts} for call, posts in sent.items()}
    orphans = [r.call for r in runs if r.worker == "w0" and "w0" not in senders[r.call]]
    cut_off = [c for c in orphans if _answer_text(answers[c]).startswith(INTERRUPTED)]
    posted_for_w0 = [c for c in orphans if _answer_text(answers[c]) == f"charged {c} by w0"]
    assert all(answers[c].get("is_error") for c in cut_off)
    assert cut_off, f"no call cut off by w0's death was answered as such ({at_kill})"
    assert posted_for_w0, f"no result w0 recorded was posted by a successor ({at_kill})"
    assert {r.pid for r in runs if r.worker == "w0"} == {processes["w0"].pid}
    killed = takeover_delays(granted, "w0", killed_at)
    assert killed, "the killed worker held no session"
    assert all(delay < float("inf") for delay in killed.values())
    print(  # shown with -s
        f"\n{len(answers)} tool calls over {SESSIONS} sessions, each answered once and run at "
        f"most once; w0 killed with {len(cut_off)} calls running and {len(posted_for_w0)} "
        f"answers recorded but not posted; {len(killed)} sessions taken over, slowest after "
        f"{max(killed.values()):.2f} s (TTL {TTL} s); pid {os.getpid()}"
    )
