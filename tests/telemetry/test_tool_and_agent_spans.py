"""``create_agent`` for agents.create, ``execute_tool`` for each tool call the runner (or a
self-hosted worker) makes."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import anyio
import pytest
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import SpanKind, StatusCode

import qoder_async as qa
from qoder_async.testing import Emulator, TurnContext
from qoder_async.testing._faults import RequestFault
from tests.telemetry._support import CONTENT, add, broken, named, new_session

pytestmark = pytest.mark.anyio


async def test_creating_an_agent_is_a_create_agent_span(
    traced: qa.AsyncQoder, exporter: InMemorySpanExporter
) -> None:
    made = await traced.agents.create(name="writer", model="ultimate", description="Writes things")
    (span,) = named(exporter, "create_agent writer")
    assert span.kind is SpanKind.CLIENT
    assert span.attributes is not None
    assert {k: v for k, v in span.attributes.items() if k.startswith("gen_ai.")} == {
        "gen_ai.operation.name": "create_agent",
        "gen_ai.provider.name": "qoder",
        "gen_ai.agent.name": "writer",
        "gen_ai.agent.description": "Writes things",
        "gen_ai.agent.id": made.id,
        "gen_ai.agent.version": "1",
        "gen_ai.request.model": "ultimate",
    }


async def test_a_refused_agent_creation_marks_its_span_with_the_error(
    traced: qa.AsyncQoder, exporter: InMemorySpanExporter, emu: Emulator
) -> None:
    emu.request_faults([RequestFault(status=400, method="POST", path_prefix="/agents")])
    with pytest.raises(qa.InvalidRequestError):
        await traced.agents.create(name="writer", model="ultimate")
    (span,) = named(exporter, "create_agent writer")
    assert span.status.status_code is StatusCode.ERROR
    assert span.attributes is not None
    assert span.attributes["error.type"] == "qoder_async.InvalidRequestError"


async def test_each_tool_call_is_an_execute_tool_span_under_the_turn(
    traced: qa.AsyncQoder, exporter: InMemorySpanExporter
) -> None:
    session = await new_session(traced, [add])
    result = await session.ask("add a=2 and b=3", tools=[add])
    (call,) = [e for e in result.events if isinstance(e, qa.AgentCustomToolUse)]
    (turn,) = named(exporter, "invoke_agent helper")
    (tool,) = named(exporter, "execute_tool add")
    assert tool.kind is SpanKind.INTERNAL
    assert tool.parent is not None
    assert turn.context is not None
    assert tool.parent.span_id == turn.context.span_id
    assert tool.context is not None
    assert tool.context.trace_id == turn.context.trace_id
    assert tool.status.status_code is StatusCode.UNSET
    assert dict(tool.attributes or {}) == {
        "gen_ai.operation.name": "execute_tool",
        "gen_ai.tool.name": "add",
        "gen_ai.tool.call.id": call.id,
        "gen_ai.tool.type": "function",
        "gen_ai.tool.description": "Add two numbers.",
    }


async def test_a_tool_that_raises_marks_its_span_with_the_error(
    traced: qa.AsyncQoder, exporter: InMemorySpanExporter
) -> None:
    session = await new_session(traced, [broken])
    await session.ask("add a=2 and b=3", tools=[broken])
    (tool,) = named(exporter, "execute_tool broken")
    assert tool.status.status_code is StatusCode.ERROR
    assert tool.attributes is not None
    assert tool.attributes["error.type"] == "ValueError"
    # The exception's text stays out of the span, as it stays out of the model's answer.
    assert tool.status.description is None
    assert tool.events == ()
    assert "cannot add" not in json.dumps(dict(tool.attributes))
    (turn,) = named(exporter, "invoke_agent helper")
    assert turn.status.status_code is StatusCode.UNSET


async def test_tool_input_and_output_are_recorded_only_when_opted_in(
    traced: qa.AsyncQoder, exporter: InMemorySpanExporter, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv(CONTENT, raising=False)
    session = await new_session(traced, [add])
    await session.ask("add a=2 and b=3", tools=[add])
    monkeypatch.setenv(CONTENT, "true")
    await session.ask("add a=2 and b=3", tools=[add])
    quiet, told = named(exporter, "execute_tool add")
    assert quiet.attributes is not None
    assert told.attributes is not None
    assert "gen_ai.tool.call.arguments" not in quiet.attributes
    assert "gen_ai.tool.call.result" not in quiet.attributes
    assert json.loads(str(told.attributes["gen_ai.tool.call.arguments"])) == {"a": 2, "b": 3}
    assert json.loads(str(told.attributes["gen_ai.tool.call.result"])) == [
        {"type": "text", "text": "5"}
    ]


def _self_hosted_turn(text: str, context: TurnContext) -> Iterator[dict[str, Any]]:
    for command in ("echo hello", "exit 3"):
        yield {
            "type": "agent.tool_use",
            "name": "Bash",
            "input": {"command": command},
            "evaluated_permission": "allow",
        }
    yield {"type": "agent.message", "content": [{"type": "text", "text": "done"}]}


async def test_each_tool_call_a_self_hosted_worker_runs_is_an_execute_tool_span(
    tracer_provider: TracerProvider, exporter: InMemorySpanExporter, token: str, tmp_path: Path
) -> None:
    with Emulator(agent=_self_hosted_turn) as emu:
        async with qa.AsyncQoder(token, emu.base_url, tracer_provider=tracer_provider) as client:
            environment = await client.environments.create(
                name="own-hosts", config={"type": "self_hosted"}
            )
            agent = await client.agents.create(name="tooling", model="ultimate")
            session = await client.sessions.create(agent=agent.id, environment_id=environment.id)
            await session.send("go")
            worker = qa.EnvironmentWorker(
                client, environment.id, executor=qa.LocalExecutor(tmp_path), ttl_seconds=2
            )
            async with anyio.create_task_group() as group:
                group.start_soon(worker.run)
                with anyio.fail_after(15):
                    while emu.session(session.id)["status"] != "idle":  # noqa: ASYNC110  (the emulator's thread cannot set an anyio.Event)
                        await anyio.sleep(0.05)
                worker.shutdown()
    ok, failed = named(exporter, "execute_tool Bash")
    assert ok.status.status_code is StatusCode.UNSET
    assert failed.status.status_code is StatusCode.ERROR
    assert failed.attributes is not None
    assert failed.attributes["error.type"] == "tool_error"
    assert failed.attributes["gen_ai.tool.name"] == "Bash"
