"""Client events (§6): validation, and what accepting them does to a session."""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, Any

from ._errors import bad_request, conflict
from ._store import BUSY_STATUSES, SessionState

if TYPE_CHECKING:
    from ._core import Core

__all__ = ["CLIENT_EVENT_TYPES", "accept_events", "validate_events"]

CLIENT_EVENT_TYPES = frozenset(
    {
        "user.message",
        "user.interrupt",
        "user.define_outcome",
        "user.tool_confirmation",
        "user.custom_tool_result",
        "user.tool_result",
        "system.message",
    }
)
BLOCK_TYPES = frozenset({"text", "image", "document", "search_result", "redacted"})


def _content(event: dict[str, Any], param: str, *, required: bool) -> None:
    content = event.get("content")
    if content is None:
        if required:
            raise bad_request("Field 'content' is required.", f"{param}.content")
        return
    if not isinstance(content, list) or (required and not content):
        raise bad_request(
            "Field 'content' must be a non-empty array of blocks.", f"{param}.content"
        )
    for index, block in enumerate(content):
        where = f"{param}.content[{index}]"
        if not isinstance(block, dict) or block.get("type") not in BLOCK_TYPES:
            raise bad_request(f"{where}: unknown content block type.", f"{where}.type")
        if block["type"] == "text" and not isinstance(block.get("text"), str):
            raise bad_request(f"{where}: text blocks need a string 'text'.", f"{where}.text")


def _required_string(event: dict[str, Any], name: str, param: str) -> None:
    value = event.get(name)
    if not isinstance(value, str) or not value:
        raise bad_request(f"Field '{name}' is required.", f"{param}.{name}")


def validate_events(
    events: Any, *, allowed: frozenset[str] = CLIENT_EVENT_TYPES
) -> list[dict[str, Any]]:
    """Check a list of client events, raising a 400 ``ApiError`` on the first problem."""
    if events is None:
        raise bad_request("Missing required field: events", "events")
    if not isinstance(events, list) or not events:
        raise bad_request("events must be a non-empty array.", "events")
    checked: list[dict[str, Any]] = []
    for index, event in enumerate(events):
        param = f"events[{index}]"
        if not isinstance(event, dict):
            raise bad_request(f"{param} must be an object.", param)
        event_type = event.get("type")
        if not isinstance(event_type, str) or not event_type:
            raise bad_request(f"{param}: missing required field 'type'.", f"{param}.type")
        if event_type not in allowed:
            raise bad_request(f"{param}: unknown event type '{event_type}'.", f"{param}.type")
        if event_type in ("user.message", "system.message"):
            _content(event, param, required=True)
        elif event_type == "user.define_outcome":
            _required_string(event, "description", param)
            if not isinstance(event.get("rubric"), dict):
                raise bad_request("Field 'rubric' is required.", f"{param}.rubric")
        elif event_type == "user.tool_confirmation":
            _required_string(event, "tool_use_id", param)
            if event.get("result") not in ("allow", "deny"):
                raise bad_request("Field 'result' must be 'allow' or 'deny'.", f"{param}.result")
        elif event_type == "user.custom_tool_result":
            _required_string(event, "custom_tool_use_id", param)
            _content(event, param, required=False)
        elif event_type == "user.tool_result":
            _required_string(event, "tool_use_id", param)
            _content(event, param, required=False)
        checked.append(
            {key: value for key, value in event.items() if key not in ("id", "processed_at")}
        )
    return checked


def _text_of(events: list[dict[str, Any]]) -> str:
    texts = [
        block["text"]
        for event in events
        if event["type"] == "user.message"
        for block in event.get("content") or []
        if block.get("type") == "text"
    ]
    return "\n".join(texts)


_ANSWER_IDS = {
    "user.tool_confirmation": "tool_use_id",
    "user.custom_tool_result": "custom_tool_use_id",
}


def _take_answers(state: SessionState, events: list[dict[str, Any]]) -> None:
    """Check the answers among ``events`` against the pending calls (a 400 for an unknown,
    already answered or wrongly typed id), then mark them answered. Call with the lock."""
    ids = [(e["type"], e[_ANSWER_IDS[e["type"]]]) for e in events if e["type"] in _ANSWER_IDS]
    seen: set[str] = set()
    for index, (kind, call_id) in enumerate(ids):
        if state.pending.get(call_id) != kind or call_id in seen:
            field = _ANSWER_IDS[kind]
            raise bad_request(
                f"{field} '{call_id}' does not match any pending tool use in this session.",
                f"events[{index}].{field}",
            )
        seen.add(call_id)
    for _, call_id in ids:
        del state.pending[call_id]
    if ids and not state.pending and state.answered is not None:
        state.answered.set()


def accept_events(
    core: Core, state: SessionState, events: list[dict[str, Any]]
) -> list[dict[str, Any]]:
    """Store validated events on a session and react: start or interrupt a turn.

    Call on the server loop. Returns the stored events (stream form).
    """
    store = core.store
    session_id = state.record["id"]
    messages = [e for e in events if e["type"] == "user.message"]
    interrupt = any(e["type"] == "user.interrupt" for e in events)
    with store.lock:
        if state.deleted:
            raise conflict(f"Session '{session_id}' was deleted.")
        if state.record.get("archived_at") is not None:
            raise conflict(f"Session '{session_id}' is archived and cannot accept events.")
        if state.record.get("status") == "terminated":
            raise conflict(f"Session '{session_id}' is terminated and cannot accept events.")
        if messages and state.record.get("status") in BUSY_STATUSES:
            raise conflict(
                f"Session '{session_id}' is still processing a turn "
                "and cannot accept a new message."
            )
        _take_answers(state, events)
        answered = {e.get("tool_use_id") for e in state.events if e["type"] == "user.tool_result"}
        for event in events:
            if event["type"] == "user.tool_result" and event["tool_use_id"] in answered:
                raise bad_request(
                    f"Tool use '{event['tool_use_id']}' was already answered.", "events"
                )
        turn_id = state.turn_id
        if messages:
            turn_id = store.ids.new("turn_")
            state.turn_id = turn_id
            state.turn_started = time.monotonic()
            state.record["status"] = "running"
        stored = store.publish(state, events, turn_id=turn_id)
    runner = core.runner
    assert runner is not None
    if interrupt and not messages:
        runner.stop(state)
    if messages and turn_id is not None:
        runner.start(state, turn_id, _text_of(messages))
    return stored
