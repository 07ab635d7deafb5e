"""How the scripted agent uses tools: permission policies, custom tool calls, their input.

A script pauses for the client by yielding ``{"type": REQUIRES_ACTION}``: the turn runner
then publishes ``session.status_idle`` (``requires_action``) listing every call yielded
since the last pause that needs an answer, waits until all are answered, and resumes; the
answers are in ``context.answers`` by call id.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Mapping
from typing import Any

__all__ = ["REQUIRES_ACTION", "builtin_call", "custom_tools", "custom_turn", "sample_input"]

REQUIRES_ACTION = "_requires_action"
_EVALUATED = {"always_allow": "allow", "always_ask": "ask", "always_deny": "deny"}


def _tools(session: Mapping[str, Any]) -> list[dict[str, Any]]:
    return [t for t in (session.get("agent") or {}).get("tools") or [] if isinstance(t, dict)]


def permission(session: Mapping[str, Any], name: str) -> str:
    """``allow``, ``ask`` or ``deny``: what the agent's toolset says about a built-in tool."""
    for toolset in _tools(session):
        if toolset.get("type") != "agent_toolset_20260401":
            continue
        for config in toolset.get("configs") or []:
            if config.get("name") == name and config.get("permission_policy"):
                return _EVALUATED.get(str(config["permission_policy"].get("type")), "allow")
        policy = (toolset.get("default_config") or {}).get("permission_policy") or {}
        return _EVALUATED.get(str(policy.get("type")), "allow")
    return "allow"


def custom_tools(session: Mapping[str, Any]) -> list[dict[str, Any]]:
    """The custom tools of the session's agent (overrides included)."""
    return [t for t in _tools(session) if t.get("type") == "custom"]


def _named(text: str, name: str) -> str | None:
    match = re.search(rf"\b{re.escape(name)}\s*[=:]\s*(\"[^\"]*\"|[^\s,;?!]+)", text)
    return None if match is None else match.group(1).strip('"')


def _value(schema: Mapping[str, Any], named: str | None) -> Any:
    kinds = schema.get("type")
    kind = next((k for k in kinds if k != "null"), None) if isinstance(kinds, list) else kinds
    if "enum" in schema:
        choices = list(schema["enum"])
        return next((c for c in choices if named is not None and str(c) == named), choices[0])
    if "anyOf" in schema:
        return _value(next(s for s in schema["anyOf"] if s.get("type") != "null"), named)
    if kind == "integer":
        return int(named) if named is not None and named.lstrip("-").isdigit() else 1
    if kind == "number":
        try:
            return float(named) if named is not None else 1.0
        except ValueError:
            return 1.0
    if kind == "boolean":
        return named in ("true", "yes", "1") if named is not None else False
    if kind == "array":
        return []
    if kind == "object":
        return sample_input(schema, "")
    return named if named is not None else "example"


def sample_input(schema: Mapping[str, Any], text: str) -> dict[str, Any]:
    """Input valid under an object schema: each property the message names as
    ``name=value`` (or ``name: value``) takes that value; other required ones a default."""
    properties: Mapping[str, Any] = schema.get("properties") or {}
    required = set(schema.get("required") or [])
    result: dict[str, Any] = {}
    for name, prop in properties.items():
        named = _named(text, name)
        if named is not None or name in required:
            result[name] = _value(prop, named)
    return result


def builtin_call(
    session: Mapping[str, Any],
    name: str,
    tool_input: dict[str, Any],
    new_id: Callable[[str], str],
) -> tuple[dict[str, Any], bool]:
    """An ``agent.tool_use`` for a built-in tool under the agent's policy, and whether the
    turn must pause for its confirmation. ``new_id`` issues ids in the emulator's scheme."""
    evaluated = permission(session, name)
    event = {
        "id": new_id("evt_"),
        "type": "agent.tool_use",
        "name": name,
        "input": tool_input,
        "evaluated_permission": evaluated,
    }
    return event, evaluated == "ask"


def refusal(answers: Mapping[str, Any], call: Mapping[str, Any]) -> str | None:
    """Why a built-in call may not run (policy ``deny``, or the client denied it), else None."""
    if call["evaluated_permission"] == "deny":
        return f"Permission to use {call['name']} was denied by policy."
    answer = answers.get(call["id"])
    if answer is not None and answer.get("result") == "deny":
        return answer.get("deny_message") or f"The user denied {call['name']}."
    return None


def _answer_text(answer: Mapping[str, Any]) -> str:
    texts = [b.get("text", "") for b in answer.get("content") or [] if b.get("type") == "text"]
    return "\n".join(texts)


def custom_turn(
    session: Mapping[str, Any],
    text: str,
    answers: Mapping[str, Any],
    quotes: list[str],
    new_id: Callable[[str], str],
) -> Iterator[dict[str, Any]]:
    """Call the custom tools two per batch, pausing after each batch, and add a quote of
    each result (``name said: ...``, or ``name failed: ...``) to ``quotes``."""
    tools = custom_tools(session)
    for start in range(0, len(tools), 2):
        calls = []
        for definition in tools[start : start + 2]:
            call = {
                "id": new_id("evt_"),
                "type": "agent.custom_tool_use",
                "name": definition["name"],
                "input": sample_input(definition.get("input_schema") or {}, text),
            }
            calls.append(call)
            yield call
        yield {"type": REQUIRES_ACTION}
        for call in calls:
            answer = answers.get(call["id"]) or {}
            verb = "failed" if answer.get("is_error") else "said"
            quotes.append(f"{call['name']} {verb}: {_answer_text(answer)}")
