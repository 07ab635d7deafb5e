"""LocalExecutor: the built-in tools in a working directory per session, confined to it."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import anyio
import pytest

import qoder_async as qa

pytestmark = pytest.mark.anyio


async def run(executor: qa.LocalExecutor, name: str, **args: Any) -> qa.ToolOutput:
    return await executor.run(qa.ToolCall(id="evt_1", session_id="sess_a", name=name, input=args))


async def test_write_then_read_in_the_session_directory(tmp_path: Path) -> None:
    executor = qa.LocalExecutor(tmp_path)
    await run(executor, "Write", file_path="a/b.txt", content="one\ntwo\n")
    assert (tmp_path / "sess_a" / "a" / "b.txt").read_text() == "one\ntwo\n"
    assert (await run(executor, "Read", file_path="a/b.txt")).text == "     1\tone\n     2\ttwo\n"


async def test_edit_glob_and_grep(tmp_path: Path) -> None:
    executor = qa.LocalExecutor(tmp_path)
    await run(executor, "Write", file_path="x.py", content="print('hi')\n")
    await run(executor, "Edit", file_path="x.py", old_string="hi", new_string="bye")
    assert (await run(executor, "Glob", pattern="*.py")).text == "x.py"
    assert (await run(executor, "Grep", pattern="bye")).text == "x.py:1:print('bye')"


@pytest.mark.parametrize("path", ["../escape.txt", "/etc/passwd"])
async def test_file_tools_are_confined_to_the_directory(tmp_path: Path, path: str) -> None:
    output = await run(qa.LocalExecutor(tmp_path / "root"), "Write", file_path=path, content="x")
    assert output.is_error
    assert "outside the working directory" in output.text
    assert not (tmp_path / "escape.txt").exists()


async def test_a_symlink_out_of_the_directory_is_refused(tmp_path: Path) -> None:
    executor = qa.LocalExecutor(tmp_path / "root")
    (executor.workdir("sess_a") / "link").symlink_to(tmp_path)
    assert (await run(executor, "Read", file_path="link/secret")).is_error


async def test_a_command_runs_in_the_directory(tmp_path: Path) -> None:
    output = await run(qa.LocalExecutor(tmp_path), "Bash", command="pwd")
    assert output.text.strip() == str((tmp_path / "sess_a").resolve())


async def test_a_command_past_its_timeout_is_killed(tmp_path: Path) -> None:
    started = anyio.current_time()
    output = await run(qa.LocalExecutor(tmp_path, timeout=0.3), "Bash", command="sleep 20")
    assert output.is_error
    assert "killed after 0.3 s" in output.text
    assert anyio.current_time() - started < 5


async def test_command_output_is_cut_at_the_limit(tmp_path: Path) -> None:
    output = await run(
        qa.LocalExecutor(tmp_path, max_output=100), "Bash", command="yes | head -c 100000"
    )
    assert len(output.text) < 200
    assert "cut at 100 characters" in output.text


async def test_a_failing_command_is_an_error_result(tmp_path: Path) -> None:
    output = await run(qa.LocalExecutor(tmp_path), "Bash", command="echo oops; exit 3")
    assert output.is_error
    assert "oops" in output.text
    assert "exit code 3" in output.text


async def test_an_unknown_tool_is_an_error_result(tmp_path: Path) -> None:
    assert (await run(qa.LocalExecutor(tmp_path), "WebFetch", url="x")).is_error
