"""One ``invoke_agent`` span per turn, with the GenAI conventions' attributes."""

from __future__ import annotations

import json
from contextlib import aclosing

import pytest
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import SpanKind, StatusCode

import qoder_async as qa
from qoder_async.testing import Emulator, ScriptedAgent
from tests.telemetry._support import CONTENT, a_failed_turn, named, new_session

pytestmark = pytest.mark.anyio


def _tokens(result: qa.TurnResult) -> tuple[int, int, int, int]:
    """The turn's own tokens, as its result reports them: input, output, cache read and
    cache creation."""
    assert result.tokens is not None
    tokens = result.tokens
    return (
        tokens.input_tokens,
        tokens.output_tokens,
        tokens.cache_read_input_tokens,
        tokens.cache_creation_input_tokens,
    )


async def test_a_turn_is_one_client_span_named_after_the_agent(
    traced: qa.AsyncQoder, exporter: InMemorySpanExporter
) -> None:
    session = await new_session(traced)
    await session.ask("hello")
    (span,) = named(exporter, "invoke_agent helper")
    assert span.kind is SpanKind.CLIENT
    assert span.status.status_code is StatusCode.UNSET


async def test_the_turn_span_carries_the_agent_the_session_and_the_model(
    traced: qa.AsyncQoder, exporter: InMemorySpanExporter, emu: Emulator
) -> None:
    session = await new_session(traced)
    assert session.info is not None
    assert session.info.agent is not None
    await session.ask("hello")
    (span,) = named(exporter, "invoke_agent helper")
    assert span.attributes is not None
    assert {k: span.attributes[k] for k in sorted(span.attributes) if "usage" not in k} == {
        "gen_ai.agent.id": session.info.agent["id"],
        "gen_ai.agent.name": "helper",
        "gen_ai.agent.version": "1",
        "gen_ai.conversation.id": session.id,
        "gen_ai.operation.name": "invoke_agent",
        "gen_ai.provider.name": "qoder",
        "gen_ai.request.model": "ultimate",
        "gen_ai.response.finish_reasons": ("end_turn",),
        "server.address": "127.0.0.1",
        "server.port": emu.port,
    }


async def test_the_token_figures_are_the_turns_usage(
    traced: qa.AsyncQoder, exporter: InMemorySpanExporter
) -> None:
    session = await new_session(traced)
    result = await session.ask("hello")
    assert result.usage is not None
    (span,) = named(exporter, "invoke_agent helper")
    assert span.attributes is not None
    # A fresh session's first turn: its totals so far are this turn's usage.
    assert span.attributes["gen_ai.usage.input_tokens"] == result.usage.input_tokens
    assert span.attributes["gen_ai.usage.output_tokens"] == result.usage.output_tokens
    assert (
        span.attributes["gen_ai.usage.cache_read.input_tokens"]
        == result.usage.cache_read_input_tokens
    )
    assert result.usage.cache_creation is not None
    assert span.attributes["gen_ai.usage.cache_creation.input_tokens"] == sum(
        result.usage.cache_creation.values()
    )


async def test_a_later_turn_reports_its_own_tokens_not_the_sessions_totals(
    traced: qa.AsyncQoder, exporter: InMemorySpanExporter
) -> None:
    session = await new_session(traced)
    first = await session.ask("hello")
    second = await session.ask("hello again")
    assert first.usage is not None
    assert second.usage is not None
    _, later = named(exporter, "invoke_agent helper")
    assert later.attributes is not None
    reported = tuple(
        later.attributes[f"gen_ai.usage.{kind}"]
        for kind in (
            "input_tokens",
            "output_tokens",
            "cache_read.input_tokens",
            "cache_creation.input_tokens",
        )
    )
    assert reported == _tokens(second)
    assert reported[0] == second.usage.input_tokens - first.usage.input_tokens


async def test_iterating_turn_makes_the_same_span(
    traced: qa.AsyncQoder, exporter: InMemorySpanExporter
) -> None:
    session = await new_session(traced)
    events = [event async for event in session.turn("hello")]
    (span,) = named(exporter, "invoke_agent helper")
    assert span.attributes is not None
    assert span.attributes["gen_ai.response.finish_reasons"] == ("end_turn",)
    assert isinstance(events[-1], qa.SessionStatusIdle)


async def test_a_session_bound_by_id_has_a_span_without_the_agent(
    traced: qa.AsyncQoder, exporter: InMemorySpanExporter
) -> None:
    created = await new_session(traced)
    await traced.session(created.id).ask("hello")
    (span,) = named(exporter, "invoke_agent")
    assert span.attributes is not None
    assert span.attributes["gen_ai.conversation.id"] == created.id
    assert not any(key.startswith("gen_ai.agent.") for key in span.attributes)
    assert "gen_ai.request.model" not in span.attributes


async def test_closing_a_turn_early_ends_its_span_without_an_error(
    traced: qa.AsyncQoder, exporter: InMemorySpanExporter
) -> None:
    session = await new_session(traced)
    async with aclosing(session.turn("hello")) as events:
        async for event in events:
            if event.type == "session.status_running":
                break
    (span,) = named(exporter, "invoke_agent helper")
    assert span.status.status_code is StatusCode.UNSET
    assert span.end_time is not None


async def test_a_turn_that_raises_marks_its_span_with_the_error(
    traced: qa.AsyncQoder, exporter: InMemorySpanExporter, emu: Emulator
) -> None:
    await a_failed_turn(traced, emu)
    (span,) = named(exporter, "invoke_agent helper")
    assert span.status.status_code is StatusCode.ERROR
    assert span.attributes is not None
    assert span.attributes["error.type"] == "qoder_async.InternalServerError"


async def test_a_turn_that_ends_with_retries_exhausted_is_an_error(
    traced: qa.AsyncQoder, exporter: InMemorySpanExporter, agent: ScriptedAgent
) -> None:
    session = await new_session(traced)
    agent.turn(
        {"type": "session.status_idle", "stop_reason": {"type": "retries_exhausted"}},
        session=session,
    )
    result = await session.ask("hello")
    assert result.stop_reason is not None
    assert result.stop_reason.type == "retries_exhausted"
    (span,) = named(exporter, "invoke_agent helper")
    assert span.status.status_code is StatusCode.ERROR
    assert span.attributes is not None
    assert span.attributes["error.type"] == "retries_exhausted"
    assert span.attributes["gen_ai.response.finish_reasons"] == ("retries_exhausted",)


async def test_no_message_content_is_recorded_by_default(
    traced: qa.AsyncQoder, exporter: InMemorySpanExporter, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv(CONTENT, raising=False)
    session = await new_session(traced)
    result = await session.ask("the secret plan")
    recorded = json.dumps(
        [dict(span.attributes or {}) for span in exporter.get_finished_spans()], default=str
    )
    assert "secret plan" not in recorded
    assert result.text
    assert result.text not in recorded
    assert "gen_ai.input.messages" not in recorded
    assert "gen_ai.output.messages" not in recorded


async def test_message_content_is_recorded_when_opted_in(
    traced: qa.AsyncQoder, exporter: InMemorySpanExporter, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(CONTENT, "true")
    session = await new_session(traced)
    result = await session.ask("the secret plan")
    (span,) = named(exporter, "invoke_agent helper")
    assert span.attributes is not None
    assert json.loads(str(span.attributes["gen_ai.input.messages"])) == [
        {"role": "user", "parts": [{"type": "text", "content": "the secret plan"}]}
    ]
    (output,) = json.loads(str(span.attributes["gen_ai.output.messages"]))
    assert output["role"] == "assistant"
    assert output["finish_reason"] == "end_turn"
    assert "\n\n".join(part["content"] for part in output["parts"]) == result.text
