"""How a command ends: an exit status, and errors told in one line (tracebacks with --debug)."""

from __future__ import annotations

import logging
import os
import sys
import traceback
from collections.abc import Awaitable, Callable

import anyio

import qoder_async as qa

__all__ = ["EXIT_ERROR", "EXIT_INTERRUPTED", "CliError", "describe", "run_command"]

EXIT_ERROR = 1
EXIT_INTERRUPTED = 130
"""The status of a program stopped by Ctrl-C (128 + SIGINT), as shells report it."""
EXIT_BROKEN_PIPE = 141
"""The status of a program whose reader went away (128 + SIGPIPE), as in ``... | head``."""


class CliError(Exception):
    """A problem the command line explains in one line (a missing file, a bad option mix)."""


def _leaf(exc: BaseException) -> BaseException:
    # Task groups wrap errors in exception groups; a lone error inside is the one to tell.
    inner = getattr(exc, "exceptions", None)
    while isinstance(inner, tuple) and len(inner) == 1 and isinstance(inner[0], BaseException):
        exc = inner[0]
        inner = getattr(exc, "exceptions", None)
    return exc


def describe(exc: BaseException) -> str:
    """One line saying what went wrong; API errors carry their request id."""
    if isinstance(exc, qa.AuthenticationError):
        return f"error: {exc}. Check QODER_ACCESS_TOKEN (or QODER_PAT)."
    if isinstance(exc, qa.APIConnectionError) and exc.request is not None:
        url = exc.request.url
        origin = f"{url.scheme}://{url.host}" + (f":{url.port}" if url.port else "")
        return (
            f"error: cannot reach the API at {origin} ({exc}). "
            "Check --base-url or QODER_BASE_URL, and that the server is up."
        )
    if isinstance(exc, (qa.QoderError, CliError)):
        return f"error: {exc}"
    if isinstance(exc, OSError) and exc.strerror:
        where = f": {exc.filename}" if exc.filename else ""
        return f"error: {exc.strerror}{where}"
    return f"error: unexpected {type(exc).__name__}: {exc} (--debug shows the traceback)"


def run_command(main: Callable[[], Awaitable[int]], *, debug: bool) -> int:
    """Run an async command on asyncio; turn what it raises into a message and a status."""
    if debug:
        logging.basicConfig(
            level=logging.DEBUG, format="%(asctime)s %(name)s %(levelname)s %(message)s"
        )
    try:
        return anyio.run(main)
    except KeyboardInterrupt:
        return EXIT_INTERRUPTED
    except Exception as exc:
        error = _leaf(exc)
        if isinstance(error, BrokenPipeError):
            # Nobody reads our output any more: say nothing, and keep the interpreter from
            # complaining when it flushes stdout on the way out.
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
            return EXIT_BROKEN_PIPE
        if debug:
            traceback.print_exception(exc)
        print(describe(error), file=sys.stderr, flush=True)
        return EXIT_ERROR
