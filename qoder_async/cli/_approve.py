"""Approvals in ``chat``: each ``always_ask`` call is put to the person at the terminal.

The question shows the tool and its whole input, and takes ``y`` or ``n`` (optionally
followed by a reason the model is told). What was typed before the question appeared is
never taken as its answer: whole lines typed during the turn stay queued as messages, keys
of a line not yet sent with Enter are dropped, and only a ``y``/``n`` answer typed at the
question counts (anything else asks again). Ctrl-C or Ctrl-D at the question denies.
"""

from __future__ import annotations

import json
from collections import deque
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager

import anyio
from prompt_toolkit.formatted_text import FormattedText
from rich.text import Text

import qoder_async as qa

from ._keyboard import LineReader, drop_unfinished
from ._prompt import Prompt
from ._screen import RichScreen

__all__ = ["TerminalApprover", "TypeAhead", "tool_name", "verdict"]

QUESTION_MARK = "[y/n] › "  # noqa: RUF001 - a typographic prompt mark, as the chat's own
YES = ("y", "yes")
NO = ("n", "no")


def tool_name(call: qa.PendingCall) -> str:
    """The name a person knows the tool by (``server.tool`` for an MCP tool)."""
    return f"{call.mcp_server_name}.{call.name}" if call.mcp_server_name else call.name


def verdict(answer: str, name: str) -> bool | qa.Deny | None:
    """What an answer means: ``True`` (y, yes), a :class:`qa.Deny` (n or no, then an
    optional reason), or ``None`` if it is neither."""
    word, _, reason = answer.strip().partition(" ")
    if word.lower() in YES and not reason.strip():
        return True
    if word.lower() in NO:
        return qa.Deny(reason.strip() or f"The user at the terminal denied {name}.")
    return None


class TypeAhead:
    """Reads the lines typed while a turn runs into ``queued``, except while paused."""

    def __init__(self, reader: LineReader, queued: deque[str]) -> None:
        self._reader = reader
        self._queued = queued
        self._reading = anyio.CancelScope()
        self._resumed = anyio.Event()
        self._resumed.set()
        self._stopped = anyio.Event()
        self._stopped.set()

    def _keep(self, line: str) -> None:
        if line.strip():
            self._queued.append(line.strip())

    async def run(self) -> None:
        """Queue lines until the end of input (run it in the turn's task group)."""
        while True:
            await self._resumed.wait()
            self._stopped = anyio.Event()
            try:
                with anyio.CancelScope() as self._reading:
                    while (line := await self._reader.readline()) is not None:
                        self._keep(line)
                    return
            finally:
                self._stopped.set()

    @asynccontextmanager
    async def paused(self) -> AsyncIterator[None]:
        """Stop reading for the block, so that the keys go to a question. Whole lines
        typed so far are queued first; the rest of what was typed is dropped."""
        self._resumed = anyio.Event()
        self._reading.cancel()
        # The reader must be gone before a prompt watches the terminal: its wait, undone
        # later, would unregister the prompt's own watch on the same descriptor.
        await self._stopped.wait()
        for line in self._reader.typed_lines():
            self._keep(line)
        drop_unfinished(self._reader.fd)
        try:
            yield
        finally:
            self._resumed.set()


class TerminalApprover:
    """``on_permission`` for a chat on a terminal: asks y/n for each call, in order; the
    tools named in ``allowed`` (``--allow``) are approved without asking."""

    def __init__(
        self,
        *,
        prompt: Prompt,
        screen: RichScreen,
        type_ahead: TypeAhead,
        allowed: Sequence[str] = (),
    ) -> None:
        self._prompt = prompt
        self._screen = screen
        self._type_ahead = type_ahead
        self._allowed = frozenset(allowed)

    async def __call__(self, call: qa.PendingCall) -> bool | qa.Deny:
        """Ask about ``call``; the answer, or a denial at Ctrl-C / Ctrl-D."""
        name = tool_name(call)
        if call.name in self._allowed or name in self._allowed:
            return True
        async with self._type_ahead.paused():
            with self._screen.paused():
                return await self._ask(call, name)

    async def _ask(self, call: qa.PendingCall, name: str) -> bool | qa.Deny:
        console = self._screen.console
        console.print(Text.assemble(("? ", "bold yellow"), (name, "bold"), " asks to run with:"))
        for key, value in call.input.items():
            shown = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)
            console.print(Text.assemble("    ", (f"{key}: ", "dim"), shown), soft_wrap=True)
        question = FormattedText([("bold ansiyellow", f"allow {name}? "), ("", QUESTION_MARK)])
        while True:
            answer = await self._prompt.ask(question)
            if answer is None:
                return qa.Deny(f"The user at the terminal did not approve {name}.")
            decided = verdict(answer, name)
            if decided is not None:
                return decided
            console.print(
                Text("answer y to allow, or n to deny (a reason may follow n)", style="dim")
            )
