"""``ScriptedAgent``: an agent script whose turns the test writes, one queued turn per turn.

It is an ordinary ``AgentScript`` (``Emulator(agent=ScriptedAgent())``), so everything the
emulator does with a script holds: ``session.status_running`` comes first, ``session.usage``
and ``session.status_idle`` (``end_turn``) are added unless the turn yields them, and a turn
that yields ``session.status_idle`` ends there. That is how a turn stops for an approval or a
client-side tool: it yields the tool call and ``requires_action(call)``.
"""

from __future__ import annotations

import threading
from collections import deque
from collections.abc import Iterator, Mapping, Sequence
from typing import Any, Protocol, Union

from ._ids import new_id
from ._script import AgentScript, ScriptEvents, TurnContext, default_script

__all__ = ["HasId", "ScriptedAgent", "SessionRef", "session_id_of"]


class HasId(Protocol):
    """Anything with an ``id``: an ``AsyncSession``, a ``Session`` model."""

    @property
    def id(self) -> str: ...


SessionRef = Union[str, HasId, Mapping[str, Any]]
"""A session given by id, by an object with ``.id``, or by its JSON object."""


def session_id_of(session: SessionRef) -> str:
    """The id of a session given as an id, an object with ``.id`` or a JSON object."""
    if isinstance(session, str):
        return session
    if isinstance(session, Mapping):
        return str(session["id"])
    return session.id


def _played(events: Sequence[Mapping[str, Any]]) -> AgentScript:
    copies = [dict(event) for event in events]

    def turn(text: str, context: TurnContext) -> Iterator[dict[str, Any]]:
        yield from (dict(event) for event in copies)

    return turn


class ScriptedAgent:
    """An agent that plays the turns a test queued, then falls back to another script.

    Each ``user.message`` that starts a turn takes the next turn queued for its session,
    else the next one queued for any session, else runs ``fallback`` (the emulator's default
    turn: look around, read the first mounted file, answer). Queue from the test's thread;
    the emulator plays turns on its own::

        agent = ScriptedAgent()
        with Emulator(agent=agent) as emu:
            call = agent.tool_use("Bash", {"command": "rm -rf build"}, permission="ask")
            agent.turn(agent.message("I need to clean up."), call, agent.requires_action(call))

    ``prompts`` lists the text of every turn's messages, in order.
    """

    def __init__(self, fallback: AgentScript = default_script) -> None:
        self._fallback = fallback
        self._lock = threading.Lock()
        self._turns: dict[str | None, deque[AgentScript]] = {}
        self._prompts: list[str] = []

    def __call__(self, text: str, context: TurnContext) -> ScriptEvents:
        """Play the next queued turn (the ``AgentScript`` interface)."""
        with self._lock:
            self._prompts.append(text)
            script = self._fallback
            for key in (context.session_id, None):
                queue = self._turns.get(key)
                if queue:
                    script = queue.popleft()
                    break
        return script(text, context)

    # -- queueing turns ------------------------------------------------------------------

    def turn(self, *events: Mapping[str, Any], session: SessionRef | None = None) -> None:
        """Queue one turn that yields ``events`` in order (for ``session`` only, if given).

        Events are JSON dicts as the API streams them (the builders below make the usual
        ones); ``id`` and ``processed_at`` are assigned unless given.
        """
        if not events:
            raise ValueError("a turn needs at least one event")
        for event in events:
            if not isinstance(event.get("type"), str):
                raise ValueError(f"every event needs a 'type': {event!r}")
        self.turn_with(_played(events), session=session)

    def turn_with(self, script: AgentScript, *, session: SessionRef | None = None) -> None:
        """Queue one turn played by ``script(text, context)`` (an ``AgentScript``)."""
        key = None if session is None else session_id_of(session)
        with self._lock:
            self._turns.setdefault(key, deque()).append(script)

    def reply(self, text: str, *, session: SessionRef | None = None) -> None:
        """Queue one turn that answers ``text`` and ends normally."""
        self.turn(self.message(text), session=session)

    @property
    def prompts(self) -> list[str]:
        """The text of each turn's ``user.message`` events, oldest first (a copy)."""
        with self._lock:
            return list(self._prompts)

    @property
    def pending(self) -> int:
        """How many queued turns have not been played yet."""
        with self._lock:
            return sum(len(queue) for queue in self._turns.values())

    def clear(self) -> int:
        """Forget every queued turn and every prompt; returns how many turns were unplayed."""
        with self._lock:
            unplayed = sum(len(queue) for queue in self._turns.values())
            self._turns.clear()
            self._prompts.clear()
        return unplayed

    # -- event builders ------------------------------------------------------------------

    @staticmethod
    def message(text: str) -> dict[str, Any]:
        """An ``agent.message`` with one text block (previewed to delta streams)."""
        return {"type": "agent.message", "content": [{"type": "text", "text": text}]}

    @staticmethod
    def thinking(text: str = "") -> dict[str, Any]:
        """An ``agent.thinking`` event; ``text`` is what its delta preview shows."""
        return (
            {"type": "agent.thinking", "_delta_text": text} if text else {"type": "agent.thinking"}
        )

    @staticmethod
    def tool_use(
        name: str, input: Mapping[str, Any] | None = None, *, permission: str = "allow"
    ) -> dict[str, Any]:
        """An ``agent.tool_use`` of a built-in tool (``Bash``, ``Read``, ...) with its id set.

        ``permission="ask"`` makes it a call that awaits ``user.tool_confirmation``.
        """
        if permission not in ("allow", "ask", "deny"):
            raise ValueError("permission must be 'allow', 'ask' or 'deny'")
        return {
            "id": new_id("evt_"),
            "type": "agent.tool_use",
            "name": name,
            "input": dict(input or {}),
            "evaluated_permission": permission,
        }

    @staticmethod
    def custom_tool_use(name: str, input: Mapping[str, Any] | None = None) -> dict[str, Any]:
        """An ``agent.custom_tool_use``: a client-side tool call awaiting
        ``user.custom_tool_result``; its id is set."""
        return {
            "id": new_id("evt_"),
            "type": "agent.custom_tool_use",
            "name": name,
            "input": dict(input or {}),
        }

    @staticmethod
    def tool_result(
        tool_use: Mapping[str, Any], text: str, *, is_error: bool = False
    ) -> dict[str, Any]:
        """The ``agent.tool_result`` of a built-in tool call."""
        return {
            "type": "agent.tool_result",
            "tool_use_id": tool_use["id"],
            "content": [{"type": "text", "text": text}],
            "is_error": is_error,
        }

    @staticmethod
    def requires_action(*calls: Mapping[str, Any]) -> dict[str, Any]:
        """``session.status_idle`` with ``requires_action`` for these calls: ends the turn."""
        if not calls:
            raise ValueError("requires_action needs the tool calls that await an answer")
        return {
            "type": "session.status_idle",
            "stop_reason": {"type": "requires_action", "event_ids": [c["id"] for c in calls]},
        }
