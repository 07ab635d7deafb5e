"""Events: what the stream and the history return, one frozen class per documented type.

Every event has ``id``, ``type``, ``processed_at`` and ``raw`` (the whole decoded JSON object,
so fields this version does not model are never lost). A type this version does not know
arrives as :class:`UnknownEvent`; a frame that could not be decoded at all arrives as
:class:`MalformedEvent`, carrying its text. Decoding lives in ``_convert``.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Union, get_args

from attrs import field, frozen

from ._content import ContentBlock, JSONObject

__all__ = [
    "AgentCustomToolUse",
    "AgentMCPToolResult",
    "AgentMCPToolUse",
    "AgentMessage",
    "AgentThinking",
    "AgentThreadContextCompacted",
    "AgentThreadMessageReceived",
    "AgentThreadMessageSent",
    "AgentToolResult",
    "AgentToolUse",
    "BaseEvent",
    "Event",
    "EventDelta",
    "EventStart",
    "MalformedEvent",
    "ModelUsage",
    "SessionDeleted",
    "SessionError",
    "SessionErrorInfo",
    "SessionStatusIdle",
    "SessionStatusRescheduled",
    "SessionStatusRunning",
    "SessionStatusTerminated",
    "SessionThreadCreated",
    "SessionThreadStatusIdle",
    "SessionThreadStatusRescheduled",
    "SessionThreadStatusRunning",
    "SessionThreadStatusTerminated",
    "SessionUpdated",
    "SessionUsageEvent",
    "SpanModelRequestEnd",
    "SpanModelRequestStart",
    "SpanOutcomeEvaluationEnd",
    "SpanOutcomeEvaluationOngoing",
    "SpanOutcomeEvaluationStart",
    "StopReason",
    "SystemMessage",
    "UnknownEvent",
    "UserCustomToolResult",
    "UserDefineOutcome",
    "UserInterrupt",
    "UserMessage",
    "UserToolConfirmation",
    "UserToolResult",
    "added_up",
]


def join_text(content: tuple[ContentBlock, ...]) -> str:
    """The text blocks of ``content``, concatenated with nothing in between: blocks may split
    one sentence (a citation makes ``"The sky is "`` and ``"blue."`` two blocks)."""
    return "".join(block.text for block in content if block.type == "text")  # type: ignore[union-attr]  # text blocks have .text


@frozen(kw_only=True)
class BaseEvent:
    """Fields every event has.

    Attributes:
        id: ``evt_…`` (from the JSON, else from the SSE ``id:`` line).
        type: the wire type, e.g. ``"agent.message"``.
        processed_at: RFC 3339 timestamp exactly as sent (nanoseconds kept).
        raw: the whole decoded JSON object, unknown fields included.
    """

    id: str = ""
    type: str = ""
    processed_at: str | None = None
    raw: JSONObject = field(factory=dict, repr=False, eq=False)


# --- shared payloads ---------------------------------------------------------------------


@frozen(kw_only=True)
class StopReason:
    """Why the session (or a thread) went idle: ``end_turn``, ``requires_action``, ...

    ``event_ids`` lists the tool-use events awaiting an answer for ``requires_action``.
    """

    type: str
    event_ids: tuple[str, ...] = ()


@frozen(kw_only=True)
class ModelUsage:
    """Token usage and credits of one model request (``span.model_request_end``)."""

    input_tokens: int = 0
    output_tokens: int = 0
    cache_read_input_tokens: int = 0
    cache_creation_input_tokens: int = 0
    speed: str | None = None
    credits: float | None = None


def added_up(requests: Sequence[ModelUsage]) -> ModelUsage:
    """Several model requests' usage as one: tokens and credits summed (credits rounded to
    2 decimals, as each request reports them)."""
    return ModelUsage(
        input_tokens=sum(r.input_tokens for r in requests),
        output_tokens=sum(r.output_tokens for r in requests),
        cache_read_input_tokens=sum(r.cache_read_input_tokens for r in requests),
        cache_creation_input_tokens=sum(r.cache_creation_input_tokens for r in requests),
        credits=round(sum(r.credits or 0.0 for r in requests), 2),
    )


@frozen(kw_only=True)
class SessionErrorInfo:
    """The ``error`` of a ``session.error`` event; decide on ``retry_status``, not the code."""

    type: str = ""
    message: str = ""
    retry_status: JSONObject | None = None
    mcp_server_name: str | None = None
    qoder_error_code: str | None = None


# --- user echoes -------------------------------------------------------------------------


@frozen(kw_only=True)
class UserMessage(BaseEvent):
    """``user.message``: a message the user sent, as echoed by the API."""

    type: str = "user.message"
    content: tuple[ContentBlock, ...] = ()

    @property
    def text(self) -> str:
        """The text blocks, concatenated (see :func:`join_text`)."""
        return join_text(self.content)


@frozen(kw_only=True)
class UserInterrupt(BaseEvent):
    """``user.interrupt``: the user stopped the running turn (or one thread of it)."""

    type: str = "user.interrupt"
    session_thread_id: str | None = None


@frozen(kw_only=True)
class UserDefineOutcome(BaseEvent):
    """``user.define_outcome``: an outcome the agent iterates towards."""

    type: str = "user.define_outcome"
    description: str = ""
    rubric: JSONObject | None = None
    max_iterations: int | None = None
    outcome_id: str | None = None


@frozen(kw_only=True)
class UserToolConfirmation(BaseEvent):
    """``user.tool_confirmation``: allow or deny a tool call that asked."""

    type: str = "user.tool_confirmation"
    tool_use_id: str = ""
    result: str = ""
    deny_message: str | None = None


@frozen(kw_only=True)
class UserCustomToolResult(BaseEvent):
    """``user.custom_tool_result``: the result of a client-side custom tool."""

    type: str = "user.custom_tool_result"
    custom_tool_use_id: str = ""
    content: tuple[ContentBlock, ...] = ()
    is_error: bool = False


@frozen(kw_only=True)
class UserToolResult(BaseEvent):
    """``user.tool_result``: a tool result supplied by the user."""

    type: str = "user.tool_result"
    tool_use_id: str = ""
    content: tuple[ContentBlock, ...] = ()
    is_error: bool = False


@frozen(kw_only=True)
class SystemMessage(BaseEvent):
    """``system.message``: a system message injected into the session."""

    type: str = "system.message"
    content: tuple[ContentBlock, ...] = ()

    @property
    def text(self) -> str:
        """The text blocks, concatenated (see :func:`join_text`)."""
        return join_text(self.content)


# --- agent events ------------------------------------------------------------------------


@frozen(kw_only=True)
class AgentMessage(BaseEvent):
    """``agent.message``: text the agent wrote; ``.text`` joins its text blocks."""

    type: str = "agent.message"
    content: tuple[ContentBlock, ...] = ()
    session_thread_id: str | None = None

    @property
    def text(self) -> str:
        """The text blocks, concatenated (see :func:`join_text`)."""
        return join_text(self.content)


@frozen(kw_only=True)
class AgentThinking(BaseEvent):
    """``agent.thinking``: a progress signal; its text only comes as deltas."""

    type: str = "agent.thinking"
    session_thread_id: str | None = None


@frozen(kw_only=True)
class AgentToolUse(BaseEvent):
    """``agent.tool_use``: the agent calls a built-in tool (``Bash``, ``Read``, ...)."""

    type: str = "agent.tool_use"
    name: str = ""
    input: JSONObject = field(factory=dict)
    evaluated_permission: str | None = None
    session_thread_id: str | None = None


@frozen(kw_only=True)
class AgentToolResult(BaseEvent):
    """``agent.tool_result``: the result of the ``agent.tool_use`` named by ``tool_use_id``."""

    type: str = "agent.tool_result"
    tool_use_id: str = ""
    content: tuple[ContentBlock, ...] = ()
    is_error: bool = False
    session_thread_id: str | None = None

    @property
    def text(self) -> str:
        """The text blocks, concatenated (see :func:`join_text`)."""
        return join_text(self.content)


@frozen(kw_only=True)
class AgentMCPToolUse(BaseEvent):
    """``agent.mcp_tool_use``: the agent calls a tool of an MCP server."""

    type: str = "agent.mcp_tool_use"
    name: str = ""
    mcp_server_name: str = ""
    input: JSONObject = field(factory=dict)
    evaluated_permission: str | None = None
    session_thread_id: str | None = None


@frozen(kw_only=True)
class AgentMCPToolResult(BaseEvent):
    """``agent.mcp_tool_result``: the result of an MCP tool call."""

    type: str = "agent.mcp_tool_result"
    mcp_tool_use_id: str = ""
    content: tuple[ContentBlock, ...] = ()
    is_error: bool = False
    session_thread_id: str | None = None


@frozen(kw_only=True)
class AgentCustomToolUse(BaseEvent):
    """``agent.custom_tool_use``: answer it with ``user.custom_tool_result``."""

    type: str = "agent.custom_tool_use"
    name: str = ""
    input: JSONObject = field(factory=dict)
    session_thread_id: str | None = None


@frozen(kw_only=True)
class AgentThreadMessageSent(BaseEvent):
    """``agent.thread_message_sent``: a message to another thread of the session."""

    type: str = "agent.thread_message_sent"
    to_session_thread_id: str = ""
    to_agent_name: str | None = None
    content: tuple[ContentBlock, ...] = ()


@frozen(kw_only=True)
class AgentThreadMessageReceived(BaseEvent):
    """``agent.thread_message_received``: a message from another thread of the session."""

    type: str = "agent.thread_message_received"
    from_session_thread_id: str = ""
    from_agent_name: str | None = None
    content: tuple[ContentBlock, ...] = ()


@frozen(kw_only=True)
class AgentThreadContextCompacted(BaseEvent):
    """``agent.thread_context_compacted``: the context was summarised."""

    type: str = "agent.thread_context_compacted"
    session_thread_id: str | None = None


# --- session events ----------------------------------------------------------------------


@frozen(kw_only=True)
class SessionStatusRunning(BaseEvent):
    """``session.status_running``: a turn started."""

    type: str = "session.status_running"


@frozen(kw_only=True)
class SessionStatusIdle(BaseEvent):
    """``session.status_idle``: the turn ended; see ``stop_reason.type``."""

    type: str = "session.status_idle"
    stop_reason: StopReason | None = None
    usage: JSONObject | None = None


@frozen(kw_only=True)
class SessionStatusRescheduled(BaseEvent):
    """``session.status_rescheduled``: the turn is retried after a retryable error."""

    type: str = "session.status_rescheduled"


@frozen(kw_only=True)
class SessionStatusTerminated(BaseEvent):
    """``session.status_terminated``: the session will not run again (ends a stream)."""

    type: str = "session.status_terminated"


@frozen(kw_only=True)
class SessionError(BaseEvent):
    """``session.error``: not terminal by itself; check ``error.retry_status``."""

    type: str = "session.error"
    error: SessionErrorInfo = field(factory=SessionErrorInfo)


@frozen(kw_only=True)
class SessionDeleted(BaseEvent):
    """``session.deleted``: the session was deleted (ends a stream)."""

    type: str = "session.deleted"


@frozen(kw_only=True)
class SessionUpdated(BaseEvent):
    """``session.updated``: new values after an update of the session."""

    type: str = "session.updated"
    title: str | None = None
    metadata: dict[str, str] | None = None
    agent: JSONObject | None = None
    budget: JSONObject | None = None


@frozen(kw_only=True)
class SessionUsageEvent(BaseEvent):
    """``session.usage``: a cumulative usage snapshot (overwrite, never add)."""

    type: str = "session.usage"
    usage: JSONObject = field(factory=dict)
    budget: JSONObject | None = None


@frozen(kw_only=True)
class SessionThreadCreated(BaseEvent):
    """``session.thread_created``: a multi-agent thread was created."""

    type: str = "session.thread_created"
    session_thread_id: str = ""
    agent_name: str | None = None


@frozen(kw_only=True)
class SessionThreadStatusRunning(BaseEvent):
    """``session.thread_status_running``."""

    type: str = "session.thread_status_running"
    session_thread_id: str = ""
    agent_name: str | None = None


@frozen(kw_only=True)
class SessionThreadStatusIdle(BaseEvent):
    """``session.thread_status_idle``: a thread went idle (does not end the session turn)."""

    type: str = "session.thread_status_idle"
    session_thread_id: str = ""
    agent_name: str | None = None
    stop_reason: StopReason | None = None


@frozen(kw_only=True)
class SessionThreadStatusTerminated(BaseEvent):
    """``session.thread_status_terminated``."""

    type: str = "session.thread_status_terminated"
    session_thread_id: str = ""
    agent_name: str | None = None


@frozen(kw_only=True)
class SessionThreadStatusRescheduled(BaseEvent):
    """``session.thread_status_rescheduled``."""

    type: str = "session.thread_status_rescheduled"
    session_thread_id: str = ""
    agent_name: str | None = None


# --- spans -------------------------------------------------------------------------------


@frozen(kw_only=True)
class SpanModelRequestStart(BaseEvent):
    """``span.model_request_start``: a model request began; its ``id`` keys the span."""

    type: str = "span.model_request_start"
    session_thread_id: str | None = None


@frozen(kw_only=True)
class SpanModelRequestEnd(BaseEvent):
    """``span.model_request_end``: a model request ended, with its ``model_usage``."""

    type: str = "span.model_request_end"
    model_request_start_id: str = ""
    is_error: bool = False
    model_usage: ModelUsage | None = None
    session_thread_id: str | None = None


@frozen(kw_only=True)
class SpanOutcomeEvaluationStart(BaseEvent):
    """``span.outcome_evaluation_start``."""

    type: str = "span.outcome_evaluation_start"
    outcome_id: str = ""
    iteration: int = 0


@frozen(kw_only=True)
class SpanOutcomeEvaluationOngoing(BaseEvent):
    """``span.outcome_evaluation_ongoing``: a heartbeat while an outcome is graded."""

    type: str = "span.outcome_evaluation_ongoing"
    outcome_id: str = ""
    iteration: int = 0


@frozen(kw_only=True)
class SpanOutcomeEvaluationEnd(BaseEvent):
    """``span.outcome_evaluation_end``: the grade of one iteration."""

    type: str = "span.outcome_evaluation_end"
    outcome_evaluation_start_id: str = ""
    outcome_id: str = ""
    iteration: int = 0
    result: str | None = None
    explanation: str | None = None
    usage: JSONObject | None = None


# --- live previews (only on streams opened with deltas=True) ------------------------------


@frozen(kw_only=True)
class EventStart(BaseEvent):
    """``event_start``: a preview of the event ``id`` (of ``event_type``) begins.

    The buffered event with the same id arrives later and replaces the preview.
    """

    type: str = "event_start"
    event_type: str = ""


@frozen(kw_only=True)
class EventDelta(BaseEvent):
    """``event_delta``: more content for the preview of event ``id``.

    ``index`` is the position of the block in the final ``content``; ``text`` the added text.
    """

    type: str = "event_delta"
    index: int = 0
    delta_type: str = "content_delta"
    content: ContentBlock | None = None

    @property
    def text(self) -> str:
        """The text this delta adds ("" for a non-text block)."""
        return getattr(self.content, "text", "") if self.content is not None else ""


# --- what this version cannot type --------------------------------------------------------


@frozen(kw_only=True)
class UnknownEvent(BaseEvent):
    """An event of a type this version of qoder_async does not know; ``raw`` holds all of it."""


@frozen(kw_only=True)
class MalformedEvent(BaseEvent):
    """A frame that could not be decoded (bad JSON, wrong field types).

    Nothing is dropped: ``data`` is the frame's data text and ``error`` says what was wrong.
    """

    type: str = ""
    data: str = ""
    error: str = ""


Event = Union[
    UserMessage,
    UserInterrupt,
    UserDefineOutcome,
    UserToolConfirmation,
    UserCustomToolResult,
    UserToolResult,
    SystemMessage,
    AgentMessage,
    AgentThinking,
    AgentToolUse,
    AgentToolResult,
    AgentMCPToolUse,
    AgentMCPToolResult,
    AgentCustomToolUse,
    AgentThreadMessageSent,
    AgentThreadMessageReceived,
    AgentThreadContextCompacted,
    SessionStatusRunning,
    SessionStatusIdle,
    SessionStatusRescheduled,
    SessionStatusTerminated,
    SessionError,
    SessionDeleted,
    SessionUpdated,
    SessionUsageEvent,
    SessionThreadCreated,
    SessionThreadStatusRunning,
    SessionThreadStatusIdle,
    SessionThreadStatusTerminated,
    SessionThreadStatusRescheduled,
    SpanModelRequestStart,
    SpanModelRequestEnd,
    SpanOutcomeEvaluationStart,
    SpanOutcomeEvaluationOngoing,
    SpanOutcomeEvaluationEnd,
    EventStart,
    EventDelta,
    UnknownEvent,
    MalformedEvent,
]
"""Any event a stream or the history can yield."""

BUFFERED_EVENT_CLASSES: tuple[type[Any], ...] = tuple(
    cls
    for cls in get_args(Event)
    if cls not in (EventStart, EventDelta, UnknownEvent, MalformedEvent)
)
"""Every documented (complete, buffered) event class; each knows its wire ``type``."""

TERMINAL_EVENT_TYPES = frozenset({"session.status_terminated", "session.deleted"})
"""Event types after which a session stream ends for good."""
