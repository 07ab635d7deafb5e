"""The public surface: each name listed once, resolving to its object, shown as
``qoder_async.Name``, and imported only when used."""

from __future__ import annotations

import ast
import json
import subprocess
import sys
from pathlib import Path

import pytest

import qoder_async as qa

INIT = Path(qa.__file__)
EXTRAS = {"rich", "click", "typer", "pygments", "starlette", "uvicorn", "aiohttp", "redis"}


def type_checking_block() -> list[tuple[str, str, str | None]]:
    """``(module, name, asname)`` of every import in ``__init__.py``'s TYPE_CHECKING block."""
    tree = ast.parse(INIT.read_text())
    block = next(n for n in tree.body if isinstance(n, ast.If))
    return [
        ("." + str(node.module), alias.name, alias.asname)
        for node in block.body
        if isinstance(node, ast.ImportFrom)
        for alias in node.names
    ]


def run_fresh(code: str) -> list[str]:
    """Run ``code`` in a new interpreter; the top-level modules it left imported."""
    probe = "; import sys, json; print(json.dumps(sorted({m.split('.')[0] for m in sys.modules})))"
    out = subprocess.run(
        [sys.executable, "-c", code + probe], capture_output=True, text=True, check=True
    )
    loaded: list[str] = json.loads(out.stdout.splitlines()[-1])
    return loaded


def test_exported_members() -> None:
    for name in qa.__all__:
        member = getattr(qa, name)
        if name == "__version__" or not isinstance(member, type):
            continue
        if "__annotations__" in vars(member):
            # attrs models keep their module: their string annotations resolve there.
            assert member.__module__.startswith("qoder_async."), name
        else:
            assert member.__module__ == "qoder_async", name


def test_all_is_exactly_the_names_of_the_type_checking_block() -> None:
    listed = [name for _, name, _ in type_checking_block()]
    assert sorted(qa.__all__) == sorted(["__version__", *listed])
    assert len(set(listed)) == len(listed), "a name is listed twice"


def test_every_name_is_re_exported_under_its_own_name() -> None:
    # ``import X as X`` is what tells type checkers the name is public.
    assert all(asname == name for _, name, asname in type_checking_block())


def test_a_traceback_names_the_public_class() -> None:
    with pytest.raises(qa.NotFoundError) as info:
        raise qa.NotFoundError.__new__(qa.NotFoundError)
    assert "qoder_async.NotFoundError" in repr(info.type)


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
    assert not (EXTRAS - {"click", "rich", "pygments"}) & set(loaded)


def test_the_sdk_leaves_how_other_libraries_import_alone() -> None:
    loaded = run_fresh(
        "import sys; finders = list(sys.meta_path); import qoder_async as qa; qa.AsyncQoder('t');"
        " assert sys.meta_path == finders, sys.meta_path"
    )
    assert "httpx" in loaded


def test_the_lazy_table_reads_one_line_and_parenthesised_imports() -> None:
    from qoder_async._lazy import read_exports

    source = (
        "x = 1\n"
        "if TYPE_CHECKING:\n"
        "    from ._a import A as A\n"
        "    from ._b import (\n"
        "        B as B,\n"
        "        C as C,\n"
        "    )\n"
        "    from ._d import (D as D, E as E)\n"
        "else:\n"
        "    from ._z import Z as Z\n"
    )
    assert read_exports(source) == {"A": "._a", "B": "._b", "C": "._b", "D": "._d", "E": "._d"}
