"""Retries and reconnects as events on the turn's span; the two GenAI client histograms."""

from __future__ import annotations

import pytest
from opentelemetry.sdk.metrics.export import InMemoryMetricReader
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import StatusCode

import qoder_async as qa
from qoder_async.testing import Emulator, ScriptedAgent, StreamFault
from qoder_async.testing._faults import RequestFault
from tests.telemetry._support import a_failed_turn, named, new_session, points

pytestmark = pytest.mark.anyio

DURATION = "gen_ai.client.operation.duration"
TOKENS = "gen_ai.client.token.usage"


async def test_a_retried_request_is_an_event_on_the_turns_span(
    traced: qa.AsyncQoder, exporter: InMemorySpanExporter, emu: Emulator
) -> None:
    session = await new_session(traced)
    emu.request_faults(
        [RequestFault(status=503, method="POST", path_prefix=f"/sessions/{session.id}")]
    )
    await session.ask("hello")
    (span,) = named(exporter, "invoke_agent helper")
    assert span.status.status_code is StatusCode.UNSET
    (retry,) = [e for e in span.events if e.name == "qoder_async.request.retry"]
    assert retry.attributes is not None
    assert retry.attributes["http.request.method"] == "POST"
    assert retry.attributes["url.path"] == f"/sessions/{session.id}/events"
    assert retry.attributes["http.request.resend_count"] == 1
    assert retry.attributes["error.type"] == "503"


async def test_a_session_error_is_an_event_on_the_turns_span_without_its_message(
    traced: qa.AsyncQoder, exporter: InMemorySpanExporter, agent: ScriptedAgent
) -> None:
    session = await new_session(traced)
    error = {
        "type": "model_overloaded_error",
        "message": "overloaded while reading the secret plan",
        "retry_status": {"type": "retrying"},
        "qoder_error_code": "MODEL_OVERLOADED",
    }
    agent.turn(
        {"type": "session.error", "error": error},
        {"type": "session.status_rescheduled"},
        agent.message("done"),
        session=session,
    )
    await session.ask("hello")
    (span,) = named(exporter, "invoke_agent helper")
    (event,) = [e for e in span.events if e.name == "qoder_async.session.error"]
    assert event.attributes == {
        "error.type": "model_overloaded_error",
        "qoder_async.error.retry_status": "retrying",
        "qoder_async.error.code": "MODEL_OVERLOADED",
    }
    assert span.status.status_code is StatusCode.UNSET  # retrying: the turn went on


async def test_a_stream_reconnect_is_an_event_on_the_turns_span(
    traced: qa.AsyncQoder, exporter: InMemorySpanExporter, emu: Emulator
) -> None:
    session = await new_session(traced)
    emu.stream_faults(session.id, [StreamFault(drop_after=2)])
    result = await session.ask("hello")
    assert result.stop_reason is not None
    assert result.stop_reason.type == "end_turn"
    (span,) = named(exporter, "invoke_agent helper")
    (reconnect,) = [e for e in span.events if e.name == "qoder_async.stream.reconnect"]
    assert reconnect.attributes is not None
    assert reconnect.attributes["url.path"] == f"/sessions/{session.id}/events/stream"
    assert reconnect.attributes["qoder_async.stream.reconnects"] == 1
    assert reconnect.attributes["error.type"] == "RemoteProtocolError"


async def test_each_turn_records_its_duration_and_its_tokens(
    traced: qa.AsyncQoder, reader: InMemoryMetricReader, emu: Emulator
) -> None:
    session = await new_session(traced)
    first = await session.ask("hello")
    second = await session.ask("hello again")
    assert first.usage is not None
    assert second.usage is not None
    common = {
        "gen_ai.operation.name": "invoke_agent",
        "gen_ai.provider.name": "qoder",
        "gen_ai.request.model": "ultimate",
        "server.address": "127.0.0.1",
        "server.port": emu.port,
    }
    (duration,) = [p for p in points(reader, DURATION) if dict(p.attributes) == common]
    assert duration.count == 2
    assert duration.sum > 0
    by_type = {p.attributes["gen_ai.token.type"]: p for p in points(reader, TOKENS)}
    assert set(by_type) == {"input", "output"}
    assert dict(by_type["input"].attributes) == {**common, "gen_ai.token.type": "input"}
    # Two turns: together, the session's totals after the second.
    assert by_type["input"].count == 2
    assert by_type["input"].sum == second.usage.input_tokens
    assert by_type["output"].sum == second.usage.output_tokens


async def test_the_histograms_use_the_recommended_buckets(
    traced: qa.AsyncQoder, reader: InMemoryMetricReader
) -> None:
    session = await new_session(traced)
    await session.ask("hello")
    (turn,) = [
        p
        for p in points(reader, DURATION)
        if p.attributes["gen_ai.operation.name"] == "invoke_agent"
    ]
    assert tuple(turn.explicit_bounds) == (
        0.01, 0.02, 0.04, 0.08, 0.16, 0.32, 0.64, 1.28, 2.56, 5.12, 10.24, 20.48, 40.96, 81.92,
    )  # fmt: skip
    tokens = points(reader, TOKENS)[0]
    assert tuple(tokens.explicit_bounds) == tuple(4**i for i in range(14))


async def test_agent_creation_records_its_duration(
    traced: qa.AsyncQoder, reader: InMemoryMetricReader
) -> None:
    await traced.agents.create(name="writer", model="ultimate")
    (created,) = [
        p
        for p in points(reader, DURATION)
        if p.attributes["gen_ai.operation.name"] == "create_agent"
    ]
    assert created.count == 1
    assert "error.type" not in created.attributes


async def test_a_failed_turns_duration_carries_the_error_type(
    traced: qa.AsyncQoder, reader: InMemoryMetricReader, emu: Emulator
) -> None:
    await a_failed_turn(traced, emu)
    (failed,) = [p for p in points(reader, DURATION) if "error.type" in p.attributes]
    assert failed.attributes["error.type"] == "qoder_async.InternalServerError"
    assert points(reader, TOKENS) == []


async def test_a_copy_with_other_options_reports_to_the_same_providers(
    traced: qa.AsyncQoder, exporter: InMemorySpanExporter
) -> None:
    session = await new_session(traced)
    await traced.with_options(max_retries=0).session(session.id).ask("hello")
    (span,) = named(exporter, "invoke_agent")
    assert span.attributes is not None
    assert span.attributes["gen_ai.conversation.id"] == session.id
