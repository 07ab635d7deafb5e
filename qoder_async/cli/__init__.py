"""The ``qoder-async`` command line: ``chat``, ``run``, ``tail``, ``agents``, ``sessions``,
``emulator``, ``worker``. Built on typer, rich and prompt_toolkit (``pip install
'qoder-async[cli]'``) and on the public API of ``qoder_async`` only; ``import qoder_async``
never imports it.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence

__all__ = ["main"]


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line with ``argv`` (default: ``sys.argv[1:]``); return the exit status."""
    try:
        from ._app import app
    except ImportError as exc:
        if exc.name not in ("typer", "rich", "click", "prompt_toolkit", "platformdirs"):
            raise
        print(
            f"error: the command line needs {exc.name}: pip install 'qoder-async[cli]'",
            file=sys.stderr,
        )
        return 1
    try:
        app(args=None if argv is None else list(argv), prog_name="qoder-async")
    except SystemExit as exc:
        code = exc.code
        return code if isinstance(code, int) else (0 if code is None else 1)
    return 0
