"""Thread-safe state of the emulator: stored objects, event logs and live subscribers.

Everything here is guarded by one re-entrant lock, because the server loop thread and test
threads both read and write it. Live stream connections never hold the lock while waiting:
they own a ``Subscriber`` cursor into the session's feed and are woken through their loop.
"""

from __future__ import annotations

import asyncio
import copy
import secrets
import threading
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from ._errors import not_found
from ._ids import IdFactory, now_timestamp

__all__ = [
    "BUSY_STATUSES",
    "TERMINAL_EVENT_TYPES",
    "EventMeta",
    "FeedItem",
    "SessionState",
    "StoredFile",
    "StoredSkill",
    "Store",
    "Subscriber",
    "in_thread",
    "normalise_event",
]

BUSY_STATUSES = frozenset({"running", "canceling"})
TERMINAL_EVENT_TYPES = frozenset({"session.deleted", "session.status_terminated"})


@dataclass
class EventMeta:
    """Envelope facts that history adds to an event but the stream does not show."""

    created_at: str
    turn_id: str | None = None


@dataclass(frozen=True)
class FeedItem:
    """One frame a stream may send: a buffered event or a delta frame previewing one."""

    index: int
    event_id: str
    sse_event: str
    payload: dict[str, Any]
    is_delta: bool = False
    preview_type: str | None = None


class Subscriber:
    """A live stream's cursor into a session feed, woken on its own event loop."""

    def __init__(
        self,
        loop: asyncio.AbstractEventLoop,
        position: int,
        live_from: int,
        deltas: frozenset[str],
        thread_id: str | None,
        include_unthreaded: bool = True,
    ) -> None:
        self.loop = loop
        self.position = position
        self.live_from = live_from
        self.deltas = deltas
        self.thread_id = thread_id
        self.include_unthreaded = include_unthreaded
        self.wake = asyncio.Event()

    def notify(self) -> None:
        """Wake the stream from any thread."""
        if not self.loop.is_closed():
            self.loop.call_soon_threadsafe(self.wake.set)


@dataclass
class StoredFile:
    """An uploaded or agent-produced file: its metadata object and its bytes."""

    meta: dict[str, Any]
    content: bytes
    download_token: str = field(default_factory=lambda: secrets.token_urlsafe(16))


@dataclass
class StoredSkill:
    """A skill object and its versions (oldest first), each with its files by part name."""

    record: dict[str, Any]
    versions: list[dict[str, Any]] = field(default_factory=list)
    files: dict[str, dict[str, bytes]] = field(default_factory=dict)
    uploads: int = 0


@dataclass
class SessionState:
    """A session object and everything that hangs off it."""

    record: dict[str, Any]
    primary_thread_id: str
    events: list[dict[str, Any]] = field(default_factory=list)
    meta: dict[str, EventMeta] = field(default_factory=dict)
    feed: list[FeedItem] = field(default_factory=list)
    subscribers: set[Subscriber] = field(default_factory=set)
    resources: dict[str, dict[str, Any]] = field(default_factory=dict)
    threads: dict[str, dict[str, Any]] = field(default_factory=dict)
    turn_task: asyncio.Task[None] | None = None
    turn_id: str | None = None
    turn_started: float = 0.0
    deleted: bool = False
    pending: dict[str, str] = field(default_factory=dict)  # call id -> the answer's type
    answered: asyncio.Event | None = None  # set once every pending call is answered


def in_thread(event: Mapping[str, Any], thread_id: str, include_unthreaded: bool) -> bool:
    """Whether an event belongs to a thread. Events without a thread belong to the primary
    one, except the session's terminal events, which every thread sees."""
    own = event.get("session_thread_id")
    if own is None and event.get("type") in TERMINAL_EVENT_TYPES:
        return True
    return own == thread_id or (own is None and include_unthreaded)


def normalise_event(raw: Mapping[str, Any], new_id: Callable[[str], str]) -> dict[str, Any]:
    """Copy an event into wire order: ``id``, ``type``, its fields, then ``processed_at``;
    ``new_id`` gives an event without one its id."""
    event_type = raw.get("type")
    if not isinstance(event_type, str) or not event_type:
        raise ValueError("an event needs a non-empty string 'type'")
    event: dict[str, Any] = {"id": raw.get("id") or new_id("evt_"), "type": event_type}
    for key, value in raw.items():
        if key not in ("id", "type", "processed_at"):
            event[key] = copy.deepcopy(value)
    event["processed_at"] = raw.get("processed_at") or now_timestamp()
    return event


class Store:
    """All emulator state. Use ``lock`` around reads and writes of the public dicts."""

    def __init__(self, ids: IdFactory | None = None) -> None:
        self.ids = ids or IdFactory()
        self.lock = threading.RLock()
        self.turn_changed = threading.Condition(self.lock)
        self.agents: dict[str, list[dict[str, Any]]] = {}
        self.environments: dict[str, dict[str, Any]] = {}
        self.sessions: dict[str, SessionState] = {}
        self.files: dict[str, StoredFile] = {}
        # Vaults and memory stores; a credential's secrets live apart from its record.
        self.vaults: dict[str, dict[str, Any]] = {}
        self.credentials: dict[str, dict[str, Any]] = {}
        self.credential_secrets: dict[str, dict[str, Any]] = {}
        self.memory_stores: dict[str, dict[str, Any]] = {}
        self.memories: dict[str, dict[str, Any]] = {}
        self.memory_versions: dict[str, dict[str, Any]] = {}
        self.open_streams = 0
        # Deleted sessions: streams may still be draining them, and tests may read their logs.
        self.deleted: dict[str, SessionState] = {}
        self.skills: dict[str, StoredSkill] = {}
        self.deployments: dict[str, dict[str, Any]] = {}
        self.deployment_runs: dict[str, dict[str, Any]] = {}
        self.dreams: dict[str, dict[str, Any]] = {}

    # -- lookups -----------------------------------------------------------------------

    def session(self, session_id: str) -> SessionState:
        """The live (not deleted) session, or a 404 ``ApiError``."""
        with self.lock:
            state = self.sessions.get(session_id)
            if state is None:
                raise not_found("Session", session_id)
            return state

    def any_session(self, session_id: str) -> SessionState:
        """A session, deleted or not, for test inspection; ``KeyError`` if unknown."""
        with self.lock:
            state = self.sessions.get(session_id) or self.deleted.get(session_id)
            if state is None:
                raise KeyError(session_id)
            return state

    def agent_versions(self, agent_id: str) -> list[dict[str, Any]]:
        """Every version of an agent, oldest first, or a 404 ``ApiError``."""
        with self.lock:
            versions = self.agents.get(agent_id)
            if versions is None:
                raise not_found("Agent", agent_id)
            return versions

    def count(self, kind: str) -> int:
        """How many objects of ``kind`` are stored."""
        with self.lock:
            counts = {
                "agents": lambda: len(self.agents),
                "environments": lambda: len(self.environments),
                "sessions": lambda: len(self.sessions),
                "files": lambda: len(self.files),
                "events": lambda: sum(len(s.events) for s in self.sessions.values()),
                "resources": lambda: sum(len(s.resources) for s in self.sessions.values()),
                "threads": lambda: sum(len(s.threads) for s in self.sessions.values()),
            }
            if kind not in counts:
                raise ValueError(f"unknown kind {kind!r}; expected one of {sorted(counts)}")
            return counts[kind]()

    # -- events ------------------------------------------------------------------------

    def publish(
        self,
        state: SessionState,
        events: Iterable[Mapping[str, Any]],
        *,
        turn_id: str | None = None,
    ) -> list[dict[str, Any]]:
        """Append events to the session log and wake its live streams; returns stored copies."""
        with self.lock:
            stored: list[dict[str, Any]] = []
            for raw in events:
                event = normalise_event(raw, self.ids.new)
                state.events.append(event)
                state.meta[event["id"]] = EventMeta(
                    created_at=event["processed_at"], turn_id=turn_id
                )
                state.feed.append(
                    FeedItem(len(state.feed), event["id"], event["type"], event, is_delta=False)
                )
                stored.append(copy.deepcopy(event))
            subscribers = list(state.subscribers)
        for subscriber in subscribers:
            subscriber.notify()
        return stored

    def publish_preview(
        self,
        state: SessionState,
        event_id: str,
        preview_type: str,
        frames: Sequence[dict[str, Any]],
    ) -> None:
        """Append ``event_start``/``event_delta`` frames (stream-only, never in history)."""
        with self.lock:
            for payload in frames:
                state.feed.append(
                    FeedItem(
                        len(state.feed),
                        event_id,
                        payload["type"],
                        payload,
                        is_delta=True,
                        preview_type=preview_type,
                    )
                )
            subscribers = list(state.subscribers)
        for subscriber in subscribers:
            subscriber.notify()

    def subscribe(
        self,
        state: SessionState,
        loop: asyncio.AbstractEventLoop,
        *,
        last_event_id: str | None,
        deltas: frozenset[str],
        thread_id: str | None = None,
    ) -> Subscriber:
        """Register a live stream and place its cursor, atomically with respect to publishing.

        Without ``last_event_id`` the stream is live only. With one, it replays from the
        frame after the newest feed item carrying that id (an unknown id replays everything).
        Delta frames published before the connection opened are never replayed.
        """
        with self.lock:
            live_from = len(state.feed)
            position = live_from
            if last_event_id is not None:
                position = 0
                for item in reversed(state.feed):
                    if item.event_id == last_event_id:
                        position = item.index + 1
                        break
            primary = thread_id is None or thread_id == state.primary_thread_id
            subscriber = Subscriber(loop, position, live_from, deltas, thread_id, primary)
            state.subscribers.add(subscriber)
            self.open_streams += 1
            return subscriber

    def unsubscribe(self, state: SessionState, subscriber: Subscriber) -> None:
        """Forget a stream connection."""
        with self.lock:
            if subscriber in state.subscribers:
                state.subscribers.discard(subscriber)
                self.open_streams -= 1

    def read(self, state: SessionState, subscriber: Subscriber) -> list[FeedItem]:
        """The frames this subscriber has not seen yet, advancing its cursor."""
        with self.lock:
            items = state.feed[subscriber.position :]
            subscriber.position = len(state.feed)
        chosen: list[FeedItem] = []
        for item in items:
            if item.is_delta:
                if item.index < subscriber.live_from or item.preview_type not in subscriber.deltas:
                    continue
            elif subscriber.thread_id is not None and not in_thread(
                item.payload, subscriber.thread_id, subscriber.include_unthreaded
            ):
                continue
            chosen.append(item)
        return chosen

    def wake_all(self) -> None:
        """Wake every live stream (used on shutdown)."""
        with self.lock:
            subscribers = [s for state in self.sessions.values() for s in state.subscribers]
            subscribers += [s for state in self.deleted.values() for s in state.subscribers]
        for subscriber in subscribers:
            subscriber.notify()

    # -- turns -------------------------------------------------------------------------

    def finish_turn(self, state: SessionState) -> None:
        """Mark the session idle and wake ``wait_idle`` callers."""
        with self.lock:
            if state.turn_started:
                elapsed = time.monotonic() - state.turn_started
                usage = state.record["usage"]
                usage["active_seconds"] = round(usage.get("active_seconds", 0.0) + elapsed, 3)
                state.record["stats"]["active_seconds"] = usage["active_seconds"]
            state.turn_task = None
            state.turn_id = None
            state.turn_started = 0.0
            if state.record.get("status") in BUSY_STATUSES:
                state.record["status"] = "idle"
            state.record["updated_at"] = now_timestamp()
            self.turn_changed.notify_all()

    def wait_idle(self, session_id: str, timeout: float) -> bool:
        """Block until the session has no running turn; False on timeout."""
        deadline = time.monotonic() + timeout
        with self.turn_changed:
            while True:
                state = self.sessions.get(session_id)
                if state is None or state.record.get("status") not in BUSY_STATUSES:
                    return True
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    return False
                self.turn_changed.wait(remaining)

    # -- deletion ----------------------------------------------------------------------

    def remove_session(self, session_id: str) -> SessionState:
        """Delete a session, keeping its state reachable for streams still draining it."""
        with self.lock:
            state = self.sessions.pop(session_id)
            state.deleted = True
            self.deleted[session_id] = state
            self.turn_changed.notify_all()
            return state
