"""Import time: public names imported on first use, and httpx without its command line.

``import qoder_async`` should cost next to nothing, and no more when the CLI or emulator
extras happen to be installed (figures in ``benchmarks/RESULTS.md``).
"""

from __future__ import annotations

import importlib
import sys
from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from importlib.machinery import ModuleSpec
    from types import ModuleType

__all__ = ["lazy_exports", "skip_httpx_cli"]


def lazy_exports(
    package: str, exports: Mapping[str, Sequence[str]]
) -> tuple[Callable[[str], Any], Callable[[], list[str]]]:
    """``__getattr__`` and ``__dir__`` for ``package`` (PEP 562).

    ``exports`` maps a submodule (``"._client"``) to the public names it defines; a name's
    submodule is imported the first time the name is looked up, and the name is then kept in
    the package's namespace so later look-ups cost nothing.
    """
    where = {name: module for module, names in exports.items() for name in names}
    namespace = vars(sys.modules[package])

    def __getattr__(name: str) -> Any:
        module = where.get(name)
        if module is None:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        value = getattr(importlib.import_module(module, package), name)
        namespace[name] = value
        return value

    def __dir__() -> list[str]:
        return sorted({*namespace, *where})

    return __getattr__, __dir__


class _HttpxWithoutCli:
    """Declines ``httpx._main`` once, so that ``import httpx`` falls back to its stub CLI.

    A meta path finder (``importlib.abc.MetaPathFinder`` in spirit: importing that module
    would cost more than all the rest of ``import qoder_async``).
    """

    def find_spec(
        self,
        fullname: str,
        path: Sequence[str] | None,
        target: ModuleType | None = None,
    ) -> ModuleSpec | None:
        if fullname != "httpx._main":
            return None
        sys.meta_path.remove(self)
        raise ModuleNotFoundError("qoder_async does not use httpx's CLI", name=fullname)


def skip_httpx_cli() -> None:
    """Keep ``import httpx`` from importing its command line.

    httpx imports its CLI (click, rich, pygments: ~70 ms) whenever those are installed, as
    they are with our ``cli`` extra; the SDK never uses it. Once httpx is imported the finder
    is gone, and ``import httpx._main`` works as usual; only ``httpx.main`` in this process is
    httpx's "install httpx[cli]" stub. Nothing is done if httpx is already imported.
    """
    if "httpx" not in sys.modules and not any(
        isinstance(finder, _HttpxWithoutCli) for finder in sys.meta_path
    ):
        sys.meta_path.insert(0, _HttpxWithoutCli())
