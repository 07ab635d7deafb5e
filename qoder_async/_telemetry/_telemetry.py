"""Telemetry: what the package reports, and where to (the given providers, else the global
ones). Without the ``opentelemetry-api`` package, it reports nothing and costs nothing."""

from __future__ import annotations

import os
from collections.abc import AsyncGenerator, Mapping
from contextlib import AbstractContextManager, nullcontext
from typing import TYPE_CHECKING, Any

from .._models._content import ContentBlock
from .._models._events import Event

if TYPE_CHECKING:
    from opentelemetry.metrics import MeterProvider
    from opentelemetry.trace import TracerProvider

    from ._otel import Recorder

__all__ = [
    "CONTENT_ENV",
    "AgentSpan",
    "Telemetry",
    "ToolSpan",
    "capture_content",
    "error_type_of",
]

CONTENT_ENV = "OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT"
# "true" as the GenAI instrumentations take it; the other two are the values that mean "on
# spans" in opentelemetry-util-genai's content-capturing modes.
_CONTENT_ON = frozenset({"true", "span_only", "span_and_event"})


def capture_content() -> bool:
    """Whether message content (prompts, answers, tool input and output) may be recorded:
    only when the application opted in with ``OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_
    CONTENT=true``. Read at each operation, so a test or an app can switch it at run time."""
    return os.environ.get(CONTENT_ENV, "").strip().lower() in _CONTENT_ON


def error_type_of(exc: BaseException) -> str:
    """``error.type`` for an exception: its class's full name (``qoder_async.NotFoundError``;
    ``TimeoutError`` for a builtin)."""
    cls = type(exc)
    if cls.__module__ == "builtins":
        return cls.__qualname__
    return f"{cls.__module__}.{cls.__qualname__}"


class AgentSpan:
    """What ``agents.create`` tells its span once the API answered (nothing, here)."""

    def finish(self, agent_id: str, version: int) -> None:
        """Record the new agent's id and version."""


class ToolSpan:
    """What a tool call tells its span once it ran (nothing, here)."""

    def finish(self, content: tuple[ContentBlock, ...], error_type: str | None) -> None:
        """Record the answer (when content may be recorded) and, if it failed, why."""


class Telemetry:
    """Where a client's spans and metrics go: ``tracer_provider`` and ``meter_provider``,
    else OpenTelemetry's global providers (which record nothing until the application
    configures an SDK). ``base_url`` gives ``server.address`` and ``server.port``.

    OpenTelemetry is imported on the first operation; when it is not installed, every
    method returns at once and the events of a turn pass through untouched.
    """

    def __init__(
        self,
        *,
        tracer_provider: TracerProvider | None = None,
        meter_provider: MeterProvider | None = None,
        base_url: str = "",
    ) -> None:
        self.tracer_provider = tracer_provider
        self.meter_provider = meter_provider
        self.base_url = base_url
        self._loaded = False
        self._recorder: Recorder | None = None

    def __repr__(self) -> str:
        return f"<Telemetry {'on' if self._loaded and self._recorder else 'idle'}>"

    def _active(self) -> Recorder | None:
        if not self._loaded:
            self._loaded = True
            try:
                from . import _otel  # the otel extra: imported on first use, if installed
            except ImportError:
                return None
            self._recorder = _otel.Recorder(
                self.tracer_provider, self.meter_provider, self.base_url
            )
        return self._recorder

    def turn(
        self,
        events: AsyncGenerator[Event, None],
        *,
        session_id: str,
        agent: Mapping[str, Any] | None,
        message: tuple[ContentBlock, ...],
    ) -> AsyncGenerator[Event, None]:
        """The events of one turn, inside an ``invoke_agent`` span (``events`` itself
        when nothing is recorded). ``agent`` is the session's agent object, if known."""
        recorder = self._active()
        if recorder is None:
            return events
        return recorder.turn(events, session_id=session_id, agent=agent, message=message)

    def create_agent(
        self, *, name: str, model: object, description: str | None
    ) -> AbstractContextManager[AgentSpan]:
        """A ``create_agent`` span around the request that creates an agent."""
        recorder = self._active()
        if recorder is None:
            return nullcontext(AgentSpan())
        return recorder.create_agent(name=name, model=model, description=description)

    def tool_call(
        self, *, name: str, call_id: str, arguments: object, description: str | None
    ) -> AbstractContextManager[ToolSpan]:
        """An ``execute_tool`` span around one client-side tool call."""
        recorder = self._active()
        if recorder is None:
            return nullcontext(ToolSpan())
        return recorder.tool_call(
            name=name, call_id=call_id, arguments=arguments, description=description
        )

    def retry(self, method: str, path: str, retry: int, delay: float, why: str) -> None:
        """A request is about to be sent again: an event on the current span."""
        recorder = self._active()
        if recorder is not None:
            recorder.retry(method, path, retry, delay, why)

    def reconnect(self, path: str, reconnects: int, delay: float, why: str | None) -> None:
        """An event stream is about to reconnect (``why``: the error's class, ``None`` when
        the server closed it): an event on the current span."""
        recorder = self._active()
        if recorder is not None:
            recorder.reconnect(path, reconnects, delay, why)
