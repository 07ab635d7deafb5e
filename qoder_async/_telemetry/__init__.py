"""Spans and metrics through the OpenTelemetry API, when it is installed.

The rest of the package calls :class:`Telemetry` (a turn, an agent's creation, a tool call,
a retry, a reconnect) and never looks at OpenTelemetry itself. ``opentelemetry`` is imported
the first time something is recorded, never by ``import qoder_async``; without it every call
here does nothing.
"""

from ._telemetry import AgentSpan, Telemetry, ToolSpan, capture_content, error_type_of

__all__ = ["AgentSpan", "Telemetry", "ToolSpan", "capture_content", "error_type_of"]
