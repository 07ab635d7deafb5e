"""The core of a chat bot: one session per conversation, resumable across restarts.

    python examples/bot.py [--state bot-state]

Type ``CONVERSATION: message`` lines (``alice: hello``, ``bob: hi``); replies print as
``[alice] ...``. What the core does, whatever the chat platform around it:

- each conversation gets its own session, and exactly one reader of that session's events;
- a message sent while the agent still works on the previous one waits its turn (no 409
  ever reaches the user); ``/stop`` interrupts the agent and drops what was waiting;
- after every event it handles, the conversation's cursor (the last event id) is committed
  to a SQLite file (``qa.SQLiteCursors``), so a bot that is stopped, or crashes, and starts
  again resumes every conversation where it left off: replies that arrived meanwhile are
  delivered, none twice (unless the bot died between replying and committing: delivery is
  at least once). Which session serves which conversation is kept in a JSON file beside it.

At the end of its input the bot waits for every conversation to come to rest, then exits.
With QODER_ACCESS_TOKEN (or QODER_PAT) set it talks to the API; without, to a local emulator
(a new one each run, so resuming needs the API, or ``qoder-async emulator`` and its
QODER_BASE_URL). Messages still waiting for their turn when the bot stops are not kept.
"""

from __future__ import annotations

import argparse
import json
import os
import stat
import sys
from collections import deque
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path

import anyio
from anyio.abc import TaskGroup, TaskStatus

import qoder_async as qa

Reply = Callable[[str, str], Awaitable[None]]
"""Sends ``text`` to the user of conversation ``conversation_id``: ``reply(cid, text)``."""


@dataclass
class Entry:
    """A conversation in the directory: its session, and whether a turn was under way."""

    session_id: str
    turn_open: bool = False


@dataclass
class BotState:
    """What the bot keeps besides the cursors: its agent, and who talks in which session."""

    agent_id: str = ""
    environment_id: str = ""
    conversations: dict[str, Entry] = field(default_factory=dict)
    base_url: str = ""
    """The API these ids belong to: an embedded emulator's die with it."""


class Directory:
    """The :class:`BotState` in a JSON file, replaced atomically on every change."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._lock = anyio.Lock()
        self.state = BotState()
        if path.exists():
            raw = json.loads(path.read_text())
            self.state = BotState(
                agent_id=raw["agent_id"],
                environment_id=raw["environment_id"],
                conversations={k: Entry(**v) for k, v in raw["conversations"].items()},
                base_url=raw.get("base_url", ""),
            )

    async def save(self) -> None:
        """Write the state; concurrent saves are serialised, the last one wins."""
        async with self._lock:
            text = json.dumps(asdict(self.state), indent=2)
            await anyio.to_thread.run_sync(self._write, text)

    def _write(self, text: str) -> None:
        temporary = self.path.with_name(self.path.name + ".tmp")
        temporary.write_text(text)
        os.replace(temporary, self.path)  # a reader never sees half a file


class Conversation:
    """One conversation: its session, the messages waiting for a turn, and its event reader.

    Run :meth:`run` in a task group; give it messages with :meth:`post`.
    """

    def __init__(
        self,
        conversation_id: str,
        session: qa.AsyncSession,
        entry: Entry,
        *,
        cursors: qa.CursorStore,
        save: Callable[[], Awaitable[None]],
        reply: Reply,
    ) -> None:
        self.id = conversation_id
        self.session = session
        self.entry = entry
        self._cursors = cursors
        self._save = save
        self._reply = reply
        self._inbox: deque[str] = deque()
        self._in_flight = False
        self._handled_any = False
        self._turn_messages: set[str] = set()  # messages of the turn under way
        self._ended: set[str] = set()  # messages whose turn ended, until awaited
        self._changed = anyio.Condition()

    @property
    def at_rest(self) -> bool:
        """Nothing waits, nothing is being answered."""
        return not self._inbox and not self._in_flight and not self.entry.turn_open

    async def run(self, *, task_status: TaskStatus[None] = anyio.TASK_STATUS_IGNORED) -> None:
        """Read events and send queued messages until cancelled; ready once the stream is."""
        async with anyio.create_task_group() as tasks:
            await tasks.start(self._follow)
            tasks.start_soon(self._send_queued)
            task_status.started()

    async def post(self, text: str) -> None:
        """A message from the user: queue it, or for ``/stop`` interrupt the agent."""
        if text.strip() == "/stop":
            self._inbox.clear()
            await self.session.interrupt()
        else:
            self._inbox.append(text)
        await self._notify()

    async def wait_at_rest(self) -> None:
        """Return once the conversation is :attr:`at_rest`."""
        await self._wait_for(lambda: self.at_rest)

    # --- the one reader of the session's events -----------------------------------------

    async def _follow(self, *, task_status: TaskStatus[None] = anyio.TASK_STATUS_IGNORED) -> None:
        # Starts after the last committed event; each event is committed once the loop
        # comes back for the next one, that is once _handle returned.
        async with self.session.events(cursors=self._cursors) as stream:
            task_status.started()
            async for event in stream:
                self._handled_any = True
                await self._handle(event)
                await self._notify()

    async def _handle(self, event: qa.Event) -> None:
        if isinstance(event, qa.UserMessage):
            # The cursor first: once the directory says a turn is open, a restart resumes
            # after this message, never "now" (which would miss the turn's reply).
            await self._cursors.commit(self.session.id, event.id)
            self._turn_messages.add(event.id)
            self.entry.turn_open = True
            await self._save()
        elif isinstance(event, qa.AgentMessage):
            await self._reply(self.id, event.text)
        elif isinstance(event, qa.UserInterrupt):
            await self._reply(self.id, "(stopped)")
        elif isinstance(event, qa.SessionStatusIdle):
            self._ended |= self._turn_messages
            self._turn_messages.clear()
            self.entry.turn_open = False
            await self._save()

    # --- one message at a time ------------------------------------------------------------

    async def _send_queued(self) -> None:
        while True:
            await self._wait_for(lambda: bool(self._inbox))
            text = self._inbox.popleft()
            self._in_flight = True
            # If a turn still runs (say, one resumed after a restart), wait for it to end.
            echo = await self.session.send(text, wait_idle=True)
            if not self._handled_any:
                # A new session has no cursor yet, and a stream without one starts "now":
                # commit the message, so that a restart replays its turn from here on.
                await self._cursors.commit(self.session.id, echo.id)
            await self._wait_turn_end(echo.id)
            self._in_flight = False
            await self._notify()

    async def _wait_turn_end(self, message_id: str) -> None:
        # Ids are opaque (never compared for order): the message's turn ended when an idle
        # followed its echo on the stream.
        await self._wait_for(lambda: message_id in self._ended)
        self._ended.discard(message_id)

    async def _wait_for(self, condition: Callable[[], bool]) -> None:
        async with self._changed:
            while not condition():
                await self._changed.wait()

    async def _notify(self) -> None:
        async with self._changed:
            self._changed.notify_all()


class Bot:
    """Routes each message to its conversation, opening a session for a new one."""

    def __init__(
        self,
        client: qa.AsyncQoder,
        directory: Directory,
        cursors: qa.CursorStore,
        tasks: TaskGroup,
        reply: Reply,
    ) -> None:
        self.client = client
        self.directory = directory
        self.cursors = cursors
        self._tasks = tasks
        self._reply = reply
        self.conversations: dict[str, Conversation] = {}

    async def start(self) -> None:
        """Make the agent on first use; resume every conversation of the directory."""
        state = self.directory.state
        if state.base_url and state.base_url != self.client.base_url:
            print(
                f"{self.directory.path.parent}/ holds conversations of {state.base_url}, "
                f"not of {self.client.base_url}: starting afresh",
                file=sys.stderr,
            )
            state = self.directory.state = BotState()
        state.base_url = self.client.base_url
        if not state.agent_id:
            agent = await self.client.agents.create(name="chat-bot", model="ultimate")
            environment = await self.client.environments.create(name="chat-bot")
            state.agent_id, state.environment_id = agent.id, environment.id
            await self.directory.save()
        for conversation_id, entry in state.conversations.items():
            await self._run(conversation_id, self.client.session(entry.session_id), entry)

    async def handle(self, conversation_id: str, text: str) -> None:
        """A message from a user of ``conversation_id``."""
        conversation = self.conversations.get(conversation_id)
        if conversation is None:
            state = self.directory.state
            session = await self.client.sessions.create(
                agent=state.agent_id, environment_id=state.environment_id, title=conversation_id
            )
            entry = Entry(session_id=session.id)
            state.conversations[conversation_id] = entry
            await self.directory.save()
            conversation = await self._run(conversation_id, session, entry)
        await conversation.post(text)

    async def wait_at_rest(self) -> None:
        """Return once every conversation is at rest."""
        for conversation in list(self.conversations.values()):
            await conversation.wait_at_rest()

    async def _run(
        self, conversation_id: str, session: qa.AsyncSession, entry: Entry
    ) -> Conversation:
        conversation = Conversation(
            conversation_id,
            session,
            entry,
            cursors=self.cursors,
            save=self.directory.save,
            reply=self._reply,
        )
        self.conversations[conversation_id] = conversation
        await self._tasks.start(conversation.run)
        return conversation


# --- a console front end: stdin in, stdout out ----------------------------------------------


async def stdin_lines() -> AsyncIterator[str]:
    """Lines from stdin (a terminal, a pipe or a file), read without blocking the event loop."""
    fd, buffer = sys.stdin.fileno(), b""
    # A regular file is always readable and cannot be polled (epoll refuses it): just read it.
    pollable = not stat.S_ISREG(os.fstat(fd).st_mode)
    if os.isatty(fd):
        print("type CONVERSATION: message (e.g. alice: hello); Ctrl-D ends", file=sys.stderr)
    while True:
        if pollable:
            await anyio.wait_readable(fd)
        chunk = os.read(fd, 65536)
        if not chunk:
            if buffer.strip():
                yield buffer.decode()  # a last line without its newline
            return
        *lines, buffer = (buffer + chunk).split(b"\n")
        for line in lines:
            yield line.decode()


async def print_reply(conversation_id: str, text: str) -> None:
    """The console's way to answer a user."""
    print(f"[{conversation_id}] {text}", flush=True)


async def main(state: Path, base_url: str | None = None, token: str | None = None) -> None:
    await anyio.Path(state).mkdir(parents=True, exist_ok=True)
    async with (
        qa.AsyncQoder(token, base_url) as client,
        qa.SQLiteCursors(state / "cursors.db") as cursors,
        anyio.create_task_group() as tasks,
    ):
        bot = Bot(client, Directory(state / "conversations.json"), cursors, tasks, print_reply)
        await bot.start()
        async for line in stdin_lines():
            conversation_id, colon, text = line.partition(":")
            if colon and conversation_id.strip() and text.strip():
                await bot.handle(conversation_id.strip(), text.strip())
            elif line.strip():
                print("type CONVERSATION: message, e.g. alice: hello", file=sys.stderr)
        await bot.wait_at_rest()
        tasks.cancel_scope.cancel()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--state", type=Path, default=Path("bot-state"), help="a folder")
    state = parser.parse_args().state
    if os.environ.get("QODER_ACCESS_TOKEN") or os.environ.get("QODER_PAT"):
        anyio.run(main, state)
    else:
        from qoder_async.testing import Emulator

        with Emulator(pace=0.05) as emulator:
            anyio.run(main, state, emulator.base_url, "emulator")
