"""Pending calls: the tool uses a turn paused on, and how an approval is answered."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable, Sequence
from typing import Union

from attrs import field, frozen

from .._models._content import JSONObject
from .._models._events import (
    AgentCustomToolUse,
    AgentMCPToolUse,
    AgentToolUse,
    Event,
    SessionStatusIdle,
    UserCustomToolResult,
    UserToolConfirmation,
)

__all__ = ["Deny", "OnPermission", "PendingCall", "Verdict", "pending_calls"]


@frozen(kw_only=True)
class PendingCall:
    """A tool call that awaits the client's answer; also what ``on_permission`` receives.

    Attributes:
        tool_use_id: the id of the ``agent.*tool_use`` event (the id the answer names).
        name: the tool's name.
        input: the arguments the agent passed.
        kind: ``"custom"`` (the client runs it and answers with the result) or
            ``"confirmation"`` (a built-in or MCP tool whose policy is ``always_ask``).
        mcp_server_name: the MCP server, for an MCP tool.
        session_thread_id: the thread the call came from, in a multi-agent session.
    """

    tool_use_id: str
    name: str
    input: JSONObject = field(factory=dict)
    kind: str = "custom"
    mcp_server_name: str | None = None
    session_thread_id: str | None = None

    @classmethod
    def from_event(cls, event: Event, *, listed: bool = False) -> PendingCall | None:
        """The call an event makes, or ``None`` if it needs no answer (an allowed or denied
        built-in call, or not a tool use at all). ``listed``: a ``requires_action`` idle
        names the event, so a built-in call needs a confirmation whatever its permission
        says."""
        if isinstance(event, AgentCustomToolUse):
            return cls(
                tool_use_id=event.id,
                name=event.name,
                input=event.input,
                session_thread_id=event.session_thread_id,
            )
        if isinstance(event, (AgentToolUse, AgentMCPToolUse)):
            if event.evaluated_permission != "ask" and not listed:
                return None
            return cls(
                tool_use_id=event.id,
                name=event.name,
                input=event.input,
                kind="confirmation",
                mcp_server_name=getattr(event, "mcp_server_name", None) or None,
                session_thread_id=event.session_thread_id,
            )
        return None


@frozen
class Deny:
    """``on_permission``'s way to refuse with a reason: ``return qa.Deny("not on prod")``.

    The message goes to the model, which re-plans from it.
    """

    message: str | None = None


Verdict = Union[bool, Deny]
"""What ``on_permission`` returns: ``True`` allows, ``False`` or a :class:`Deny` refuses."""

OnPermission = Callable[[PendingCall], Union[Verdict, Awaitable[Verdict]]]
"""``on_permission(call) -> True | False | Deny("why")``, plain or ``async``: asked once per
``always_ask`` call, one call at a time (so a person can be prompted in order)."""


def answered_ids(events: Iterable[Event]) -> set[str]:
    """The ids of the calls the events answer."""
    ids: set[str] = set()
    for event in events:
        if isinstance(event, UserCustomToolResult):
            ids.add(event.custom_tool_use_id)
        elif isinstance(event, UserToolConfirmation):
            ids.add(event.tool_use_id)
    return ids


def pending_calls(events: Sequence[Event]) -> tuple[PendingCall, ...]:
    """The calls the last ``requires_action`` idle of ``events`` waits on and that no later
    event answers, in the order the idle lists them (an id whose tool use is not among
    ``events`` is left out)."""
    last = next(
        (i for i in range(len(events) - 1, -1, -1) if isinstance(events[i], SessionStatusIdle)),
        None,
    )
    if last is None:
        return ()
    idle = events[last]
    assert isinstance(idle, SessionStatusIdle)
    if idle.stop_reason is None or idle.stop_reason.type != "requires_action":
        return ()
    wanted = set(idle.stop_reason.event_ids) - answered_ids(events[last:])
    calls = {
        call.tool_use_id: call
        for call in (PendingCall.from_event(e, listed=True) for e in events if e.id in wanted)
        if call is not None
    }
    return tuple(calls[i] for i in idle.stop_reason.event_ids if i in calls)
