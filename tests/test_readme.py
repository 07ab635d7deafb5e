"""Every Python block of the README runs against the emulator (``<!-- no-test -->`` skips one).

A block with ``anyio.run(...)`` runs as a script; any other runs with top-level ``await``
inside an event loop, given a ``client`` and a ``session`` to work with. ``AsyncQoder()``
finds the emulator through ``QODER_BASE_URL`` and ``QODER_ACCESS_TOKEN``.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path
from typing import Any

import anyio
import pytest

import qoder_async as qa
from qoder_async.testing import Emulator

README = Path(__file__).resolve().parents[1] / "README.md"
BLOCK = re.compile(r"(<!-- no-test[^>]*-->\n)?```python\n(.*?)```", re.DOTALL)


def _blocks() -> list[Any]:
    found = []
    for number, match in enumerate(BLOCK.finditer(README.read_text()), start=1):
        marks = [pytest.mark.skip(reason="marked no-test in the README")] if match[1] else []
        found.append(pytest.param(match[2], id=f"block{number}", marks=marks))
    return found


def test_the_readme_has_python_blocks_to_run() -> None:
    assert len([b for b in _blocks() if not b.marks]) >= 4


@pytest.mark.parametrize("code", _blocks())
def test_readme_block_runs(
    code: str, emulator: Emulator, monkeypatch: pytest.MonkeyPatch, capsys: Any
) -> None:
    monkeypatch.setenv("QODER_BASE_URL", emulator.base_url)
    monkeypatch.setenv("QODER_ACCESS_TOKEN", "readme")
    monkeypatch.delenv("QODER_PAT", raising=False)
    namespace: dict[str, Any] = {"qa": qa, "anyio": anyio}
    if "anyio.run(" in code:
        exec(compile(code, "README.md", "exec"), namespace)
        return
    compiled = compile(code, "README.md", "exec", flags=ast.PyCF_ALLOW_TOP_LEVEL_AWAIT)

    async def run() -> None:
        async with qa.AsyncQoder() as client:
            agent = await client.agents.create(name="readme", model="ultimate")
            env = await client.environments.create(name="readme")
            session = await client.sessions.create(agent=agent.id, environment_id=env.id)
            namespace.update(client=client, session=session)
            result = eval(compiled, namespace)
            if result is not None:
                await result

    anyio.run(run)
