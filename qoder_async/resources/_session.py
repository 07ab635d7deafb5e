"""AsyncSession: one session, with the calls a conversation needs."""

from __future__ import annotations

import logging
import weakref
from collections.abc import AsyncGenerator, Sequence
from contextlib import aclosing
from typing import TYPE_CHECKING, Any, Final, Literal, Protocol

from attrs import frozen

from .._closing import AsyncCloseable
from .._config import NOT_GIVEN, NotGiven
from .._errors import ConflictError, NotFoundError, QoderError
from .._models._content import JSONObject
from .._models._convert import converter
from .._models._events import (
    TERMINAL_EVENT_TYPES,
    AgentMessage,
    Event,
    ModelUsage,
    SessionStatusIdle,
    SessionUsageEvent,
    SpanModelRequestEnd,
    StopReason,
    UserMessage,
    added_up,
)
from .._models._objects import (
    DeletedObject,
    FileMetadata,
    Session,
    SessionResource,
    SessionThread,
    SessionUsage,
)
from .._models._params import (
    EventParam,
    FileResource,
    MessageInput,
    ResourceParam,
    UserDefineOutcomeParam,
    UserInterruptParam,
    UserMessageParam,
    UserToolConfirmationParam,
    mount_path_under_data,
)
from .._telemetry import Telemetry
from ..cursors._store import CursorStore, answer_store
from ..streaming._hub import EventHub
from ..streaming._reconnect import OnReconnect
from ..streaming._stream import EventStream
from ..tools._calls import OnPermission, PendingCall, pending_calls
from ..tools._runner import DEFAULT_CONCURRENCY, DEFAULT_TIMEOUT, ToolRunner, idempotency_key
from ..tools._tool import Tool
from ._pagination import AsyncPager
from ._tool_turn import ToolTurn
from ._upload import UploadSource

if TYPE_CHECKING:
    from ._files import Files
    from ._sessions import Sessions

__all__ = ["AsyncSession", "TurnResult"]

logger = logging.getLogger("qoder_async")

# One 409 type (conflict_error) covers "a turn is running" and states that will never pass;
# only the message tells them apart. Words of the second kind mean: raise, do not wait.
_FOR_GOOD: Final = ("archived", "terminated", "deleted", "read-only", "idempotency")
_BUSY_WORDS: Final = ("processing", "running", "busy", "turn")
_BUSY_STATUSES: Final = frozenset({"running", "processing", "rescheduling", "rescheduled"})
_STOPPING_STATUSES: Final = frozenset({"canceling", "cancelling"})
_IMMEDIATE_RETRIES: Final = (
    3  # a busy 409 on a session that already reads idle: the turn just ended
)


class SessionAPI(Protocol):
    """What a session handle talks to the API through: ``client.sessions`` and
    ``client.files`` (an :class:`AsyncQoder` has both)."""

    @property
    def sessions(self) -> Sessions: ...

    @property
    def files(self) -> Files: ...


@frozen(kw_only=True)
class TurnResult:
    """What one turn produced.

    Attributes:
        text: the agent's messages of the turn, joined by blank lines.
        events: every event of the turn, from the user's message to ``session.status_idle``.
        stop_reason: why the turn ended (``end_turn``, ``requires_action``, ...).
        usage: the last ``session.usage`` snapshot seen in the turn, if any: the session's
            totals so far (``usage.total_credits`` counts model and sandbox credits).
        credits: the credits this turn's model requests reported (floored to 2 decimals
            each, so their sum need not match a difference of ``total_credits``).
        tokens: what this turn's model requests reported (``span.model_request_end``),
            added up: input, output and cache tokens, and credits; ``None`` if none did.
            Unlike ``usage``, it counts this turn only.
        pending: with ``stop_reason.type == "requires_action"``, the calls that await an
            answer (answer them with :meth:`AsyncSession.answer`, even from another process).
    """

    text: str
    events: tuple[Event, ...]
    stop_reason: StopReason | None
    usage: SessionUsage | None
    credits: float
    tokens: ModelUsage | None = None
    pending: tuple[PendingCall, ...] = ()

    @classmethod
    def from_events(
        cls, events: Sequence[Event], pending: Sequence[PendingCall] | None = None
    ) -> TurnResult:
        """Summarise the events of one turn; ``pending`` defaults to the calls the last
        ``requires_action`` idle of ``events`` lists and no later event answers."""
        texts = [e.text for e in events if isinstance(e, AgentMessage) and e.text]
        idle = next((e for e in reversed(events) if isinstance(e, SessionStatusIdle)), None)
        usage = next((e.usage for e in reversed(events) if isinstance(e, SessionUsageEvent)), None)
        usage_model = converter.structure(usage, SessionUsage) if usage is not None else None
        requests = [
            e.model_usage
            for e in events
            if isinstance(e, SpanModelRequestEnd) and e.model_usage is not None
        ]
        tokens = added_up(requests) if requests else None
        return cls(
            text="\n\n".join(texts),
            events=tuple(events),
            stop_reason=idle.stop_reason if idle is not None else None,
            usage=usage_model,
            credits=(tokens.credits or 0.0) if tokens is not None else 0.0,
            tokens=tokens,
            pending=tuple(pending_calls(events) if pending is None else pending),
        )


class AsyncSession(AsyncCloseable):
    """A session to talk to: send messages, follow events, run turns.

    Get one from ``await client.sessions.create(...)`` (``info`` is filled) or
    ``client.session("sess_…")`` (no request; ``info`` is ``None`` until :meth:`refresh`).
    ``async with session:`` closes every stream the session opened when the block ends.
    """

    def __init__(self, client: SessionAPI, session_id: str, info: Session | None = None) -> None:
        self._client = client
        self.id = session_id
        self.info = info
        self._streams: weakref.WeakSet[EventStream] = weakref.WeakSet()

    def __repr__(self) -> str:
        status = self.info.status if self.info is not None else "?"
        return f"<AsyncSession {self.id} status={status}>"

    # --- lifetime ----------------------------------------------------------------------------

    async def aclose(self) -> None:
        """Close every event stream this session opened."""
        for stream in list(self._streams):
            await stream.aclose()

    # --- state -------------------------------------------------------------------------------

    async def refresh(self) -> Session:
        """Fetch the session again; updates and returns :attr:`info`."""
        self.info = await self._client.sessions.retrieve(self.id)
        return self.info

    async def update(
        self,
        *,
        title: str | NotGiven = NOT_GIVEN,
        metadata: dict[str, str | None] | NotGiven = NOT_GIVEN,
        environment_variables: dict[str, str] | NotGiven = NOT_GIVEN,
        vault_ids: Sequence[str] | NotGiven = NOT_GIVEN,
        budget: JSONObject | NotGiven | None = NOT_GIVEN,
        agent: JSONObject | NotGiven = NOT_GIVEN,
    ) -> Session:
        """Change the session (as ``client.sessions.update``); updates and returns
        :attr:`info`. ``metadata`` is a patch: a ``None`` value deletes the key."""
        self.info = await self._client.sessions.update(
            self.id,
            title=title,
            metadata=metadata,
            environment_variables=environment_variables,
            vault_ids=vault_ids,
            budget=budget,
            agent=agent,
        )
        return self.info

    async def archive(self) -> Session:
        """Archive the session: read-only from then on (writes give ``ConflictError``);
        updates and returns :attr:`info`."""
        self.info = await self._client.sessions.archive(self.id)
        return self.info

    async def delete(self) -> DeletedObject:
        """Delete the session; its open streams receive ``session.deleted`` and end."""
        return await self._client.sessions.delete(self.id)

    async def cancel(self) -> Session:
        """Cancel the running turn (a no-op when idle): the session goes ``canceling``, then
        ``idle``. The answer carries little more than the status, so :attr:`info` is kept."""
        return await self._client.sessions.cancel(self.id)

    # --- resources and files -----------------------------------------------------------------

    async def add_resources(self, *resources: ResourceParam) -> list[SessionResource]:
        """Mount files and repositories: ``await session.add_resources(qa.FileResource(...))``.

        Returns the session's resources after the change.
        """
        if not resources:
            raise QoderError("add_resources needs at least one resource")
        return await self._client.sessions.resources.add(self.id, resources=resources)

    def resources(self, *, limit: int | None = None) -> AsyncPager[SessionResource]:
        """The mounted resources: ``async for resource in session.resources()``."""
        return self._client.sessions.resources.list(self.id, limit=limit)

    async def remove_resource(self, resource_id: str) -> DeletedObject:
        """Unmount a resource."""
        return await self._client.sessions.resources.delete(self.id, resource_id)

    async def upload_and_mount(
        self,
        file: UploadSource,
        *,
        mount_path: str | None = None,
        filename: str | None = None,
        content_type: str | None = None,
    ) -> SessionResource:
        """Upload a file (as ``client.files.upload``) and mount it; returns the mounted
        resource. A relative ``mount_path`` lands under ``/data/``; without one the API
        mounts ``/data/{file_id}``.

        Raises:
            InvalidInputError: ``mount_path`` leaves ``/data/`` (checked before uploading).
            ConflictError: the path is already taken on this session.
        """
        if mount_path is not None:
            mount_path_under_data(mount_path)  # a bad path fails before the upload
        meta = await self._client.files.upload(file, filename=filename, content_type=content_type)
        for resource in await self.add_resources(FileResource.from_file(meta, mount_path)):
            if resource.file_id == meta.id:
                return resource
        raise QoderError(f"the API did not list the file {meta.id} among the session's resources")

    def files(self, *, limit: int | None = None) -> AsyncPager[FileMetadata]:
        """The files the agent produced in this session (``client.files.list(scope_id=…)``)."""
        return self._client.files.list(scope_id=self.id, limit=limit)

    # --- sending -----------------------------------------------------------------------------

    async def send_events(self, *events: EventParam) -> list[Event]:
        """Send events as they are; returns their echoes."""
        return await self._client.sessions.events.send(self.id, events=events)

    async def send(
        self, message: MessageInput | UserMessageParam, *, wait_idle: bool = False
    ) -> UserMessage:
        """Send a ``user.message``: text, a content block, or a list of them.

        With ``wait_idle=True`` a message sent while a turn runs waits for the turn to end
        (``session.status_idle``) and is then sent, instead of raising ``ConflictError``; the
        wait is logged at INFO on the ``qoder_async`` logger.

        Raises:
            InvalidInputError: the message is empty (nothing is sent).
            ConflictError: a turn is running (only without ``wait_idle``), or the session
                cannot take a message at all (archived, terminated): raised at once, even with
                ``wait_idle``.
        """
        param = message if isinstance(message, UserMessageParam) else UserMessageParam(message)
        if not wait_idle:
            return await self._send_message(param)
        async with self.events() as stream:
            return await self._send_when_idle(param, stream)

    async def _send_message(self, param: UserMessageParam) -> UserMessage:
        echoes = await self.send_events(param)
        echo = next((e for e in echoes if isinstance(e, UserMessage)), None)
        return echo if echo is not None else UserMessage(content=param.content)

    async def _send_when_idle(self, param: UserMessageParam, stream: EventStream) -> UserMessage:
        # The stream is open before the first attempt, so the idle event that frees the
        # session cannot slip by between a 409 and the wait.
        immediate = 0
        stream_over = False
        while True:
            try:
                return await self._send_message(param)
            except ConflictError as conflict:
                verdict = await self._after_conflict(conflict)
                if verdict == "raise" or (verdict == "wait" and stream_over):
                    raise
                if verdict == "retry":
                    immediate += 1
                    if immediate > _IMMEDIATE_RETRIES:
                        raise
                    logger.info("%s reads idle after a 409; sending again", self.id)
                    continue
                logger.info(
                    "waiting for the running turn of %s to end before sending (%s)",
                    self.id,
                    conflict.message,
                )
                async for event in stream:
                    if event.type == "session.status_idle":
                        break
                    if event.type in TERMINAL_EVENT_TYPES:
                        raise
                else:
                    stream_over = True  # one more send says why (archived, ...), then raise

    async def _after_conflict(self, conflict: ConflictError) -> Literal["wait", "retry", "raise"]:
        """What a 409 on a ``user.message`` means for a sender who waits for idle.

        The message names a state that will not pass (archived, ...): raise. Otherwise the
        session's status decides, so that an unfamiliar wording neither hangs nor raises
        while a turn runs: busy means wait, finished means raise, and idle after a message
        that speaks of a turn means the turn just ended (send again).
        """
        message = (conflict.message or "").lower()
        if any(word in message for word in _FOR_GOOD):
            return "raise"
        try:
            info = await self.refresh()
        except NotFoundError:
            return "raise"
        if info.archived_at is not None:
            return "raise"
        if info.status in _BUSY_STATUSES or info.status in _STOPPING_STATUSES:
            return "wait"
        if info.status == "idle" and any(word in message for word in _BUSY_WORDS):
            return "retry"
        return "raise"

    async def interrupt(self, session_thread_id: str | None = None) -> list[Event]:
        """Stop the running turn (``user.interrupt``), or one thread of it."""
        return await self.send_events(UserInterruptParam(session_thread_id))

    async def define_outcome(
        self,
        description: str,
        rubric: str | dict[str, object] | None = None,
        *,
        max_iterations: int | None = None,
    ) -> list[Event]:
        """Give the agent an outcome to iterate towards (``user.define_outcome``).

        A string ``rubric`` becomes ``{"type": "text", "content": rubric}``.
        """
        if isinstance(rubric, str):
            rubric = {"type": "text", "content": rubric}
        return await self.send_events(UserDefineOutcomeParam(description, rubric, max_iterations))

    # --- reading -----------------------------------------------------------------------------

    def events(
        self,
        last_event_id: str | None = None,
        *,
        deltas: bool | Sequence[str] = False,
        idle_timeout: float | None = None,
        cursors: CursorStore | None = None,
        on_reconnect: OnReconnect | None = None,
    ) -> EventStream:
        """The session's events as an endless, resumable async iterator.

        Starts now, or after ``last_event_id``. ``deltas=True`` adds live previews
        (``EventStart``/``EventDelta``, see :class:`LiveText`). Closed by ``async with``,
        by breaking out, or by closing the session.

        With ``cursors`` (a :class:`CursorStore`, e.g. ``SQLiteCursors("bot.db")`` or a fleet
        ``Lease``) it starts after the last handled event instead of now, and commits each
        event when the loop asks for the next one (the body returned without raising).

        ``on_reconnect(change)`` is told at once when the connection drops (or an attempt to
        reopen it fails) and when it is back; see :class:`Reconnect`.
        """
        stream = self._client.sessions.events.stream(
            self.id,
            last_event_id=last_event_id,
            deltas=deltas,
            idle_timeout=idle_timeout,
            cursors=cursors,
            on_reconnect=on_reconnect,
        )
        self._streams.add(stream)
        return stream

    def shared_events(
        self,
        last_event_id: str | None = None,
        *,
        deltas: bool | Sequence[str] = False,
        idle_timeout: float | None = None,
        buffer: int = 256,
        on_reconnect: OnReconnect | None = None,
    ) -> EventHub:
        """One connection shared by several consumers: ``async with session.shared_events()
        as hub:`` then ``async with hub.subscribe() as events:`` in each consumer.
        ``on_reconnect`` is told of the shared connection's drops, as in :meth:`events`."""
        stream = self.events(
            last_event_id, deltas=deltas, idle_timeout=idle_timeout, on_reconnect=on_reconnect
        )
        return EventHub(stream, buffer=buffer)

    async def turn(
        self,
        message: MessageInput | UserMessageParam,
        *,
        deltas: bool | Sequence[str] = False,
        cursors: CursorStore | None = None,
        tools: Sequence[Tool[Any]] | None = None,
        on_permission: OnPermission | None = None,
        tool_concurrency: int = DEFAULT_CONCURRENCY,
        tool_timeout: float = DEFAULT_TIMEOUT,
    ) -> AsyncGenerator[Event, None]:
        """Send a message and yield the events of the turn it starts.

        With ``tools`` or ``on_permission``, ``requires_action`` does not end the turn: each
        batch of calls is answered (see :meth:`answer`) and the turn goes on until it really
        ends; every event is yielded, each idle included. An ``always_ask`` call without
        ``on_permission`` is never allowed: the turn then stops at its idle, the call pending.

        The stream is opened before the message is sent, so no event of the turn is missed;
        a message sent while another turn runs waits for it to end (see :meth:`send`). The
        iteration begins with the echo of the message (found by its id; when the send's
        answer carries no echo, by the first ``user.message`` with the same content) and
        ends after ``session.status_idle``. With
        ``cursors`` each event is committed once handled (see :meth:`events`); the events
        the turn passes over (the end of an earlier turn) count as handled.
        """
        param = message if isinstance(message, UserMessageParam) else UserMessageParam(message)
        if tools is not None or on_permission is not None:
            runner = self._tool_runner(
                tools, on_permission, tool_concurrency, tool_timeout, cursors
            )
            events = ToolTurn(self, param, runner, deltas=deltas, cursors=cursors).events()
        else:
            events = self._plain_turn(param, deltas=deltas, cursors=cursors)
        traced = self._traced(events, param)
        async with aclosing(traced):
            async for event in traced:
                yield event

    async def _plain_turn(
        self,
        param: UserMessageParam,
        *,
        deltas: bool | Sequence[str] = False,
        cursors: CursorStore | None = None,
    ) -> AsyncGenerator[Event, None]:
        """The events of one turn, without tools (see :meth:`turn`); not traced."""
        async with self.events(deltas=deltas, cursors=cursors) as stream:
            echo = await self._send_when_idle(param, stream)
            started = False
            async for event in stream:
                started = started or _starts_turn(event, echo, param)
                if not started:
                    continue  # the end of an earlier turn
                yield event
                if event.type == "session.status_idle" or event.type in TERMINAL_EVENT_TYPES:
                    return

    @property
    def _telemetry(self) -> Telemetry:
        return self._client.sessions._client.telemetry

    def _traced(
        self, events: AsyncGenerator[Event, None], param: UserMessageParam
    ) -> AsyncGenerator[Event, None]:
        """``events`` inside the turn's ``invoke_agent`` span (the agent as :attr:`info`
        has it: no request is made for it)."""
        agent = self.info.agent if self.info is not None else None
        return self._telemetry.turn(events, session_id=self.id, agent=agent, message=param.content)

    async def ask(
        self,
        message: MessageInput | UserMessageParam,
        *,
        cursors: CursorStore | None = None,
        tools: Sequence[Tool[Any]] | None = None,
        on_permission: OnPermission | None = None,
        tool_concurrency: int = DEFAULT_CONCURRENCY,
        tool_timeout: float = DEFAULT_TIMEOUT,
    ) -> TurnResult:
        """Run one turn and return what it produced (``.text``, ``.events``, ...).

        With ``cursors`` the turn's events are committed as they are collected. With
        ``tools`` or ``on_permission`` the calls are answered as in :meth:`turn`; a turn
        left waiting returns with ``stop_reason.type == "requires_action"`` and
        ``.pending`` listing what awaits an answer.
        """
        if tools is None and on_permission is None:
            events = [event async for event in self.turn(message, cursors=cursors)]
            return TurnResult.from_events(events)
        param = message if isinstance(message, UserMessageParam) else UserMessageParam(message)
        runner = self._tool_runner(tools, on_permission, tool_concurrency, tool_timeout, cursors)
        turn = ToolTurn(self, param, runner, cursors=cursors)
        traced = self._traced(turn.events(), param)
        async with aclosing(traced):
            events = [event async for event in traced]
        return TurnResult.from_events(events, turn.left)

    # --- tools and approvals -----------------------------------------------------------------

    def _tool_runner(
        self,
        tools: Sequence[Tool[Any]] | None,
        on_permission: OnPermission | None,
        concurrency: int,
        timeout: float,
        cursors: CursorStore | None,
    ) -> ToolRunner:
        return ToolRunner(
            tools or (),
            on_permission,
            max_concurrency=concurrency,
            timeout=timeout,
            store=answer_store(cursors),
            telemetry=self._telemetry,
        )

    async def pending(self) -> list[PendingCall]:
        """The calls the session waits on, rebuilt from its history: those the last
        ``requires_action`` idle lists and no later event answers (``[]`` if none)."""
        events = [event async for event in self.history()]
        return list(pending_calls(events))

    async def answer(
        self,
        calls: Sequence[PendingCall] | None = None,
        *,
        tools: Sequence[Tool[Any]] = (),
        on_permission: OnPermission | None = None,
        cursors: CursorStore | None = None,
        tool_concurrency: int = DEFAULT_CONCURRENCY,
        tool_timeout: float = DEFAULT_TIMEOUT,
    ) -> list[PendingCall]:
        """Answer pending calls (by default :meth:`pending`): run the custom ones with
        ``tools``, decide the ``always_ask`` ones with ``on_permission``, post the answers in
        one request; returns the calls left pending. The turn resumes once all are answered.

        With ``cursors`` that keep answers (every shipped store does), a call that an
        earlier process already ran is posted from its record, not run again.
        """
        if calls is None:
            calls = await self.pending()
        runner = self._tool_runner(tools, on_permission, tool_concurrency, tool_timeout, cursors)

        async def post(answers: Sequence[EventParam], key: str) -> object:
            return await self._client.sessions.events.send(
                self.id, events=answers, idempotency_key=key
            )

        return list(await runner.answer(self.id, calls, post))

    async def allow(self, call: PendingCall) -> list[Event]:
        """Allow one ``always_ask`` call (``user.tool_confirmation`` with ``allow``)."""
        return await self._confirm(call, "allow", None)

    async def deny(self, call: PendingCall, message: str | None = None) -> list[Event]:
        """Deny one ``always_ask`` call; ``message`` tells the model why."""
        return await self._confirm(call, "deny", message)

    async def _confirm(self, call: PendingCall, result: str, message: str | None) -> list[Event]:
        if call.kind != "confirmation":
            raise QoderError(f"{call.name} is a custom tool call: answer it with answer(tools=…)")
        param = UserToolConfirmationParam(call.tool_use_id, result, message, call.session_thread_id)
        return await self._client.sessions.events.send(
            self.id, events=[param], idempotency_key=idempotency_key(self.id, [call])
        )

    # --- history and threads -----------------------------------------------------------------

    def history(
        self,
        *,
        limit: int | None = None,
        order: str | None = None,
        types: Sequence[str] | None = None,
        after_id: str | None = None,
        before_id: str | None = None,
    ) -> AsyncPager[Event]:
        """Past events, page by page (complete events only, no previews), oldest first
        unless ``order="desc"``; ``types`` keeps only those event types."""
        return self._client.sessions.events.list(
            self.id, limit=limit, order=order, types=types, after_id=after_id, before_id=before_id
        )

    def threads(self, *, limit: int | None = None) -> AsyncPager[SessionThread]:
        """The threads of a multi-agent session, the coordinator first."""
        return self._client.sessions.threads.list(self.id, limit=limit)

    def thread_events(
        self,
        thread_id: str,
        last_event_id: str | None = None,
        *,
        idle_timeout: float | None = None,
    ) -> EventStream:
        """One thread's events as a resumable stream, closed with the session like
        :meth:`events`."""
        stream = self._client.sessions.threads.events.stream(
            self.id, thread_id, last_event_id=last_event_id, idle_timeout=idle_timeout
        )
        self._streams.add(stream)
        return stream


def _starts_turn(event: Event, echo: UserMessage, param: UserMessageParam) -> bool:
    """Whether ``event`` is the echo of the message that started the turn (ids are opaque:
    matched exactly, never ordered)."""
    if echo.id:
        return event.id == echo.id
    return isinstance(event, UserMessage) and event.content == param.content
