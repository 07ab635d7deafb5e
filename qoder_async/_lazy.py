"""Public names imported on first use (PEP 562), from the one list in ``__init__.py``.

The package's ``__init__.py`` names each public object once, in an ``if TYPE_CHECKING:``
block of ``from .module import Name as Name`` lines that type checkers read as they are.
:func:`lazy_exports` reads the same block as a table at run time, so the list cannot drift
from what type checkers see, and each module is imported only when one of its names is first
looked up.
"""

from __future__ import annotations

import importlib
import sys
from collections.abc import Callable
from typing import Any

__all__ = ["lazy_exports"]


def read_exports(source: str) -> dict[str, str]:
    """The ``name -> module`` table of the ``if TYPE_CHECKING:`` block in ``source``.

    The block holds ``from .x import A as A`` statements, on one line or in parentheses
    over several, as ruff formats them; nothing else in it is read.
    """
    table: dict[str, str] = {}
    module = ""
    inside = False
    for raw in source.splitlines():
        if raw.startswith("if TYPE_CHECKING:"):
            inside = True
            continue
        if not inside:
            continue
        if raw and not raw.startswith(" "):
            break
        line = raw.strip()
        if line.startswith("from "):
            module, _, line = line[5:].partition(" import ")
        for item in line.strip("()").split(","):
            name, _, alias = item.strip().partition(" as ")
            if name and alias == name:
                table[name] = module.strip()
    return table


def lazy_exports(
    package: str,
) -> tuple[Callable[[str], Any], Callable[[], list[str]], list[str]]:
    """``__getattr__``, ``__dir__`` and ``__all__`` for ``package``.

    A name's module is imported the first time the name is looked up; the name is then kept
    in the package's namespace, so later look-ups cost nothing. Public classes are shown as
    ``package.Name`` (``qoder_async.NotFoundError``) in reprs and tracebacks, as trio does.
    """
    module_obj = sys.modules[package]
    # The file itself, read as text: a loader's get_source() would import tokenize (a few
    # ms), and some loaders (pytest's assertion rewriter) give no source at all.
    source = ""
    if module_obj.__file__:
        with open(module_obj.__file__, encoding="utf-8") as file:
            source = file.read()
    where = read_exports(source)
    namespace = vars(module_obj)

    def __getattr__(name: str) -> Any:
        module = where.get(name)
        if module is None:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        value = getattr(importlib.import_module(module, package), name)
        namespace[name] = value
        _show_as_public(package, where)
        return value

    def __dir__() -> list[str]:
        return sorted({*namespace, *where})

    version = ["__version__"] if "__version__" in namespace else []
    return __getattr__, __dir__, [*version, *where]


def _show_as_public(package: str, where: dict[str, str]) -> None:
    """Give the public classes of the modules imported so far the package as their
    ``__module__``, so that a traceback says ``qoder_async.NotFoundError`` even for an error
    whose name the user never looked up.

    Classes with annotations of their own (the attrs models) keep their module: type hints
    written as strings are resolved in the namespace of ``__module__``.
    """
    for name, module in where.items():
        full = package + module  # the block's imports are all of the form ``from .x``
        value = getattr(sys.modules.get(full), name, None)
        if (
            isinstance(value, type)
            and value.__module__ == full
            and "__annotations__" not in vars(value)
        ):
            value.__module__ = package
