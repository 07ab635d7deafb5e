"""Drawing a :class:`TurnView`: live on a terminal with rich, or as plain lines for pipes.

Both screens offer the same four calls: ``live(view)`` (an async context for the duration
of a turn), ``show(lines)``, ``note(text)`` and ``error(text)``.
"""

from __future__ import annotations

import sys
from collections.abc import AsyncIterator, Iterator, Sequence
from contextlib import AbstractAsyncContextManager, asynccontextmanager, contextmanager
from typing import Protocol, TextIO

import anyio
from rich.console import Console, ConsoleOptions, Group, RenderableType, RenderResult
from rich.live import Live
from rich.markdown import Markdown
from rich.padding import Padding
from rich.spinner import Spinner
from rich.text import Text

from ._view import Line, TurnView

__all__ = ["USER_MARK", "PlainScreen", "RichScreen", "Screen"]

USER_MARK = "you › "  # noqa: RUF001 - a typographic prompt mark, not a typo for ">"
QUEUED_MARK = "queued › "  # noqa: RUF001 - as USER_MARK


class Screen(Protocol):
    """Where the CLI draws what happens."""

    def live(self, view: TurnView) -> AbstractAsyncContextManager[None]:
        """Show the live part of ``view`` (spinner, streaming text, footer) until exit."""

    def show(self, lines: Sequence[Line]) -> None:
        """Print lines for good."""

    def note(self, text: str) -> None:
        """Print a remark of the CLI itself (an upload, a mount, how to quit)."""

    def error(self, text: str) -> None:
        """Print an error that does not end the program."""


# --- terminal ------------------------------------------------------------------------------


class _LivePart:
    """The bottom of the screen while a turn runs; re-rendered on every refresh."""

    def __init__(self, view: TurnView) -> None:
        self.view = view
        self.spinner = Spinner("dots", style="cyan")

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        view = self.view
        preview = view.streaming
        if preview is not None and preview.text:
            # Only the end of a long text fits above the spinner.
            room = max(console.size.height - 4, 3)
            tail = "\n".join(preview.text.splitlines()[-room:])
            if preview.event_type == "agent.thinking":
                yield Text(tail, style="dim italic")
            else:
                yield Markdown(tail)
        self.spinner.text = Text(f"{view.activity}…", style="cyan")
        yield self.spinner
        if view.status != "starting":
            yield Text(view.footer(), style="dim")
        for text in view.queued:
            yield Text.assemble(
                (QUEUED_MARK, "bold magenta"), text, ("  (sent after this turn)", "dim")
            )


async def _tick(screen: RichScreen) -> None:
    while True:
        if screen.live_display is not None:
            screen.live_display.refresh()
        await anyio.sleep(1 / 12)


class RichScreen:
    """A terminal screen: events as they arrive, streaming text, a spinner and a footer.

    Thinking is dimmed and collapsed to its first line once done; ``show_thinking`` (or
    ``/thinking`` in chat) prints it whole.
    """

    def __init__(self, console: Console, *, show_thinking: bool = False) -> None:
        self.console = console
        self.show_thinking = show_thinking
        self._part: _LivePart | None = None
        self.live_display: Live | None = None
        """The live display on the screen now, if any (none while :meth:`paused`)."""

    def _start_live(self, part: _LivePart) -> Live:
        live = Live(part, console=self.console, auto_refresh=False, transient=True)
        live.start()
        return live

    @asynccontextmanager
    async def live(self, view: TurnView) -> AsyncIterator[None]:
        """Run a live display of ``view``; lines shown meanwhile appear above it."""
        # Refreshed from this task, never from rich's refresh thread: a refresh racing a
        # print from here can misplace the cursor and overwrite lines already printed.
        self._part = _LivePart(view)
        self.live_display = self._start_live(self._part)
        try:
            async with anyio.create_task_group() as tasks:
                tasks.start_soon(_tick, self)
                try:
                    yield
                finally:
                    tasks.cancel_scope.cancel()
        finally:
            if self.live_display is not None:
                self.live_display.stop()
            self.live_display = self._part = None

    @contextmanager
    def paused(self) -> Iterator[None]:
        """Take the live display off the screen for the block (while a question is asked at
        the terminal), and bring it back under what was printed meanwhile."""
        live, part = self.live_display, self._part
        if live is None or part is None:
            yield
            return
        self.live_display = None
        live.stop()
        try:
            yield
        finally:
            # A new display: the stopped one would erase as many lines as it last covered.
            self.live_display = self._start_live(part)

    def show(self, lines: Sequence[Line]) -> None:
        """Print lines above the live display."""
        for line in lines:
            renderable = self.render(line)
            if isinstance(renderable, Text) and renderable.no_wrap:
                # console.print wraps unless told otherwise, whatever the Text says.
                self.console.print(renderable, no_wrap=True, overflow="ellipsis")
            else:
                self.console.print(renderable)

    def note(self, text: str) -> None:
        """A dim remark."""
        self.console.print(Text(text, style="dim"))

    def error(self, text: str) -> None:
        """A red line."""
        self.console.print(Text(text, style="bold red"))

    def render(self, line: Line) -> RenderableType:
        """The rich form of one line."""
        kind, text = line.kind, line.text
        if kind == "user":
            return Text.assemble((USER_MARK, "bold cyan"), text)
        if kind == "thinking":
            if self.show_thinking and text:
                body = Padding(Text(text, style="dim italic"), (0, 0, 0, 2))
                return Group(Text("▾ thinking", style="dim"), body)
            first = text.strip().splitlines()[0] if text.strip() else "thinking"
            return Text(f"▸ {first}", style="dim italic", no_wrap=True, overflow="ellipsis")
        if kind == "tool":
            return Text.assemble(("⚙ ", "yellow"), (line.title, "bold yellow"), "  ", (text, "dim"))
        if kind in ("result", "tool_error"):
            style = "red" if kind == "tool_error" else "dim"
            return Text.assemble(("  ↳ ", "dim"), (text, style), no_wrap=True, overflow="ellipsis")
        if kind == "message":
            return Padding(Markdown(text), (1, 0, 1, 0))
        if kind == "footer":
            return Text(f"── {text}", style="dim")
        style = {"warning": "yellow", "error": "bold red"}.get(kind, "dim")
        return Text(text, style=style)


# --- pipes -----------------------------------------------------------------------------------


class PlainScreen:
    """Plain text, one line per event, no colour and no cursor tricks.

    Args:
        out: where lines go (``None`` prints nothing).
        show_messages: print the agent's messages too (``run`` prints its answer separately).
    """

    def __init__(self, out: TextIO | None, *, show_messages: bool = True) -> None:
        self.out = out
        self.show_messages = show_messages

    @asynccontextmanager
    async def live(self, view: TurnView) -> AsyncIterator[None]:
        """Nothing is live on a pipe."""
        yield

    def _write(self, text: str) -> None:
        if self.out is not None:
            self.out.write(text + "\n")
            self.out.flush()

    def show(self, lines: Sequence[Line]) -> None:
        """One line per item (a message keeps its own lines)."""
        for line in lines:
            if line.kind == "message" and not self.show_messages:
                continue
            self._write(self.render(line))

    def note(self, text: str) -> None:
        """Write the remark as it is."""
        self._write(text)

    def error(self, text: str) -> None:
        """Errors always go to stderr."""
        sys.stderr.write(text + "\n")
        sys.stderr.flush()

    @staticmethod
    def render(line: Line) -> str:
        """The plain form of one line."""
        flat = " ".join(line.text.split())
        if line.kind == "message":
            return f"agent: {line.text}"
        if line.kind == "tool":
            return f"tool: {line.title} {flat}".rstrip()
        if line.kind == "result":
            return f"  result: {flat}"
        if line.kind == "tool_error":
            return f"  tool error: {flat}"
        if line.kind == "footer":
            return f"-- {flat}"
        if line.kind == "thinking":
            return f"thinking: {flat}" if flat else "thinking"
        if line.kind == "user":
            return f"you: {flat}"
        return f"{line.kind}: {flat}"
