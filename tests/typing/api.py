"""The public API's types, pinned down. mypy checks this file; it is never run."""

from __future__ import annotations

from collections.abc import Coroutine
from typing import Any

from typing_extensions import assert_type

import qoder_async as qa


async def the_core_contract() -> None:
    client = qa.AsyncQoder(token=None, base_url=None, max_retries=2, http_client=None)
    async with client:
        agent = await client.agents.create(name="n", model="ultimate", system=None, metadata=None)
        assert_type(agent, qa.Agent)
        session = await client.sessions.create(agent=agent.id, environment_id="env_1", title=None)
        assert_type(session, qa.AsyncSession)
        assert_type(client.session("sess_1"), qa.AsyncSession)
        assert_type(session.id, str)
        assert_type(session.info, "qa.Session | None")
        assert_type(
            await session.add_resources(
                qa.FileResource(file_id="file_1", path="inputs/spec.md"),
                qa.GitHubRepository(url="https://github.com/o/r"),
            ),
            list[qa.SessionResource],
        )
        assert_type(await session.send("hello"), qa.UserMessage)
        assert_type(await session.send([qa.TextBlock("a"), "b"], wait_idle=True), qa.UserMessage)
        assert_type(await session.interrupt(), list[qa.Event])
        assert_type(await session.define_outcome("done"), list[qa.Event])
        async for event in session.events(last_event_id=None, deltas=False):
            assert_type(event, qa.Event)
            if isinstance(event, qa.AgentMessage):
                assert_type(event.text, str)
            if isinstance(event, qa.UnknownEvent):
                assert_type(event.raw, dict[str, Any])
        async for event in session.turn("hello"):
            assert_type(event, qa.Event)
        result = await session.ask("hello")
        assert_type(result, qa.TurnResult)
        assert_type(result.text, str)
        assert_type(result.stop_reason, "qa.StopReason | None")
        async with session:
            pass


async def lists_and_options(client: qa.AsyncQoder) -> None:
    async for agent in client.agents.list(limit=50):
        assert_type(agent, qa.Agent)
    page = await client.sessions.list(statuses=["idle"])
    assert_type(page, qa.Page[qa.Session])
    assert_type(client.with_options(max_retries=0, timeout=5.0), qa.AsyncQoder)
    live = qa.LiveText()
    async for event in client.session("sess_1").events(deltas=True):
        preview = live.update(event)
        assert_type(preview, "qa.Preview | None")


def errors() -> None:
    try:
        pass
    except qa.APIStatusError as error:
        assert_type(error.status_code, int)
        assert_type(error.type, "str | None")
        assert_type(error.request_id, "str | None")


async def tools_and_approvals(session: qa.AsyncSession) -> None:
    @qa.tool
    async def lookup_order(order_id: str, include_items: bool = False) -> str:
        """Look up an order."""
        return order_id

    @qa.tool(timeout=5)
    def slow(n: int) -> int:
        """Slow."""
        return n

    assert_type(lookup_order, qa.Tool[Coroutine[Any, Any, str]])  # calling it calls the function
    assert_type(slow, qa.Tool[int])
    assert_type(lookup_order.name, str)
    assert_type(lookup_order.description, str)
    assert_type(lookup_order.input_schema, dict[str, Any])
    assert_type(lookup_order.definition, dict[str, Any])

    async def approve(request: qa.PendingCall) -> bool | qa.Deny:
        assert_type(request.name, str)
        assert_type(request.input, dict[str, Any])
        assert_type(request.tool_use_id, str)
        return qa.Deny("why")

    result = await session.ask("hi", tools=[lookup_order, slow], on_permission=approve)
    assert_type(result.pending, tuple[qa.PendingCall, ...])
    async for event in session.turn("hi", tools=[lookup_order], on_permission=lambda r: True):
        assert_type(event, qa.Event)
    assert_type(await session.pending(), list[qa.PendingCall])
    assert_type(await session.answer(tools=[lookup_order]), list[qa.PendingCall])
    on_permission: qa.OnPermission = approve
    del on_permission
