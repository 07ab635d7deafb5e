"""Reading what the user types without blocking the event loop.

Lines are read from the file descriptor once it is readable, so waiting for input can be
cancelled like any other wait (no thread is left blocked in ``input()``). On a terminal the
line discipline does the editing while the agent works (chat's prompt between turns is
prompt_toolkit's, see ``_prompt``), and keys typed meanwhile are not echoed over the live
display.
"""

from __future__ import annotations

import os
import select
import stat
import sys
from collections.abc import Iterator
from contextlib import contextmanager

import anyio

__all__ = ["LineReader", "drop_unfinished", "keys_hidden", "stdin_fd"]


class LineReader:
    """Lines from a file descriptor (stdin by default), read as they become available."""

    def __init__(self, fd: int | None = None) -> None:
        self.fd = sys.stdin.fileno() if fd is None else fd
        # Files (and /dev/null) are always readable and cannot be polled: just read them.
        self._pollable = not stat.S_ISREG(os.fstat(self.fd).st_mode)
        self._buffer = b""
        self._eof = False

    async def readline(self) -> str | None:
        """The next line without its newline, or ``None`` at the end of input."""
        while b"\n" not in self._buffer and not self._eof:
            if self._pollable:
                try:
                    await anyio.wait_readable(self.fd)
                except OSError:
                    self._pollable = False
            chunk = os.read(self.fd, 65536)
            self._eof = not chunk
            self._buffer += chunk
        if not self._buffer:
            return None
        line, _, self._buffer = self._buffer.partition(b"\n")
        return line.decode(errors="replace").rstrip("\r")

    def typed_lines(self) -> list[str]:
        """The whole lines that can be read now, without waiting for more."""
        lines: list[str] = []
        while True:
            if b"\n" in self._buffer:
                line, _, self._buffer = self._buffer.partition(b"\n")
                lines.append(line.decode(errors="replace").rstrip("\r"))
            elif self._eof or not select.select([self.fd], [], [], 0)[0]:
                return lines
            else:
                chunk = os.read(self.fd, 65536)
                self._eof = not chunk
                self._buffer += chunk


def drop_unfinished(fd: int) -> None:
    """Throw away what was typed on the terminal ``fd`` and not yet sent with Enter."""
    if os.isatty(fd):
        import termios  # POSIX only, and only needed on a terminal

        termios.tcflush(fd, termios.TCIFLUSH)


def stdin_fd() -> int | None:
    """The file descriptor of stdin, or ``None`` if it has none (closed, replaced)."""
    try:
        return sys.stdin.fileno()
    except (AttributeError, ValueError, OSError):
        return None


@contextmanager
def keys_hidden(fd: int | None, *, drop_typed: bool = True) -> Iterator[None]:
    """Do not echo keys while the block runs; with ``drop_typed``, drop what was typed
    meanwhile at the end (else it stays to be read, as the chat's queue does).

    Does nothing unless ``fd`` is a terminal.
    """
    if fd is None or not os.isatty(fd):
        yield
        return
    import termios  # POSIX only, and only needed on a terminal

    saved = termios.tcgetattr(fd)
    quiet = list(saved)
    quiet[3] &= ~termios.ECHO
    termios.tcsetattr(fd, termios.TCSANOW, quiet)
    try:
        yield
    finally:
        termios.tcsetattr(fd, termios.TCSANOW, saved)
        if drop_typed:
            termios.tcflush(fd, termios.TCIFLUSH)
