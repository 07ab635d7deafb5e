"""Running a turn: drives an agent script on the server loop and publishes its events.

In a session of a ``self_hosted`` environment the turn queues a work item, and each
``agent.tool_use`` the script yields waits for the worker's ``user.tool_result`` (the
script's own ``agent.tool_result`` for that call is dropped): the tools run on the worker.
"""

from __future__ import annotations

import asyncio
import copy
import logging
import time
from collections.abc import AsyncIterator, Mapping
from typing import TYPE_CHECKING, Any

from ._script import ScriptEvents, TurnContext
from ._store import SessionState
from ._tools import REQUIRES_ACTION
from .routes._files import store_file
from .routes._memory_stores import memory_files, write_memory

if TYPE_CHECKING:
    from ._core import Core

__all__ = ["TurnRunner"]

logger = logging.getLogger("qoder_async.testing")

PREVIEWED_TYPES = frozenset({"agent.message", "agent.thinking"})
ENDING_TYPES = frozenset({"session.status_idle", "session.status_terminated"})
DELTA_CHUNK = 24


async def _iterate(events: ScriptEvents) -> AsyncIterator[Mapping[str, Any]]:
    if hasattr(events, "__aiter__"):
        async for item in events:
            yield item
    else:
        for item in events:
            yield item


def _chunks(text: str) -> list[str]:
    """Split text into small pieces at spaces, the way model output trickles in."""
    pieces: list[str] = []
    current = ""
    for word in text.split(" "):
        candidate = f"{current} {word}" if current else word
        if current and len(candidate) > DELTA_CHUNK:
            pieces.append(current + " ")
            current = word
        else:
            current = candidate
    if current:
        pieces.append(current)
    return pieces


class TurnRunner:
    """Starts, runs and stops turns. Every method runs on the server loop."""

    def __init__(self, core: Core) -> None:
        self.core = core

    def start(self, state: SessionState, turn_id: str, text: str) -> None:
        """Run a turn in the background; the caller has already marked the session running."""
        environment_id = self._self_hosted(state)
        if environment_id is not None:
            with self.core.store.lock:
                self.core.work.enqueue(environment_id, state.record)
        loop = asyncio.get_running_loop()
        state.turn_task = loop.create_task(self._run(state, turn_id, text))

    def stop(self, state: SessionState) -> bool:
        """Interrupt the running turn; it still ends with ``session.status_idle``."""
        task = state.turn_task
        if task is None or task.done():
            return False
        task.cancel()
        return True

    def _self_hosted(self, state: SessionState) -> str | None:
        """The session's environment id if that environment is self-hosted."""
        with self.core.store.lock:
            environment_id = state.record.get("environment_id")
            environment = self.core.store.environments.get(environment_id or "")
        config = (environment or {}).get("config") or {}
        return environment_id if config.get("type") == "self_hosted" else None

    async def _worker_result(self, state: SessionState, tool_use_id: str) -> None:
        """Wait until a worker answered ``tool_use_id`` with ``user.tool_result``."""
        while True:
            with self.core.store.lock:
                if state.deleted or any(
                    e["type"] == "user.tool_result" and e.get("tool_use_id") == tool_use_id
                    for e in state.events
                ):
                    return
            await asyncio.sleep(0.01)

    async def _pause(self, fraction: float = 1.0) -> None:
        await asyncio.sleep(self.core.pace * fraction)

    def _context(self, state: SessionState, turn_id: str) -> TurnContext:
        store = self.core.store
        with store.lock:
            resources = [copy.deepcopy(r) for r in state.resources.values()]
            files: dict[str, bytes] = {}
            for resource in resources:
                stored = store.files.get(resource.get("file_id") or "")
                if resource.get("type") == "file" and stored is not None:
                    files[resource["mount_path"]] = stored.content
                if resource.get("type") == "memory_store":
                    files.update(
                        memory_files(store, resource["memory_store_id"], resource["mount_path"])
                    )
            session = copy.deepcopy(state.record)

        def create_file(filename: str, content: bytes, mime_type: str) -> dict[str, Any]:
            return self._create_file(state, filename, content, mime_type)

        def write(memory_store_id: str, path: str, content: str) -> dict[str, Any]:
            return write_memory(store, memory_store_id, path, content, state.record["id"])

        return TurnContext(
            state.record["id"],
            turn_id,
            session,
            resources,
            files,
            create_file,
            store.ids.new,
            write_memory_hook=write,
        )

    def _create_file(
        self, state: SessionState, filename: str, content: bytes, mime_type: str
    ) -> dict[str, Any]:
        return store_file(
            self.core.store, filename, content, mime_type, session_id=state.record["id"]
        )

    def _add_usage(self, state: SessionState, model_usage: Any) -> None:
        if not isinstance(model_usage, dict):
            return
        with self.core.store.lock:
            usage = state.record["usage"]
            for key in ("input_tokens", "output_tokens", "cache_read_input_tokens"):
                usage[key] += int(model_usage.get(key) or 0)
            usage["cache_creation"]["ephemeral_5m_input_tokens"] += int(
                model_usage.get("cache_creation_input_tokens") or 0
            )
            usage["model_credits"] = round(
                usage["model_credits"] + float(model_usage.get("credits") or 0), 2
            )
            usage["sandbox_runtime_credits"] = round(usage["sandbox_runtime_credits"] + 0.01, 2)
            usage["total_credits"] = round(
                usage["model_credits"] + usage["sandbox_runtime_credits"], 2
            )
            usage["list_cost"]["amount"] = f"{usage['total_credits'] * 0.1:.2f}"

    def _usage_event(self, state: SessionState) -> dict[str, Any]:
        with self.core.store.lock:
            usage = copy.deepcopy(state.record["usage"])
            usage["active_seconds"] = round(
                usage["active_seconds"]
                + time.monotonic()
                - (state.turn_started or time.monotonic()),
                3,
            )
        return {"type": "session.usage", "usage": usage}

    async def _preview(self, state: SessionState, event: dict[str, Any], text: str | None) -> None:
        blocks: list[str] = []
        if text is not None:
            blocks = [text]
        elif event["type"] == "agent.message":
            blocks = [
                block.get("text", "")
                for block in event.get("content") or []
                if isinstance(block, dict) and block.get("type") == "text"
            ]
        if not blocks:
            return
        store = self.core.store
        event_id = event["id"]
        start = {"type": "event_start", "event": {"id": event_id, "type": event["type"]}}
        store.publish_preview(state, event_id, event["type"], [start])
        for index, block in enumerate(blocks):
            for piece in _chunks(block):
                await self._pause(0.1)
                delta = {
                    "type": "event_delta",
                    "event_id": event_id,
                    "delta": {
                        "type": "content_delta",
                        "index": index,
                        "content": {"type": "text", "text": piece},
                    },
                }
                store.publish_preview(state, event_id, event["type"], [delta])

    async def _requires_action(
        self,
        state: SessionState,
        turn_id: str,
        calls: dict[str, str],
        answers: dict[str, dict[str, Any]],
    ) -> None:
        """Pause the turn for the client: idle with ``requires_action`` until every call is
        answered, then running again, with the answers in ``answers``."""
        if not calls:
            return
        store = self.core.store
        answered = asyncio.Event()
        with store.lock:
            state.pending = dict(calls)
            state.answered = answered
            state.record["status"] = "idle"
            idle = {
                "type": "session.status_idle",
                "stop_reason": {"type": "requires_action", "event_ids": list(calls)},
            }
            store.publish(state, [self._usage_event(state), idle], turn_id=turn_id)
        await answered.wait()
        with store.lock:
            state.answered = None
            state.record["status"] = "running"
            for event in state.events:
                call_id = event.get("tool_use_id") or event.get("custom_tool_use_id")
                if event["type"].startswith("user.") and call_id in calls:
                    answers[call_id] = event
        await self._pause()
        store.publish(state, [{"type": "session.status_running"}], turn_id=turn_id)

    async def _run(self, state: SessionState, turn_id: str, text: str) -> None:
        store = self.core.store

        def publish(event: Mapping[str, Any]) -> None:
            store.publish(state, [event], turn_id=turn_id)

        open_span: str | None = None
        saw_usage = False
        self_hosted = self._self_hosted(state) is not None
        on_worker: set[str] = set()
        try:
            await self._pause()
            publish({"type": "session.status_running"})
            context = self._context(state, turn_id)
            ended = False
            calls: dict[str, str] = {}  # the calls since the last pause that need an answer
            async for raw in _iterate(self.core.script(text, context)):
                await self._pause()
                if state.deleted:
                    return
                if raw["type"] == REQUIRES_ACTION:
                    await self._requires_action(state, turn_id, calls, context.answers)
                    calls = {}
                    continue
                event = dict(raw)
                preview_text = event.pop("_delta_text", None)
                event.setdefault("id", store.ids.new("evt_"))
                if event["type"] in PREVIEWED_TYPES:
                    await self._preview(state, event, preview_text)
                if event["type"] == "span.model_request_start":
                    open_span = event["id"]
                elif event["type"] == "span.model_request_end":
                    open_span = None
                    self._add_usage(state, event.get("model_usage"))
                elif event["type"] == "session.usage":
                    saw_usage = True
                elif event["type"] == "agent.tool_result" and event.get("tool_use_id") in on_worker:
                    continue
                if event["type"] == "session.status_terminated":
                    with store.lock:  # before publishing: the session will not run again
                        state.record["status"] = "terminated"
                if _stops_for_action(event):
                    with store.lock:  # a script that ends its turn on a pause: answers await
                        state.pending = {i: calls[i] for i in event["stop_reason"]["event_ids"]}
                publish(event)
                if self_hosted and event["type"] == "agent.tool_use":
                    on_worker.add(event["id"])
                    await self._worker_result(state, event["id"])
                if event["type"] == "agent.custom_tool_use":
                    calls[event["id"]] = "user.custom_tool_result"
                elif event.get("evaluated_permission") == "ask":
                    calls[event["id"]] = "user.tool_confirmation"
                if event["type"] in ENDING_TYPES:
                    ended = True
                    break
            if not ended:
                await self._pause()
                if not saw_usage:
                    publish(self._usage_event(state))
                publish({"type": "session.status_idle", "stop_reason": {"type": "end_turn"}})
        except asyncio.CancelledError:
            # An interrupt or cancel: close the open span (no buffered event follows a cut
            # preview), report usage, and go idle with end_turn.
            if not state.deleted:
                if open_span is not None:
                    publish(
                        {
                            "type": "span.model_request_end",
                            "model_request_start_id": open_span,
                            "is_error": False,
                            "model_usage": {
                                "input_tokens": 0,
                                "output_tokens": 0,
                                "cache_read_input_tokens": 0,
                                "cache_creation_input_tokens": 0,
                                "speed": "standard",
                            },
                        }
                    )
                publish(self._usage_event(state))
                publish({"type": "session.status_idle", "stop_reason": {"type": "end_turn"}})
        except Exception as exc:
            logger.exception("agent script failed in session %s", state.record["id"])
            if not state.deleted:
                publish(
                    {
                        "type": "session.error",
                        "error": {
                            "type": "unknown_error",
                            "message": f"The agent failed: {exc}",
                            "retry_status": {"type": "terminal"},
                        },
                    }
                )
                publish({"type": "session.status_idle", "stop_reason": {"type": "end_turn"}})
        finally:
            store.finish_turn(state)


def _stops_for_action(event: Mapping[str, Any]) -> bool:
    """Whether a script's own event is the idle that pauses the turn for the client."""
    reason = event.get("stop_reason") if event["type"] == "session.status_idle" else None
    return isinstance(reason, dict) and reason.get("type") == "requires_action"
