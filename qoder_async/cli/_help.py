"""How ``--help`` shows the commands: flags without a value, arguments as ``NAME``.

typer's rich help gives every option its type (``--json <bool>``, ``-h <bool>``) and every
argument braces (``{prompt}``), which reads as if flags took values.
"""

from __future__ import annotations

from typing import Any

from typer.core import TyperArgument, TyperCommand, TyperOption

__all__ = ["Command"]


class Command(TyperCommand):
    """A command whose help shows flags bare and arguments in capitals (``PROMPT``)."""

    def get_params(self, ctx: Any) -> list[Any]:
        """The parameters, flags given an empty metavar so no type is shown for them."""
        params: list[Any] = super().get_params(ctx)
        for param in params:
            if isinstance(param, TyperOption) and param.is_flag and param.metavar is None:
                param.metavar = ""
        return params

    def collect_usage_pieces(self, ctx: Any) -> list[str]:
        """``[OPTIONS] PROMPT`` rather than ``[OPTIONS] {prompt}``."""
        pieces = [self.options_metavar] if self.options_metavar else []
        for param in self.get_params(ctx):
            if isinstance(param, TyperArgument):
                name = (param.metavar or param.name or "").upper()
                name = name if param.required else f"[{name}]"
                pieces.append(name + ("..." if param.nargs != 1 else ""))
        return pieces
