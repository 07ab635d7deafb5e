"""EnvironmentWorker: the loop that serves a self-hosted environment's sessions.

::

    poll -> ack -> heartbeat (background) -> serve the session's tool calls -> stop

Serving reads the session's history, runs each built-in ``agent.tool_use`` that has no
answer yet with the executor and posts ``user.tool_result``; it ends when the session is
idle (``end_turn``) or terminated with nothing left to answer, or when a heartbeat says
``stopping``. Because the answers already posted are read back from the history before
each call and again before each post, a tool call is answered at most once, even when an
item moves to another worker (a worker that died mid-call leaves that one call to its
successor).

Leases: the first heartbeat follows the ack, the next ones come every third of the TTL
from a background task. A 412 (another worker holds the lease) cancels the item's work at
once, and so does a lease that could not be renewed before it ran out; such an item is
not stopped (it is no longer ours).

Shutdown: :meth:`EnvironmentWorker.shutdown` (or SIGTERM, with ``handle_signals=True``)
stops polling, lets the items in progress finish, then :meth:`run` returns. Cancelling
:meth:`run` cancels the items at once; their leases run out and another worker takes them
over.
"""

from __future__ import annotations

import logging
import os
import signal
import socket
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import TYPE_CHECKING, Protocol

import anyio
import anyio.abc
from attrs import frozen

from .._config import RetryPolicy
from .._errors import APIStatusError, ClientClosedError, ConflictError, QoderError
from .._models._content import TextBlock
from .._models._events import (
    AgentToolUse,
    Event,
    SessionStatusIdle,
    SessionStatusTerminated,
    UserToolResult,
)
from .._models._params import UserToolResultParam
from .._models._work import Work
from ._executor import BUILT_IN_TOOLS, Executor, LocalExecutor, ToolCall, ToolOutput

if TYPE_CHECKING:
    from ..resources import Environments, Sessions

__all__ = ["EnvironmentWorker", "WorkerAPI", "WorkerStats"]

logger = logging.getLogger("qoder_async.worker")


class WorkerAPI(Protocol):
    """What a worker talks to the API through (an :class:`AsyncQoder` has both)."""

    @property
    def environments(self) -> Environments: ...

    @property
    def sessions(self) -> Sessions: ...


@frozen(kw_only=True)
class WorkerStats:
    """A worker's figures: items in progress, the capacity left, totals so far."""

    active: int
    capacity: int
    served: int
    lost: int
    tool_calls: int
    errors: int
    draining: bool


class LeaseLostError(QoderError):
    """The item's lease is someone else's now (412), or could not be renewed in time."""


class EnvironmentWorker:
    """Serves the sessions of a self-hosted environment (see the module docstring).

    Args:
        client: an :class:`AsyncQoder` (or anything with ``environments`` and ``sessions``).
        environment_id: the ``self_hosted`` environment to serve.
        worker_id: a stable name sent as ``Worker-ID``; by default ``host-pid``.
        executor: runs the tools; by default a :class:`LocalExecutor` in ``./qoder-work``.
        concurrency: at most this many items at a time.
        ttl_seconds: the lease asked for on each heartbeat (the API clamps it to 10..600).
        poll_interval: seconds between two reads of a session's history while it runs.
        retry_policy: the backoff after failed polls and heartbeats.
    """

    def __init__(
        self,
        client: WorkerAPI,
        environment_id: str,
        *,
        worker_id: str | None = None,
        executor: Executor | None = None,
        concurrency: int = 4,
        ttl_seconds: int = 30,
        poll_interval: float = 0.2,
        retry_policy: RetryPolicy | None = None,
    ) -> None:
        if concurrency < 1 or ttl_seconds < 1:
            raise ValueError("concurrency and ttl_seconds must be at least 1")
        self._work = client.environments.work
        self._sessions = client.sessions
        self.environment_id = environment_id
        self.worker_id = worker_id or f"{socket.gethostname()}-{os.getpid()}"
        self.executor: Executor = executor or LocalExecutor("qoder-work")
        self.concurrency = concurrency
        self.ttl_seconds = ttl_seconds
        self.poll_interval = poll_interval
        self.retry_policy = retry_policy or RetryPolicy()
        self._active = 0
        self._served = self._lost = self._calls = self._errors = 0
        self._draining = False
        self._wake = anyio.Event()
        self._closed: ClientClosedError | None = None

    def __repr__(self) -> str:
        return f"<EnvironmentWorker {self.worker_id} of {self.environment_id}>"

    def stats(self) -> WorkerStats:
        """The worker's figures now."""
        return WorkerStats(
            active=self._active,
            capacity=self.concurrency - self._active,
            served=self._served,
            lost=self._lost,
            tool_calls=self._calls,
            errors=self._errors,
            draining=self._draining,
        )

    def shutdown(self) -> None:
        """Stop taking items; :meth:`run` returns once the items in progress are done."""
        self._draining = True
        self._wake.set()

    # --- the loop --------------------------------------------------------------------------

    async def run(self, *, handle_signals: bool = False) -> None:
        """Poll and serve until :meth:`shutdown` (or SIGTERM/SIGINT with
        ``handle_signals``), then drain and return.

        Raises:
            ClientClosedError: the client was closed under the worker (after the items in
                progress ended: their leases cannot be renewed any more).
        """
        limiter = anyio.Semaphore(self.concurrency)
        async with anyio.create_task_group() as group:
            if handle_signals:
                group.start_soon(self._on_signals)
            async with anyio.create_task_group() as items:  # exits once they are drained
                await self._poll_loop(items, limiter)
            group.cancel_scope.cancel()  # the signal watcher
        if self._closed is not None:
            raise self._closed

    async def _poll_loop(self, items: anyio.abc.TaskGroup, limiter: anyio.Semaphore) -> None:
        failures = 0
        while not self._draining:
            await limiter.acquire()
            if self._draining:
                limiter.release()
                return
            try:
                work = await self._work.poll(
                    self.environment_id, worker_id=self.worker_id, block_ms=999
                )
            except ClientClosedError as exc:
                limiter.release()
                self._closed = exc
                self._draining = True
                return
            except QoderError as exc:
                limiter.release()
                self._errors += 1
                delay = self.retry_policy.request_delay(failures, None)
                failures += 1
                logger.warning("%r: poll failed (%s); again in %.2fs", self, exc, delay)
                with anyio.move_on_after(delay):
                    await self._wake.wait()
                continue
            failures = 0
            if work is None:
                limiter.release()
                continue
            items.start_soon(self._serve_item, work, limiter)

    async def _on_signals(self) -> None:
        with anyio.open_signal_receiver(signal.SIGTERM, signal.SIGINT) as signals:
            async for _ in signals:
                logger.info("%r: signal received; draining", self)
                self.shutdown()
                return

    async def _serve_item(self, work: Work, limiter: anyio.Semaphore) -> None:
        self._active += 1
        try:
            await self._serve(work)
        except LeaseLostError as exc:
            self._lost += 1
            logger.warning("%r: %s: lease lost (%s)", self, work.id, exc)
        except ClientClosedError:
            self._lost += 1
        except QoderError as exc:
            self._errors += 1
            logger.warning("%r: %s failed: %s", self, work.id, exc)
        finally:
            self._active -= 1
            limiter.release()

    async def _serve(self, work: Work) -> None:
        session_id = work.session_id
        if session_id is None:
            return
        try:
            work = await self._work.ack(self.environment_id, work.id, worker_id=self.worker_id)
        except ConflictError:
            return  # another worker has it
        async with self._lease(work) as lease:
            await self._answer_until_done(session_id, lease)
        # Two-step stop: stopping (drain requested), then stopped.
        stopped = await self._work.stop(self.environment_id, work.id)
        if stopped.state == "stopping":
            await self._work.stop(self.environment_id, work.id)
        self._served += 1

    @asynccontextmanager
    async def _lease(self, work: Work) -> AsyncIterator[_Lease]:
        lease = _Lease()
        beat = await self._beat(work.id, "NO_HEARTBEAT")
        lease.seen(beat.state)
        lost: list[BaseException] = []
        async with anyio.create_task_group() as group:

            async def keep() -> None:
                last, ttl = beat.last_heartbeat, float(beat.ttl_seconds or self.ttl_seconds)
                renewed = anyio.current_time()
                failures = 0
                while True:
                    await anyio.sleep(ttl / 3 if not failures else min(ttl / 10, 1.0))
                    try:
                        answer = await self._beat(work.id, last)
                    except LeaseLostError as exc:
                        lost.append(exc)
                        group.cancel_scope.cancel()
                        return
                    except QoderError as exc:
                        failures += 1
                        if anyio.current_time() - renewed >= ttl:
                            lost.append(LeaseLostError(f"not renewed within {ttl:g} s: {exc}"))
                            group.cancel_scope.cancel()
                            return
                        continue
                    failures = 0
                    renewed = anyio.current_time()
                    last, ttl = answer.last_heartbeat, float(answer.ttl_seconds or ttl)
                    lease.seen(answer.state)

            group.start_soon(keep)
            yield lease
            group.cancel_scope.cancel()
        if lost:
            raise lost[0]

    async def _beat(self, work_id: str, expected: str | None) -> _Beat:
        try:
            answer = await self._work.heartbeat(
                self.environment_id,
                work_id,
                expected_last_heartbeat=expected,
                desired_ttl_seconds=self.ttl_seconds,
                worker_id=self.worker_id,
            )
        except APIStatusError as exc:
            if exc.status_code in (409, 412):
                raise LeaseLostError(str(exc)) from exc
            raise
        return _Beat(answer.last_heartbeat, answer.ttl_seconds, answer.state)

    async def _answer_until_done(self, session_id: str, lease: _Lease) -> None:
        log = _CallLog(self._sessions, session_id)
        while True:
            await log.refresh()
            for call in log.pending():
                output = await self._run(call)
                self._calls += 1
                await log.refresh()
                if call.id in log.answered:
                    continue  # answered meanwhile (by a worker that held the lease before)
                await self._sessions.events.send(
                    session_id,
                    events=[
                        UserToolResultParam(
                            call.id, content=output.text, is_error=output.is_error or None
                        )
                    ],
                )
            if not log.pending() and (log.done or lease.stopping):
                return
            await anyio.sleep(self.poll_interval)

    async def _run(self, call: ToolCall) -> ToolOutput:
        """One call, in an ``execute_tool`` span of the client's telemetry."""
        telemetry = self._sessions._client.telemetry
        with telemetry.tool_call(
            name=call.name, call_id=call.id, arguments=call.input, description=None
        ) as span:
            output = await self.executor.run(call)
            span.finish((TextBlock(output.text),), "tool_error" if output.is_error else None)
        return output


class _CallLog:
    """The built-in tool calls of one session, kept up to date as its history grows.

    Each :meth:`refresh` reads from the newest event back to the newest one read before
    (matched by exact id), so a poll costs what is new, not the whole history.
    """

    def __init__(self, sessions: Sessions, session_id: str) -> None:
        self._sessions = sessions
        self.session_id = session_id
        self.calls: dict[str, ToolCall] = {}
        self.answered: set[str] = set()
        self.done = False
        """Whether the session's turn is over (not waiting on the client)."""
        self._newest: str | None = None

    async def refresh(self) -> None:
        """Read the events added since the last refresh."""
        new: list[Event] = []
        pages = self._sessions.events.list(self.session_id, limit=100, order="desc")
        async for event in pages:
            if self._newest is not None and event.id == self._newest:
                break
            new.append(event)
        if new:
            self._newest = new[0].id
        for event in reversed(new):
            self._add(event)

    def pending(self) -> list[ToolCall]:
        """The calls without an answer, oldest first."""
        return [call for call_id, call in self.calls.items() if call_id not in self.answered]

    def _add(self, event: Event) -> None:
        if isinstance(event, AgentToolUse) and event.name in BUILT_IN_TOOLS:
            self.calls[event.id] = ToolCall(
                id=event.id, session_id=self.session_id, name=event.name, input=dict(event.input)
            )
            self.done = False
        elif isinstance(event, UserToolResult) or event.type == "agent.tool_result":
            self.answered.add(str(getattr(event, "tool_use_id", "")))
        elif isinstance(event, SessionStatusIdle):
            reason = event.stop_reason.type if event.stop_reason is not None else None
            self.done = reason != "requires_action"
        elif isinstance(event, SessionStatusTerminated):
            self.done = True
        elif event.type in ("session.status_running", "user.message"):
            self.done = False


@frozen
class _Beat:
    last_heartbeat: str | None
    ttl_seconds: int | None
    state: str | None


class _Lease:
    """What the heartbeats learnt: whether a stop was requested."""

    def __init__(self) -> None:
        self.stopping = False

    def seen(self, state: str | None) -> None:
        if state in ("stopping", "stopped"):
            self.stopping = True
