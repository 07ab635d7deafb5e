"""What a stream of events means for a reader, independent of how it is drawn.

:class:`TurnView` is fed events one at a time. It returns the :class:`Line` items to print
for good (a thought, a tool call, a result, the message...) and keeps the live state that a
terminal shows at the bottom while the agent works: the text being written, what the agent is
doing, and the counters of the footer. The terminal and the plain renderers both draw from it.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Sequence
from typing import Any

from attrs import frozen

import qoder_async as qa

__all__ = ["Line", "TurnView", "result_summary", "tool_input_summary"]

_QUIET_TYPES = frozenset(
    {
        "span.model_request_start",
        "span.model_request_end",
        "session.usage",
        "session.status_running",
        "span.outcome_evaluation_ongoing",
    }
)
"""Event types that only change counters or the spinner, never a printed line."""


@frozen
class Line:
    """One item to print for good.

    ``kind`` is one of ``user``, ``thinking``, ``tool``, ``result``, ``tool_error``,
    ``message``, ``note``, ``warning``, ``error``, ``footer``. ``title`` is the tool's name
    for ``tool``; ``text`` is the body.
    """

    kind: str
    text: str
    title: str = ""


def _shorten(text: str, width: int) -> str:
    text = " ".join(text.split())
    return text if len(text) <= width else text[: width - 1] + "…"


def tool_input_summary(tool_input: dict[str, Any], width: int = 100) -> str:
    """``key=value`` pairs of a tool's input on one line, long values cut."""
    parts = []
    for key, value in tool_input.items():
        shown = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)
        parts.append(f"{key}={_shorten(shown, 60)}")
    return _shorten("  ".join(parts), width)


def _strip_line_number(line: str) -> str:
    # The Read tool numbers lines as "     1\t..."; the number is noise in a summary.
    head, tab, rest = line.partition("\t")
    return rest if tab and head.strip().isdigit() else line


def result_summary(text: str, width: int = 100) -> str:
    """The first line of a tool result and how many lines it has."""
    lines = [line for line in map(_strip_line_number, text.splitlines()) if line.strip()]
    if not lines:
        return "(no output)"
    first = _shorten(lines[0], width)
    more = len(lines) - 1
    return first if more == 0 else f"{first}  (+{more} line{'s' if more > 1 else ''})"


def _blocks_text(content: tuple[qa.ContentBlock, ...], separator: str = "\n") -> str:
    return separator.join(block.text for block in content if isinstance(block, qa.TextBlock))


class TurnView:
    """The state of the turn being watched, updated one event at a time.

    Args:
        echo_user: print the user's messages (off in ``chat``, where they were just typed).
        clock: seconds, for the elapsed time of the turn.
    """

    def __init__(
        self, *, echo_user: bool = True, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.echo_user = echo_user
        self._clock = clock
        self._live = qa.LiveText()
        self._tools: dict[str, str] = {}
        self.streaming: qa.Preview | None = None
        """The message or thought being written, if any."""
        self.activity = "sending"
        """What the agent is doing, for the spinner."""
        self.queued: Sequence[str] = ()
        """Lines typed while the turn runs, to be sent after it (shown under the spinner)."""
        self.session_credits: float | None = None
        """The session's total credits, from the last ``session.usage`` snapshot."""
        self.status = "starting"
        self.stop_reason: str | None = None
        self.interrupted = False
        """A ``user.interrupt`` was seen in this turn."""
        self.tokens_in = 0
        self.tokens_out = 0
        self.credits = 0.0
        self.started = clock()
        self.ended: float | None = None

    def _reset_turn(self) -> None:
        self.status = "starting"
        self.stop_reason = None
        self.interrupted = False
        self.tokens_in = 0
        self.tokens_out = 0
        self.credits = 0.0
        self.started = self._clock()
        self.ended = None

    @property
    def elapsed(self) -> float:
        """Seconds since the turn started (frozen once it ended)."""
        return (self.ended if self.ended is not None else self._clock()) - self.started

    def footer(self) -> str:
        """Status, stop reason, tokens, credits and time of the turn, on one line."""
        parts = [self.status if self.stop_reason is None else f"{self.status} ({self.stop_reason})"]
        parts.append(f"{self.tokens_in:,} in / {self.tokens_out:,} out tokens")
        credits = f"{self.credits:.2f} credits"
        if self.session_credits is not None:
            credits += f" (session {self.session_credits:.2f})"
        parts.append(credits)
        parts.append(f"{self.elapsed:.1f}s")
        return " · ".join(parts)

    def feed(self, event: qa.Event) -> list[Line]:
        """Apply one event; return what to print for good because of it."""
        lines: list[Line] = []
        preview = self._live.update(event)
        if isinstance(event, (qa.EventStart, qa.EventDelta)):
            self.streaming = preview
            if preview is not None:
                self.activity = "thinking" if preview.event_type == "agent.thinking" else "writing"
            return lines
        if preview is not None and preview.final:
            self.streaming = None
            self.activity = "working"
            if preview.id == event.id and isinstance(event, qa.AgentMessage):
                return [Line("message", event.text)]
            lines.append(self._finished_preview(preview))
            if preview.id == event.id:
                return lines
        lines.extend(self._event_lines(event))
        return lines

    def _finished_preview(self, preview: qa.Preview) -> Line:
        text = preview.text + (" …(cut off)" if preview.aborted else "")
        kind = "thinking" if preview.event_type == "agent.thinking" else "message"
        return Line(kind, text)

    def _event_lines(self, event: qa.Event) -> list[Line]:
        if isinstance(event, qa.UserMessage):
            self._reset_turn()
            self.activity = "waiting for the agent"
            return [Line("user", event.text)] if self.echo_user else []
        if isinstance(event, qa.SessionStatusRunning):
            if self.stop_reason == "requires_action":
                self.ended = None  # the same turn goes on once its calls are answered
            elif self.status != "starting":
                self._reset_turn()
            self.stop_reason = None
            self.status = "running"
            self.activity = "working"
            return []
        if isinstance(event, qa.SpanModelRequestStart):
            self.activity = "waiting for the model"
            return []
        if isinstance(event, qa.SpanModelRequestEnd):
            usage = event.model_usage
            if usage is not None:
                self.tokens_in += usage.input_tokens
                self.tokens_out += usage.output_tokens
                self.credits += usage.credits or 0.0
            return []
        if isinstance(event, qa.SessionUsageEvent):
            total = event.usage.get("total_credits")
            if isinstance(total, (int, float)):
                self.session_credits = float(total)
            return []
        if isinstance(event, qa.AgentThinking):
            return [Line("thinking", "")]
        if isinstance(event, qa.AgentMessage):
            # Blocks join as the SDK joins them: one may end a sentence another began.
            return [Line("message", event.text)]
        if isinstance(event, (qa.AgentToolUse, qa.AgentMCPToolUse, qa.AgentCustomToolUse)):
            name = event.name
            if isinstance(event, qa.AgentMCPToolUse):
                name = f"{event.mcp_server_name}.{event.name}"
            self._tools[event.id] = name
            self.activity = f"running {name}"
            return [Line("tool", tool_input_summary(event.input), title=name)]
        if isinstance(event, (qa.AgentToolResult, qa.AgentMCPToolResult)):
            self.activity = "working"
            kind = "tool_error" if event.is_error else "result"
            return [Line(kind, result_summary(_blocks_text(event.content)))]
        if isinstance(event, qa.UserToolConfirmation):
            name = self._tools.get(event.tool_use_id, "the tool")
            if event.result == "allow":
                return [Line("note", f"allowed {name}")]
            reason = f": {event.deny_message}" if event.deny_message else ""
            return [Line("note", f"denied {name}{reason}")]
        if isinstance(event, qa.UserCustomToolResult):
            name = self._tools.get(event.custom_tool_use_id, "a custom tool")
            kind = "tool_error" if event.is_error else "result"
            return [Line(kind, f"{name}: {result_summary(_blocks_text(event.content))}")]
        if isinstance(event, qa.UserInterrupt):
            self.interrupted = True
            return [Line("note", "interrupt sent; the agent stops")]
        if isinstance(event, qa.SessionStatusRescheduled):
            self.status = "rescheduled"
            return [Line("warning", "the turn was rescheduled; the agent retries it")]
        if isinstance(event, qa.SessionError):
            error = event.error
            return [Line("error", f"session error: {error.type}: {error.message}".strip())]
        if isinstance(event, qa.SessionStatusIdle):
            if self.interrupted:
                # The API ends an interrupted turn with end_turn: say what the user did.
                return self._ended("stopped", "interrupted")
            return self._ended("idle", event.stop_reason.type if event.stop_reason else None)
        if isinstance(event, (qa.SessionStatusTerminated, qa.SessionDeleted)):
            status = "terminated" if isinstance(event, qa.SessionStatusTerminated) else "deleted"
            return self._ended(status, None)
        if isinstance(event, qa.MalformedEvent):
            return [Line("warning", f"undecodable event {event.id or ''}: {event.error}")]
        if event.type in _QUIET_TYPES:
            return []
        return [Line("note", event.type)]

    def _ended(self, status: str, stop_reason: str | None) -> list[Line]:
        self.status = status
        self.stop_reason = stop_reason
        self.ended = self._clock()
        self.activity = status
        self.streaming = None
        return [Line("footer", self.footer())]
