"""Lazy public names: every one resolves, the three lists agree, and no extra is imported."""

from __future__ import annotations

import ast
import importlib
import json
import subprocess
import sys
from pathlib import Path

import pytest

import qoder_async as qa

INIT = Path(qa.__file__)
EXTRAS = {"rich", "click", "typer", "pygments", "starlette", "uvicorn", "aiohttp", "redis"}


def type_checking_imports() -> dict[str, tuple[str, ...]]:
    tree = ast.parse(INIT.read_text())
    block = next(n for n in tree.body if isinstance(n, ast.If))
    return {
        "." + str(node.module): tuple(alias.name for alias in node.names)
        for node in block.body
        if isinstance(node, ast.ImportFrom)
    }


def run_fresh(code: str) -> list[str]:
    """Run ``code`` in a new interpreter; the top-level modules it left imported."""
    probe = "; import sys, json; print(json.dumps(sorted({m.split('.')[0] for m in sys.modules})))"
    out = subprocess.run(
        [sys.executable, "-c", code + probe], capture_output=True, text=True, check=True
    )
    loaded: list[str] = json.loads(out.stdout.splitlines()[-1])
    return loaded


def test_every_public_name_resolves_to_its_module_object() -> None:
    for module, names in qa._EXPORTS.items():
        defining = importlib.import_module(module, "qoder_async")
        for name in names:
            assert getattr(qa, name) is getattr(defining, name), name


def test_exports_cover_all_and_nothing_else() -> None:
    exported = [name for names in qa._EXPORTS.values() for name in names]
    assert sorted(exported) == sorted(set(qa.__all__) - {"__version__"})


def test_exports_mirror_the_imports_type_checkers_read() -> None:
    assert type_checking_imports() == qa._EXPORTS


def test_unknown_name_raises_attribute_error() -> None:
    with pytest.raises(AttributeError, match="no_such_name"):
        _ = qa.no_such_name  # type: ignore[attr-defined]


def test_dir_lists_public_names_before_they_are_used() -> None:
    assert set(qa.__all__) <= set(dir(qa))


def test_import_alone_imports_no_dependency() -> None:
    loaded = run_fresh("import qoder_async")
    assert not {"httpx", "anyio", "attrs", "cattrs", "trio"} & set(loaded)


def test_first_stream_imports_no_optional_extra() -> None:
    loaded = run_fresh("import qoder_async as qa; qa.AsyncQoder('t').session('s').events()")
    assert "httpx" in loaded
    assert not EXTRAS & set(loaded)


def test_httpx_cli_stays_importable_after_the_sdk_skipped_it() -> None:
    pytest.importorskip("click")
    loaded = run_fresh("import qoder_async as qa; qa.AsyncQoder('t'); import httpx._main")
    assert "click" in loaded
