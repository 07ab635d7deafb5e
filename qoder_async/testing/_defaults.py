"""Defaults shared by the emulator's two command lines (kept free of heavy imports)."""

from __future__ import annotations

__all__ = ["DEFAULT_PACE"]

DEFAULT_PACE = 0.08
"""Seconds before each turn event when the emulator is served from a command line
(``python -m qoder_async.testing`` and ``qoder-async emulator``): the default turn then takes
about a second, like the real service's, so a client that sends while a turn runs sees the
409 it will meet there. ``Emulator()`` itself defaults to ``pace=0``, for fast tests."""
