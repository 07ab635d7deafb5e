"""A griffe extension for the API reference: the lazily exported names are the public ones.

``qoder_async/__init__.py`` (and ``qoder_async/testing/__init__.py``) compute ``__all__`` at
run time from their ``if TYPE_CHECKING:`` block of ``from .x import Name as Name`` lines, so
griffe, which reads source, sees no ``__all__``. This reads the same table the package reads
(``qoder_async._lazy.read_exports``) and gives it to griffe as the module's exports.

It also warns, which fails ``mkdocs build --strict``, for every public name, and every public
method of a public class, that has no docstring.
"""

from __future__ import annotations

import logging
from typing import Any

import griffe

from qoder_async._lazy import read_exports

logger = logging.getLogger("mkdocs.plugins.qoder_async.public_names")


def _lazy_modules(module: griffe.Module) -> list[griffe.Module]:
    found = []
    if module.filepath and "lazy_exports(__name__)" in module.source:
        found.append(module)
    for member in module.modules.values():
        if not member.is_alias:
            found.extend(_lazy_modules(member))
    return found


def _undocumented(obj: Any, path: str) -> list[str]:
    if obj.is_alias:
        try:
            obj = obj.final_target
        except griffe.AliasResolutionError:
            return [f"{path} (cannot be resolved)"]
    missing = [] if obj.docstring else [path]
    if obj.is_class:
        for name, member in obj.members.items():
            if name.startswith("_") or member.is_alias or not member.is_function:
                continue
            if not member.docstring:
                missing.append(f"{path}.{name}")
    return missing


class PublicNames(griffe.Extension):
    """Exports from the ``TYPE_CHECKING`` table; a warning per missing docstring."""

    def on_package(self, *, pkg: griffe.Module, **kwargs: Any) -> None:
        for module in _lazy_modules(pkg):
            names = list(read_exports(module.source))
            module.exports = names
            for name in names:
                for path in _undocumented(module.members[name], f"{module.path}.{name}"):
                    logger.warning("public name without a docstring: %s", path)
