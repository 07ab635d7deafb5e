"""The package's shape: imports of our own modules sit at the top of each module.

Which layer may import which is checked by import-linter (``lint-imports`` in
``tests/check.sh``, contract in ``pyproject.toml``); an import hidden inside a function is
the usual way round such a contract, so none is allowed.
"""

from __future__ import annotations

import ast
from pathlib import Path

import qoder_async

PACKAGE = Path(qoder_async.__file__).parent

# Optional extras imported lazily on purpose, so that a missing extra is a clear message and
# a quick command does not pay for what it does not use.
LAZY_ON_PURPOSE = {
    "cli/__init__.py": "typer and rich (the cli extra): a clear message when missing",
    "cli/_app.py": "the emulator (starlette, uvicorn) only for `qoder-async emulator`",
    "cli/_connect.py": "the emulator only when no token is set",
    "_telemetry/_telemetry.py": "opentelemetry (the otel extra) on first use, if installed",
}


def own_imports_inside_functions(tree: ast.AST) -> list[int]:
    """Line numbers of imports of qoder_async modules made inside a function body."""
    lines = []
    for node in ast.walk(tree):
        if not isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            continue
        for inner in ast.walk(node):
            if (
                isinstance(inner, ast.ImportFrom)
                and (inner.level > 0 or (inner.module or "").startswith("qoder_async"))
            ) or (
                isinstance(inner, ast.Import)
                and any(alias.name.startswith("qoder_async") for alias in inner.names)
            ):
                lines.append(inner.lineno)
    return lines


def test_no_module_imports_our_own_modules_inside_a_function() -> None:
    found = {
        str(path.relative_to(PACKAGE)): lines
        for path in sorted(PACKAGE.rglob("*.py"))
        if (lines := own_imports_inside_functions(ast.parse(path.read_text())))
        and str(path.relative_to(PACKAGE)) not in LAZY_ON_PURPOSE
    }
    assert found == {}


def test_the_check_finds_an_import_inside_a_function() -> None:
    tree = ast.parse("def f():\n    from ._client import AsyncQoder\n")
    assert own_imports_inside_functions(tree) == [2]
