"""AsyncSession turns: sending, waiting, interrupting and live text, against the emulator's
scripted agent (the rest of AsyncSession is in test_async_session.py)."""

from __future__ import annotations

import itertools
import logging
from collections.abc import AsyncIterator, Iterator

import anyio
import pytest

import qoder_async as qa
from qoder_async.testing import Emulator

pytestmark = pytest.mark.anyio


@pytest.fixture(scope="module")
def slow_emulator() -> Iterator[Emulator]:
    """An emulator whose agent takes ~0.05 s between events, so a turn can be caught running."""
    with Emulator(pace=0.05) as emu:
        yield emu


@pytest.fixture
async def slow_session(slow_emulator: Emulator, token: str) -> AsyncIterator[qa.AsyncSession]:
    async with qa.AsyncQoder(
        token, slow_emulator.base_url, retry_policy=qa.RetryPolicy.instant()
    ) as client:
        yield client.session(slow_emulator.new_session()["id"])


async def test_create_returns_a_session_with_its_info(client: qa.AsyncQoder) -> None:
    agent = await client.agents.create(name="a", model="ultimate")
    env = await client.environments.create(name="e")
    session = await client.sessions.create(agent=agent.id, environment_id=env.id, title="t")
    assert isinstance(session, qa.AsyncSession)
    assert session.info is not None
    assert (session.info.status, session.info.title, session.info.agent_id) == (
        "idle",
        "t",
        agent.id,
    )
    assert session.id.startswith("sess_")


async def test_binding_to_a_session_sends_no_request(
    client: qa.AsyncQoder, emulator: Emulator
) -> None:
    before = len(emulator.requests)
    session = client.session("sess_0123456789abcdef0123456789abcdef")
    assert (session.id, session.info) == ("sess_0123456789abcdef0123456789abcdef", None)
    assert len(emulator.requests) == before


async def test_refresh_fills_info(client: qa.AsyncQoder, emulator: Emulator) -> None:
    session = client.session(emulator.new_session()["id"])
    info = await session.refresh()
    assert session.info == info
    assert info.status == "idle"


async def test_add_resources_mounts_files_and_repositories(
    session: qa.AsyncSession, emulator: Emulator
) -> None:
    uploaded = emulator.upload("spec.md", b"# Spec\n- AC1\n")
    resources = await session.add_resources(
        qa.FileResource(file_id=uploaded["id"], path="inputs/spec.md"),
        qa.GitHubRepository(url="https://github.com/o/r"),
    )
    assert {(r.type, r.mount_path) for r in resources} >= {("file", "/data/inputs/spec.md")}
    assert any(
        r.type == "github_repository" and r.url == "https://github.com/o/r" for r in resources
    )


async def test_turn_yields_the_turn_in_order_from_message_to_idle(
    session: qa.AsyncSession, emulator: Emulator
) -> None:
    events = [event async for event in session.turn("hello")]
    assert isinstance(events[0], qa.UserMessage)
    assert events[0].text == "hello"
    assert isinstance(events[-1], qa.SessionStatusIdle)
    assert [e.id for e in events] == [e["id"] for e in emulator.log(session.id)]


async def test_turn_subscribes_before_it_sends(
    session: qa.AsyncSession, emulator: Emulator
) -> None:
    since = len(emulator.requests)
    async for _ in session.turn("hello"):
        pass
    kinds = [
        "stream" if r.path.endswith("/stream") else "send"
        for r in emulator.requests[since:]
        if r.path.endswith(("/events/stream", "/events"))
    ]
    assert kinds[:2] == ["stream", "send"]


async def test_turn_shows_the_agent_reading_a_mounted_file(
    session: qa.AsyncSession, emulator: Emulator
) -> None:
    uploaded = emulator.upload("spec.md", b"# Export spec\nAC1: exports are zipped\n")
    await session.add_resources(qa.FileResource(uploaded["id"], "inputs/spec.md"))
    events = [event async for event in session.turn("What does the spec say?")]
    tools = [e for e in events if isinstance(e, qa.AgentToolUse)]
    results = [e for e in events if isinstance(e, qa.AgentToolResult)]
    assert tools
    assert {r.tool_use_id for r in results} <= {t.id for t in tools}
    assert any("AC1" in r.text for r in results)


async def test_ask_returns_text_stop_reason_and_usage(session: qa.AsyncSession) -> None:
    result = await session.ask("hello")
    assert "hello" in result.text
    assert result.stop_reason == qa.StopReason(type="end_turn")
    assert result.usage is not None
    assert result.credits > 0
    assert isinstance(result.events[-1], qa.SessionStatusIdle)


async def test_ask_gives_the_usage_snapshot_as_a_typed_model(session: qa.AsyncSession) -> None:
    result = await session.ask("hello")
    assert isinstance(result.usage, qa.SessionUsage)
    assert result.usage.total_credits is not None
    assert result.usage.total_credits >= result.credits
    assert result.usage.input_tokens > 0


async def test_a_later_turns_tokens_count_that_turn_only(session: qa.AsyncSession) -> None:
    first = await session.ask("one")
    second = await session.ask("two")
    assert first.usage is not None
    assert second.usage is not None
    assert first.tokens is not None
    assert second.tokens is not None
    assert first.tokens.input_tokens == first.usage.input_tokens
    assert second.tokens.input_tokens == second.usage.input_tokens - first.usage.input_tokens
    assert second.tokens.credits == second.credits


async def test_two_turns_in_a_row_each_end_at_their_own_idle(session: qa.AsyncSession) -> None:
    first = await session.ask("one")
    second = await session.ask("two")
    assert "one" in first.text
    assert "two" in second.text
    assert not {e.id for e in first.events} & {e.id for e in second.events}


async def test_send_while_a_turn_runs_is_a_conflict(slow_session: qa.AsyncSession) -> None:
    await slow_session.send("first")
    with pytest.raises(qa.ConflictError):
        await slow_session.send("second")


async def test_send_can_wait_for_the_running_turn_to_end(
    slow_session: qa.AsyncSession, slow_emulator: Emulator
) -> None:
    await slow_session.send("first")
    echo = await slow_session.send("second", wait_idle=True)
    assert echo.text == "second"
    log = slow_emulator.log(slow_session.id)
    idle = [i for i, e in enumerate(log) if e["type"] == "session.status_idle"]
    second = next(i for i, e in enumerate(log) if e["id"] == echo.id)
    assert idle[0] < second


async def test_waiting_for_the_running_turn_is_logged_with_its_reason(
    slow_session: qa.AsyncSession, caplog: pytest.LogCaptureFixture
) -> None:
    await slow_session.send("first")
    with caplog.at_level(logging.INFO, logger="qoder_async"):
        await slow_session.send("second", wait_idle=True)
    waits = [r.getMessage() for r in caplog.records if r.getMessage().startswith("waiting")]
    assert waits == [
        f"waiting for the running turn of {slow_session.id} to end before sending "
        f"(Session '{slow_session.id}' is still processing a turn and cannot accept a new "
        "message.)"
    ]


async def test_turn_queues_behind_a_running_turn(slow_session: qa.AsyncSession) -> None:
    await slow_session.send("first")
    events = [event async for event in slow_session.turn("second")]
    assert isinstance(events[0], qa.UserMessage)
    assert events[0].text == "second"
    assert events[-1].type == "session.status_idle"


async def test_interrupt_ends_the_running_turn(
    slow_session: qa.AsyncSession, slow_emulator: Emulator
) -> None:
    seen: list[qa.Event] = []
    with anyio.fail_after(10):
        async for event in slow_session.turn("a long job"):
            seen.append(event)
            if isinstance(event, qa.SessionStatusRunning):
                await slow_session.interrupt()
    assert seen[-1].type == "session.status_idle"
    assert any(e["type"] == "user.interrupt" for e in slow_emulator.log(slow_session.id))


async def test_define_outcome_is_sent(session: qa.AsyncSession, emulator: Emulator) -> None:
    (echo,) = await session.define_outcome("All tests pass", "pytest exits 0", max_iterations=3)
    assert isinstance(echo, qa.UserDefineOutcome)
    stored = next(e for e in emulator.log(session.id) if e["type"] == "user.define_outcome")
    assert stored["rubric"] == {"type": "text", "content": "pytest exits 0"}


async def test_send_accepts_content_blocks(session: qa.AsyncSession) -> None:
    echo = await session.send([qa.TextBlock("part one"), "part two"])
    assert echo.text == "part onepart two"  # text blocks are joined with nothing in between


async def test_live_text_grows_into_the_final_message(session: qa.AsyncSession) -> None:
    live = qa.LiveText()
    previews: dict[str, list[str]] = {}
    messages: list[qa.AgentMessage] = []
    async for event in session.turn("stream it", deltas=True):
        preview = live.update(event)
        if preview is not None:
            previews.setdefault(preview.id, []).append(preview.text)
        if isinstance(event, qa.AgentMessage):
            messages.append(event)
    assert messages
    for message in messages:
        growth = previews[message.id]
        assert growth[-1] == message.text
        assert len(growth) > 2
        assert all(b.startswith(a) for a, b in itertools.pairwise(growth))
    assert live.open_ids == []


async def test_deltas_never_reach_a_stream_that_did_not_ask(session: qa.AsyncSession) -> None:
    events = [event async for event in session.turn("no deltas")]
    assert not [e for e in events if isinstance(e, (qa.EventStart, qa.EventDelta))]
