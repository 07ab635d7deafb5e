"""The OpenTelemetry side of :class:`Telemetry`: spans and histograms, through the API only.

Names and attributes follow the GenAI semantic conventions of semantic-conventions v1.40.0
(development status): ``invoke_agent`` (a turn), ``create_agent``, ``execute_tool``, and the
``gen_ai.client.operation.duration`` / ``gen_ai.client.token.usage`` histograms with their
recommended buckets. ``OTEL_SEMCONV_STABILITY_OPT_IN=gen_ai_latest_experimental`` changes
nothing: there is no older version of these conventions that this package ever emitted.
"""

from __future__ import annotations

import json
import time
from collections.abc import AsyncGenerator, Iterator, Mapping
from contextlib import aclosing, contextmanager, nullcontext
from typing import Any, Final
from urllib.parse import urlsplit

from opentelemetry import metrics, trace
from opentelemetry.trace import Span, SpanKind, Status, StatusCode
from opentelemetry.util.types import AttributeValue

from .._models._content import ContentBlock, TextBlock
from .._models._convert import unstructure
from .._models._events import (
    TERMINAL_EVENT_TYPES,
    AgentMessage,
    Event,
    ModelUsage,
    SessionError,
    SessionStatusIdle,
    SpanModelRequestEnd,
    added_up,
)
from .._version import __version__
from ._telemetry import AgentSpan, ToolSpan, capture_content, error_type_of

__all__ = ["PROVIDER", "SCHEMA_URL", "Recorder"]

SCHEMA_URL: Final = "https://opentelemetry.io/schemas/1.40.0"
PROVIDER: Final = "qoder"
SCOPE: Final = "qoder_async"

# The buckets the conventions recommend for each histogram.
DURATION_BUCKETS: Final = (
    0.01, 0.02, 0.04, 0.08, 0.16, 0.32, 0.64, 1.28, 2.56, 5.12, 10.24, 20.48, 40.96, 81.92,
)  # fmt: skip
TOKEN_BUCKETS: Final = (
    1, 4, 16, 64, 256, 1024, 4096, 16384, 65536, 262144, 1048576, 4194304, 16777216,
    67108864,
)  # fmt: skip

# An idle that ends a turn for this reason means the turn failed.
_FAILED_STOPS: Final = frozenset({"retries_exhausted"})

Attributes = dict[str, AttributeValue]


def _model_name(model: object) -> str | None:
    """The model id of an agent's ``model`` (an id, or a config object with an ``id``)."""
    if isinstance(model, str):
        return model or None
    if isinstance(model, Mapping):
        value = model.get("id")
        return value if isinstance(value, str) and value else None
    return None


def _parts(content: tuple[ContentBlock, ...]) -> list[dict[str, Any]]:
    """Message parts as the conventions' JSON schema has them: text as text, other blocks
    by their type only (an image's data is not a span attribute)."""
    return [
        {"type": "text", "content": block.text}
        if isinstance(block, TextBlock)
        else {"type": str(getattr(block, "type", "unknown"))}
        for block in content
    ]


# Durations are wall-clock seconds, as span timestamps are; a turn's span may also end in a
# generator finalised after its event loop stopped, where anyio's clock cannot be read.


def _end(span: Span, error_type: str | None) -> None:
    if error_type is not None:
        span.set_attribute("error.type", error_type)
        span.set_status(Status(StatusCode.ERROR))
    span.end()


def _active(span: Span) -> Any:
    # Exceptions are recorded by us, without their text (it may carry content).
    return trace.use_span(span, record_exception=False, set_status_on_exception=False)


def _error_attributes(event: SessionError) -> Attributes:
    """What a ``session.error`` says, without its message (it may quote content)."""
    error = event.error
    attributes: Attributes = {"error.type": error.type or "unknown_error"}
    retry = (error.retry_status or {}).get("type")
    if isinstance(retry, str):
        attributes["qoder_async.error.retry_status"] = retry
    if error.qoder_error_code:
        attributes["qoder_async.error.code"] = error.qoder_error_code
    if error.mcp_server_name:
        attributes["gen_ai.tool.mcp_server.name"] = error.mcp_server_name
    return attributes


class _TurnSummary:
    """What the events of a turn add up to, for its span and its metrics. The agent's texts
    are kept only with ``content`` (the opt-in): a turn's memory stays flat otherwise."""

    def __init__(self, content: bool) -> None:
        self.content = content
        self.tokens: ModelUsage | None = None  # the turn's model requests, added up so far
        self.finish_reason: str | None = None
        self.error_type: str | None = None
        self.texts: list[str] = []

    def add(self, event: Event) -> None:
        if isinstance(event, SpanModelRequestEnd) and event.model_usage is not None:
            usage = event.model_usage
            self.tokens = usage if self.tokens is None else added_up((self.tokens, usage))
        elif self.content and isinstance(event, AgentMessage) and event.text:
            self.texts.append(event.text)
        elif isinstance(event, SessionStatusIdle):
            reason = event.stop_reason.type if event.stop_reason is not None else None
            self.finish_reason = reason
            self.error_type = reason if reason in _FAILED_STOPS else None
        elif event.type in TERMINAL_EVENT_TYPES:
            self.error_type = event.type

    def attributes(self) -> Attributes:
        attributes: Attributes = {}
        tokens = self.tokens
        if tokens is not None:
            attributes["gen_ai.usage.input_tokens"] = tokens.input_tokens
            attributes["gen_ai.usage.output_tokens"] = tokens.output_tokens
            attributes["gen_ai.usage.cache_read.input_tokens"] = tokens.cache_read_input_tokens
            attributes["gen_ai.usage.cache_creation.input_tokens"] = (
                tokens.cache_creation_input_tokens
            )
        if self.finish_reason is not None:
            attributes["gen_ai.response.finish_reasons"] = (self.finish_reason,)
        if self.content:
            message: dict[str, Any] = {
                "role": "assistant",
                "parts": [{"type": "text", "content": text} for text in self.texts],
            }
            if self.finish_reason is not None:
                message["finish_reason"] = self.finish_reason
            attributes["gen_ai.output.messages"] = json.dumps([message], ensure_ascii=False)
        return attributes


class _AgentSpan(AgentSpan):
    def __init__(self, span: Span) -> None:
        self.span = span

    def finish(self, agent_id: str, version: int) -> None:
        self.span.set_attribute("gen_ai.agent.id", agent_id)
        self.span.set_attribute("gen_ai.agent.version", str(version))


class _ToolSpan(ToolSpan):
    def __init__(self, span: Span, content: bool) -> None:
        self.span = span
        self.content = content
        self.error_type: str | None = None

    def finish(self, content: tuple[ContentBlock, ...], error_type: str | None) -> None:
        self.error_type = error_type
        if self.content:
            result = json.dumps(unstructure(content), ensure_ascii=False)
            self.span.set_attribute("gen_ai.tool.call.result", result)


class Recorder:
    """One client's tracer and histograms, and the spans of each operation."""

    def __init__(
        self,
        tracer_provider: trace.TracerProvider | None,
        meter_provider: metrics.MeterProvider | None,
        base_url: str,
    ) -> None:
        self.tracer = trace.get_tracer(SCOPE, __version__, tracer_provider, schema_url=SCHEMA_URL)
        meter = metrics.get_meter(SCOPE, __version__, meter_provider, schema_url=SCHEMA_URL)
        self.duration = meter.create_histogram(
            "gen_ai.client.operation.duration",
            unit="s",
            description="GenAI operation duration",
            explicit_bucket_boundaries_advisory=DURATION_BUCKETS,
        )
        self.tokens = meter.create_histogram(
            "gen_ai.client.token.usage",
            unit="{token}",
            description="Number of input and output tokens used",
            explicit_bucket_boundaries_advisory=TOKEN_BUCKETS,
        )
        self.server: Attributes = {}
        url = urlsplit(base_url)
        if url.hostname:
            self.server["server.address"] = url.hostname
            self.server["server.port"] = url.port or (443 if url.scheme == "https" else 80)

    def _common(self, operation: str, model: str | None) -> Attributes:
        common: Attributes = {
            "gen_ai.operation.name": operation,
            "gen_ai.provider.name": PROVIDER,
            **self.server,
        }
        if model is not None:
            common["gen_ai.request.model"] = model
        return common

    def _duration(self, started: float, common: Attributes, error_type: str | None) -> None:
        extra: Attributes = {"error.type": error_type} if error_type is not None else {}
        self.duration.record(time.perf_counter() - started, {**common, **extra})

    async def turn(
        self,
        events: AsyncGenerator[Event, None],
        *,
        session_id: str,
        agent: Mapping[str, Any] | None,
        message: tuple[ContentBlock, ...],
    ) -> AsyncGenerator[Event, None]:
        """Pass the events through, inside an ``invoke_agent`` span that is the current span
        while the turn's own code runs (its requests, its tools), not while the caller's
        loop body does."""
        agent = agent or {}
        name = agent.get("name") if isinstance(agent.get("name"), str) else None
        common = self._common("invoke_agent", _model_name(agent.get("model")))
        attributes: Attributes = {**common, "gen_ai.conversation.id": session_id}
        if isinstance(agent.get("id"), str):
            attributes["gen_ai.agent.id"] = agent["id"]
        if name:
            attributes["gen_ai.agent.name"] = name
        if agent.get("version") is not None:
            attributes["gen_ai.agent.version"] = str(agent["version"])
        content = capture_content()
        if content:
            user = {"role": "user", "parts": _parts(message)}
            attributes["gen_ai.input.messages"] = json.dumps([user], ensure_ascii=False)
        span = self.tracer.start_span(
            f"invoke_agent {name}" if name else "invoke_agent",
            kind=SpanKind.CLIENT,
            attributes=attributes,
        )
        started = time.perf_counter()
        summary = _TurnSummary(content)
        error_type: str | None = None
        # A span no SDK records has no children to parent: skip making it current per event.
        recording = span.is_recording()
        try:
            async with aclosing(events):
                while True:
                    with _active(span) if recording else nullcontext():
                        try:
                            event = await events.__anext__()
                        except StopAsyncIteration:
                            break
                    summary.add(event)
                    if isinstance(event, SessionError):
                        span.add_event("qoder_async.session.error", _error_attributes(event))
                    yield event
        except GeneratorExit:
            raise  # the caller stopped reading: not a failure
        except BaseException as exc:
            error_type = error_type_of(exc)
            raise
        finally:
            error_type = error_type or summary.error_type
            span.set_attributes(summary.attributes())
            _end(span, error_type)
            self._duration(started, common, error_type)
            if summary.tokens is not None:
                for kind, count in (
                    ("input", summary.tokens.input_tokens),
                    ("output", summary.tokens.output_tokens),
                ):
                    self.tokens.record(count, {**common, "gen_ai.token.type": kind})

    @contextmanager
    def create_agent(
        self, *, name: str, model: object, description: str | None
    ) -> Iterator[AgentSpan]:
        """A ``create_agent`` span, current while the agent is created."""
        common = self._common("create_agent", _model_name(model))
        attributes: Attributes = {**common, "gen_ai.agent.name": name}
        if description:
            attributes["gen_ai.agent.description"] = description
        span = self.tracer.start_span(
            f"create_agent {name}", kind=SpanKind.CLIENT, attributes=attributes
        )
        started = time.perf_counter()
        error_type: str | None = None
        try:
            with _active(span):
                yield _AgentSpan(span)
        except BaseException as exc:
            error_type = error_type_of(exc)
            raise
        finally:
            _end(span, error_type)
            self._duration(started, common, error_type)

    @contextmanager
    def tool_call(
        self, *, name: str, call_id: str, arguments: object, description: str | None
    ) -> Iterator[ToolSpan]:
        """An ``execute_tool`` span, current while the tool runs."""
        attributes: Attributes = {
            "gen_ai.operation.name": "execute_tool",
            "gen_ai.tool.name": name,
            "gen_ai.tool.call.id": call_id,
            "gen_ai.tool.type": "function",
        }
        if description:
            attributes["gen_ai.tool.description"] = description
        content = capture_content()
        if content:
            attributes["gen_ai.tool.call.arguments"] = json.dumps(arguments, ensure_ascii=False)
        span = self.tracer.start_span(
            f"execute_tool {name}", kind=SpanKind.INTERNAL, attributes=attributes
        )
        outcome = _ToolSpan(span, content)
        error_type: str | None = None
        try:
            with _active(span):
                yield outcome
        except BaseException as exc:
            error_type = error_type_of(exc)
            raise
        finally:
            _end(span, error_type or outcome.error_type)

    def retry(self, method: str, path: str, retry: int, delay: float, why: str) -> None:
        """``qoder_async.request.retry`` on the current span (the turn's, when in one)."""
        trace.get_current_span().add_event(
            "qoder_async.request.retry",
            {
                "http.request.method": method,
                "url.path": path,
                "http.request.resend_count": retry + 1,
                "error.type": why,
                "qoder_async.retry.delay": delay,
            },
        )

    def reconnect(self, path: str, reconnects: int, delay: float, why: str | None) -> None:
        """``qoder_async.stream.reconnect`` on the current span (the turn's, when in one)."""
        attributes: Attributes = {
            "url.path": path,
            "qoder_async.stream.reconnects": reconnects,
            "qoder_async.retry.delay": delay,
        }
        if why is not None:
            attributes["error.type"] = why
        trace.get_current_span().add_event("qoder_async.stream.reconnect", attributes)
