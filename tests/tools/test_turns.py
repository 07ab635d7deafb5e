"""Turns that act: ask()/turn() answer each requires_action batch until the turn ends."""

from __future__ import annotations

import json
import logging

import anyio
import pytest

import qoder_async as qa
from qoder_async.testing import Emulator, StreamFault
from qoder_async.testing._faults import RequestFault

pytestmark = pytest.mark.anyio

ASK_WRITE = {
    "type": "agent_toolset_20260401",
    "configs": [{"name": "Glob", "permission_policy": {"type": "always_ask"}}],
}


async def _session(client: qa.AsyncQoder, tools: list[object]) -> qa.AsyncSession:
    agent = await client.agents.create(name="tools", model="ultimate", tools=tools)  # type: ignore[arg-type]  # Tool objects and dicts
    env = await client.environments.create(name="tools-env")
    return await client.sessions.create(agent=agent.id, environment_id=env.id)


@qa.tool
async def lookup_order(order_id: str) -> str:
    """Look up an order.

    Args:
        order_id: the order's id.
    """
    return f"order {order_id} shipped"


async def test_ask_runs_the_custom_tool_and_returns_the_final_answer(
    client: qa.AsyncQoder,
) -> None:
    session = await _session(client, [lookup_order])
    result = await session.ask("Where is order_id=ord_123?", tools=[lookup_order])
    assert result.stop_reason is not None
    assert result.stop_reason.type == "end_turn"
    assert "lookup_order said: order ord_123 shipped" in result.text
    assert result.pending == ()


async def test_turn_yields_every_event_both_idles_included(client: qa.AsyncQoder) -> None:
    session = await _session(client, [lookup_order])
    events = [e async for e in session.turn("order_id=ord_1", tools=[lookup_order])]
    idles = [e for e in events if isinstance(e, qa.SessionStatusIdle)]
    assert [i.stop_reason.type for i in idles if i.stop_reason] == ["requires_action", "end_turn"]
    assert events[-1] is idles[-1]


async def test_the_calls_of_one_batch_run_concurrently(client: qa.AsyncQoder) -> None:
    started: list[str] = []
    both = anyio.Event()

    async def meet(name: str) -> str:
        started.append(name)
        if len(started) == 2:
            both.set()
        with anyio.fail_after(5):
            await both.wait()  # only returns if the other call runs at the same time
        return name

    @qa.tool
    async def first() -> str:
        """One."""
        return await meet("first")

    @qa.tool
    def second() -> str:
        """Two (a plain def, in a worker thread)."""
        return anyio.from_thread.run(meet, "second")

    session = await _session(client, [first, second])
    result = await session.ask("go", tools=[first, second])
    assert "first said: first" in result.text
    assert "second said: second" in result.text


async def test_a_second_round_of_calls_follows_the_first(client: qa.AsyncQoder) -> None:
    ran: list[str] = []

    def make(name: str) -> qa.Tool[str]:
        def run() -> str:
            ran.append(name)
            return name

        run.__doc__ = f"Tool {name}."
        return qa.tool(name=name)(run)

    tools = [make("a"), make("b"), make("c")]
    session = await _session(client, list(tools))
    events = [e async for e in session.turn("go", tools=tools)]
    reasons = [
        e.stop_reason.type for e in events if isinstance(e, qa.SessionStatusIdle) and e.stop_reason
    ]
    assert reasons == ["requires_action", "requires_action", "end_turn"]
    assert sorted(ran) == ["a", "b", "c"]


async def test_tool_error_text_reaches_the_model(client: qa.AsyncQoder) -> None:
    @qa.tool
    def fails() -> str:
        """Fails."""
        raise qa.ToolError("no such order")

    session = await _session(client, [fails])
    result = await session.ask("go", tools=[fails])
    assert "fails failed: no such order" in result.text


async def test_another_exception_is_logged_and_its_text_kept_from_the_model(
    client: qa.AsyncQoder, caplog: pytest.LogCaptureFixture
) -> None:
    @qa.tool
    def leaks() -> str:
        """Leaks."""
        raise RuntimeError("password=hunter2")

    session = await _session(client, [leaks])
    with caplog.at_level(logging.ERROR, logger="qoder_async"):
        result = await session.ask("go", tools=[leaks])
    assert "leaks failed:" in result.text
    assert "hunter2" not in result.text
    assert any("hunter2" in (r.exc_text or "") for r in caplog.records)


async def test_a_call_of_a_tool_not_given_is_answered_as_an_error(client: qa.AsyncQoder) -> None:
    session = await _session(client, [lookup_order])
    result = await session.ask("go", tools=[])
    assert "lookup_order failed: No tool named 'lookup_order'" in result.text


async def test_a_call_that_runs_too_long_is_answered_as_an_error(client: qa.AsyncQoder) -> None:
    @qa.tool(timeout=0.2)
    async def slow() -> str:
        """Slow."""
        await anyio.sleep(30)
        return "late"

    session = await _session(client, [slow])
    with anyio.fail_after(15):
        result = await session.ask("go", tools=[slow])
    assert "slow failed: The tool slow did not finish within 0.2 seconds." in result.text


async def test_without_on_permission_an_ask_stays_pending(client: qa.AsyncQoder) -> None:
    session = await _session(client, [ASK_WRITE])
    result = await session.ask("list files", tools=[])
    assert result.stop_reason is not None
    assert result.stop_reason.type == "requires_action"
    assert [(p.name, p.kind) for p in result.pending] == [("Glob", "confirmation")]


async def test_pending_calls_are_rebuilt_and_answered_from_another_process(
    client: qa.AsyncQoder, emulator: Emulator
) -> None:
    session = await _session(client, [ASK_WRITE])
    await session.ask("list files", tools=[])
    later = client.session(session.id)  # e.g. another process, hours later
    (call,) = await later.pending()
    assert call.name == "Glob"
    assert call.input == {"pattern": "**/*", "path": "/data"}
    await later.deny(call, "not today")
    with anyio.fail_after(10):  # the turn resumes: wait for the end of it
        async for event in later.events(call.tool_use_id):
            if isinstance(event, qa.SessionStatusIdle):
                break
    history = [e async for e in later.history()]
    result = next(e for e in history if isinstance(e, qa.AgentToolResult))
    assert result.is_error
    assert result.text == "not today"
    assert await later.pending() == []


async def test_on_permission_decides_and_a_deny_message_reaches_the_model(
    client: qa.AsyncQoder,
) -> None:
    asked: list[qa.PendingCall] = []

    async def refuse(request: qa.PendingCall) -> qa.Deny:
        asked.append(request)
        return qa.Deny("use the index instead")

    session = await _session(client, [ASK_WRITE])
    result = await session.ask("list files", on_permission=refuse)
    assert [a.name for a in asked] == ["Glob"]
    assert asked[0].tool_use_id == result.events[0].id or asked[0].tool_use_id
    assert result.stop_reason is not None
    assert result.stop_reason.type == "end_turn"
    assert "use the index instead" in result.text


async def test_a_confirmation_always_carries_result_on_the_wire(
    client: qa.AsyncQoder, emulator: Emulator
) -> None:
    session = await _session(client, [ASK_WRITE])
    await session.ask("list files", on_permission=lambda request: True)
    bodies = [
        json.loads(r.body)
        for r in emulator.requests
        if r.method == "POST" and r.path.endswith(f"/sessions/{session.id}/events")
    ]
    confirmations = [
        e for b in bodies for e in b.get("events", []) if e["type"] == "user.tool_confirmation"
    ]
    assert confirmations
    assert all(c["result"] == "allow" for c in confirmations)


async def test_the_emulator_refuses_an_answer_to_an_unknown_or_answered_id(
    client: qa.AsyncQoder,
) -> None:
    session = await _session(client, [ASK_WRITE])
    result = await session.ask("list files")
    (call,) = result.pending
    with pytest.raises(qa.InvalidRequestError):
        await session.send_events(qa.UserToolConfirmationParam("evt_unknown", "allow"))
    await session.allow(call)
    with pytest.raises(qa.InvalidRequestError):
        await session.send_events(qa.UserToolConfirmationParam(call.tool_use_id, "allow"))


async def test_a_retried_answer_post_runs_the_tool_once(
    client: qa.AsyncQoder, emulator: Emulator
) -> None:
    ran: list[str] = []
    session = await _session(client, [])

    @qa.tool
    def once(order_id: str = "x") -> str:
        """Once."""
        ran.append(order_id)
        # the answers' post is executed, then its response is lost: the client retries
        emulator.request_faults(
            [
                RequestFault(
                    drop_response=True, method="POST", path_prefix=f"/sessions/{session.id}/events"
                )
            ]
        )
        return "done"

    await session.update(agent={"tools": [once.definition]})
    result = await session.ask("go", tools=[once])
    assert ran == ["x"]
    assert "once said: done" in result.text
    posts = [r for r in emulator.requests if r.path.endswith(f"/sessions/{session.id}/events")]
    answers = [r for r in posts if r.method == "POST" and b"custom_tool_result" in r.body]
    assert len(answers) == 2  # the post and its retry, under one key
    assert len({r.headers.get("idempotency-key") for r in answers}) == 1


async def test_a_call_recorded_by_an_earlier_process_is_posted_not_run_again(
    client: qa.AsyncQoder, tmp_path: object
) -> None:
    ran: list[str] = []

    @qa.tool
    def charge() -> str:
        """Charge a card."""
        ran.append("charge")
        return "charged"

    session = await _session(client, [charge])
    first = await session.ask("go")  # nobody answers: the call is pending
    (call,) = first.pending
    async with qa.SQLiteCursors(f"{tmp_path}/bot.db") as store:
        await store.save_answer(
            session.id,
            call.tool_use_id,
            json.dumps({"answer": {"content": [{"type": "text", "text": "charged earlier"}]}}),
        )
        left = await session.answer(tools=[charge], cursors=store)
    assert left == []
    assert ran == []


async def test_a_call_that_was_running_when_its_process_died_is_not_run_again(
    client: qa.AsyncQoder,
) -> None:
    ran: list[str] = []

    @qa.tool
    def charge() -> str:
        """Charge a card."""
        ran.append("charge")
        return "charged"

    session = await _session(client, [charge])
    (call,) = (await session.ask("go")).pending
    store = qa.MemoryCursors()
    await store.save_answer(session.id, call.tool_use_id, json.dumps({"started": True}))
    await session.answer(tools=[charge], cursors=store)
    assert ran == []
    events = [e async for e in session.history(types=["user.custom_tool_result"])]
    assert isinstance(events[0], qa.UserCustomToolResult)
    assert events[0].is_error


async def test_a_stream_that_drops_around_requires_action_runs_each_call_once(
    client: qa.AsyncQoder, emulator: Emulator
) -> None:
    ran: list[str] = []

    @qa.tool
    def once(order_id: str = "x") -> str:
        """Once."""
        ran.append(order_id)
        return "done"

    session = await _session(client, [once])
    # the turn's stream drops just before the requires_action idle, the follow-up one
    # right after it starts
    emulator.stream_faults(session.id, [StreamFault(drop_after=9), StreamFault(drop_after=2)])
    with anyio.fail_after(30):
        result = await session.ask("go", tools=[once])
    assert ran == ["x"]
    assert "once said: done" in result.text
    assert result.stop_reason is not None
    assert result.stop_reason.type == "end_turn"
