"""Answering one batch of pending calls: run the tools, ask for approvals, post the answers.

At most once per call id: before a tool runs, a ``started`` record is saved; once it ran,
its answer is saved before it is posted. A call found with an answer is posted again
without running; one found ``started`` without an answer (its runner died while it ran) is
answered with an error and not run again. Records live in the runner, and in the
:class:`AnswerStore` when one is given (a cursor store that restarts or moves to another
worker with the session). All answers of a batch go in one post, under an
``Idempotency-Key`` derived from the session and the call ids, so re-posting the same batch
(after a reconnect, or by a successor) cannot answer twice.
"""

from __future__ import annotations

import hashlib
import inspect
import json
import logging
from collections.abc import Awaitable, Callable, Sequence
from typing import Any

import anyio

from .._models._content import ContentBlock, TextBlock
from .._models._convert import structure, unstructure
from .._models._params import EventParam, UserCustomToolResultParam, UserToolConfirmationParam
from .._telemetry import Telemetry
from ..cursors._store import AnswerStore
from ._calls import Deny, OnPermission, PendingCall
from ._tool import Tool, ToolOutput

__all__ = ["DEFAULT_CONCURRENCY", "DEFAULT_TIMEOUT", "Post", "ToolRunner", "idempotency_key"]

logger = logging.getLogger("qoder_async")

DEFAULT_CONCURRENCY = 8
DEFAULT_TIMEOUT = 300.0

Post = Callable[[Sequence[EventParam], str], Awaitable[object]]
"""``post(answers, idempotency_key)``: sends the answers of one batch."""

_INTERRUPTED = (
    "The client stopped while this call ran, so its outcome is unknown; it was not run again."
)
_APPROVAL_FAILED = "The approval check failed."


def idempotency_key(session_id: str, calls: Sequence[PendingCall]) -> str:
    """The key of one batch's post: the same calls of the same session give the same key."""
    ids = ",".join(sorted(call.tool_use_id for call in calls))
    return "qa-tools-" + hashlib.sha256(f"{session_id}:{ids}".encode()).hexdigest()[:40]


def _answer_from_record(call: PendingCall, record: str) -> EventParam | None:
    data = json.loads(record)
    answer = data.get("answer")
    if answer is None:
        return None
    if call.kind == "custom":
        return UserCustomToolResultParam(
            call.tool_use_id,
            structure(answer.get("content", []), tuple[ContentBlock, ...]),
            answer.get("is_error"),
            call.session_thread_id,
        )
    return UserToolConfirmationParam(
        call.tool_use_id, answer["result"], answer.get("deny_message"), call.session_thread_id
    )


class ToolRunner:
    """Answers the pending calls of a session's turns.

    ``tools`` run the custom calls, concurrently (at most ``max_concurrency`` at a time),
    each within ``timeout`` seconds (a tool's own ``timeout`` wins). ``on_permission``
    decides the ``always_ask`` calls, one at a time; without it they stay pending:
    approvals are never automatic. A custom call of a tool not in ``tools`` is answered
    with an error. Each custom call runs in an ``execute_tool`` span of ``telemetry``
    (a session passes its client's; by default OpenTelemetry's global providers).
    """

    def __init__(
        self,
        tools: Sequence[Tool[Any]] = (),
        on_permission: OnPermission | None = None,
        *,
        max_concurrency: int = DEFAULT_CONCURRENCY,
        timeout: float = DEFAULT_TIMEOUT,
        store: AnswerStore | None = None,
        telemetry: Telemetry | None = None,
    ) -> None:
        if max_concurrency < 1:
            raise ValueError("max_concurrency must be at least 1")
        self.tools = {t.name: t for t in tools}
        self.on_permission = on_permission
        self.timeout = timeout
        self.store = store
        self.telemetry = telemetry or Telemetry()
        self._limiter = anyio.CapacityLimiter(max_concurrency)
        self._records: dict[tuple[str, str], str] = {}

    def __repr__(self) -> str:
        return f"<ToolRunner tools={sorted(self.tools)}>"

    async def _load(self, session_id: str, call_id: str) -> str | None:
        record = self._records.get((session_id, call_id))
        if record is None and self.store is not None:
            record = await self.store.load_answer(session_id, call_id)
        return record

    async def _save(self, session_id: str, call_id: str, record: str) -> None:
        if self.store is not None:
            await self.store.save_answer(session_id, call_id, record)
        self._records[session_id, call_id] = record

    async def _save_answer(self, session_id: str, answer: EventParam) -> None:
        call_id = getattr(answer, "custom_tool_use_id", None) or answer.tool_use_id  # type: ignore[union-attr]  # both answer kinds name the call
        await self._save(session_id, call_id, json.dumps({"answer": unstructure(answer)}))

    async def _run_tool(self, call: PendingCall) -> ToolOutput:
        tool = self.tools.get(call.name)
        async with self._limiter:
            with self.telemetry.tool_call(
                name=call.name,
                call_id=call.tool_use_id,
                arguments=call.input,
                description=tool.description if tool is not None else None,
            ) as span:
                output, error_type = await self._attempt(tool, call)
                span.finish(output[0], error_type)
        return output

    async def _attempt(
        self, tool: Tool[Any] | None, call: PendingCall
    ) -> tuple[ToolOutput, str | None]:
        """The call's answer, and why it failed (``error.type``), if it did."""
        if tool is None:
            text = f"No tool named {call.name!r} is available to this client."
            return ((TextBlock(text),), True), "unknown_tool"
        timeout = tool.timeout if tool.timeout is not None else self.timeout
        with anyio.move_on_after(timeout):
            return await tool._attempt(call.input)
        logger.warning("the tool %s did not finish within %ss", call.name, timeout)
        text = f"The tool {call.name} did not finish within {timeout:g} seconds."
        return ((TextBlock(text),), True), "timeout"

    async def _custom(self, session_id: str, call: PendingCall) -> EventParam:
        await self._save(session_id, call.tool_use_id, json.dumps({"started": True}))
        content, is_error = await self._run_tool(call)
        answer = UserCustomToolResultParam(
            call.tool_use_id, content, True if is_error else None, call.session_thread_id
        )
        await self._save_answer(session_id, answer)
        return answer

    async def _approve(self, session_id: str, call: PendingCall) -> EventParam:
        assert self.on_permission is not None
        try:
            verdict = self.on_permission(call)
            if inspect.isawaitable(verdict):
                verdict = await verdict
        except Exception:
            logger.exception("on_permission raised for %s; the call is denied", call.name)
            verdict = Deny(_APPROVAL_FAILED)
        if verdict is True:
            answer = UserToolConfirmationParam(
                call.tool_use_id, "allow", session_thread_id=call.session_thread_id
            )
        else:
            message = verdict.message if isinstance(verdict, Deny) else None
            answer = UserToolConfirmationParam(
                call.tool_use_id, "deny", message, call.session_thread_id
            )
        await self._save_answer(session_id, answer)
        return answer

    async def answer(
        self, session_id: str, calls: Sequence[PendingCall], post: Post
    ) -> tuple[PendingCall, ...]:
        """Answer what can be answered of one batch, post it, and return the calls left
        pending (``always_ask`` calls without ``on_permission``).

        Raises:
            LeaseLost: (from a fleet ``Lease``) the session moved to another worker; nothing
                more is run or posted.
        """
        answers: dict[str, EventParam] = {}
        to_run: list[PendingCall] = []
        to_ask: list[PendingCall] = []
        left: list[PendingCall] = []
        for call in calls:
            record = await self._load(session_id, call.tool_use_id)
            if record is not None:
                saved = _answer_from_record(call, record)
                answers[call.tool_use_id] = saved or UserCustomToolResultParam(
                    call.tool_use_id, _INTERRUPTED, True, call.session_thread_id
                )
            elif call.kind == "custom":
                to_run.append(call)
            elif self.on_permission is not None:
                to_ask.append(call)
            else:
                left.append(call)

        errors: list[Exception] = []

        async def run(call: PendingCall) -> None:
            try:
                answers[call.tool_use_id] = await self._custom(session_id, call)
            except Exception as exc:  # a store that failed; raised below as it is
                errors.append(exc)

        async def ask_each() -> None:
            try:
                for call in to_ask:
                    answers[call.tool_use_id] = await self._approve(session_id, call)
            except Exception as exc:  # as above
                errors.append(exc)

        async with anyio.create_task_group() as tasks:
            tasks.start_soon(ask_each)
            for call in to_run:
                tasks.start_soon(run, call)
        if errors:
            raise errors[0]
        done = [c for c in calls if c.tool_use_id in answers]
        if done:
            await post([answers[c.tool_use_id] for c in done], idempotency_key(session_id, done))
        return tuple(left)
