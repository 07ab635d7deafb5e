"""Executors: what runs the built-in tools of a self-hosted session.

An executor is any object with ``async run(call) -> ToolOutput`` (:class:`Executor`): a
container, a remote sandbox, or :class:`LocalExecutor`, which runs them on this machine in
one working directory per session.
"""

from __future__ import annotations

import re
import subprocess
from pathlib import Path
from typing import Any, Protocol

import anyio
from attrs import field, frozen

__all__ = ["BUILT_IN_TOOLS", "Executor", "LocalExecutor", "ToolCall", "ToolOutput"]

BUILT_IN_TOOLS = frozenset({"Bash", "Read", "Write", "Edit", "Glob", "Grep"})


@frozen(kw_only=True)
class ToolCall:
    """One ``agent.tool_use`` to run: its event ``id``, the tool's ``name`` and ``input``."""

    id: str
    session_id: str
    name: str
    input: dict[str, Any] = field(factory=dict)


@frozen(kw_only=True)
class ToolOutput:
    """What a tool produced: the text answered as ``user.tool_result``."""

    text: str
    is_error: bool = False


class Executor(Protocol):
    """Runs tool calls. ``run`` may be cancelled at any point (a lost lease, a shutdown)."""

    async def run(self, call: ToolCall) -> ToolOutput:
        """Run one call; report a failure of the tool itself as ``is_error=True``."""
        ...


class ToolFailed(Exception):
    """A tool could not do what was asked; its message is the tool's error output."""


class LocalExecutor:
    """Runs ``Bash``, ``Read``, ``Write``, ``Edit``, ``Glob`` and ``Grep`` in
    ``root/<session id>``.

    File tools are confined to that directory: a path is relative to it, or absolute inside
    it; one that leads outside (``..``, another absolute path, a symlink) is an error
    result. Commands run with ``/bin/sh -c`` in it, are killed after ``timeout`` seconds
    (or the call's ``timeout`` in ms, if lower), and their output is cut to
    ``max_output`` characters. Not a sandbox: a command can reach whatever the worker's
    user can; use a container executor for untrusted agents.
    """

    def __init__(
        self, root: str | Path, *, timeout: float = 120.0, max_output: int = 30_000
    ) -> None:
        self.root = Path(root).resolve()
        self.timeout = timeout
        self.max_output = max_output

    def __repr__(self) -> str:
        return f"LocalExecutor(root={str(self.root)!r})"

    def workdir(self, session_id: str) -> Path:
        """The session's working directory (created on first use)."""
        if not session_id or "/" in session_id or session_id in (".", ".."):
            raise ValueError(f"{session_id!r} is not a session id")
        path = self.root / session_id
        path.mkdir(parents=True, exist_ok=True)
        return path

    async def run(self, call: ToolCall) -> ToolOutput:
        """Run one call; unknown tools and tool failures are error results."""
        tools = {
            "Bash": self._bash,
            "Read": self._read,
            "Write": self._write,
            "Edit": self._edit,
            "Glob": self._glob,
            "Grep": self._grep,
        }
        tool = tools.get(call.name)
        if tool is None:
            return ToolOutput(text=f"{call.name} is not run by this executor", is_error=True)
        try:
            return ToolOutput(text=self._cut(await tool(self.workdir(call.session_id), call.input)))
        except ToolFailed as exc:
            return ToolOutput(text=self._cut(str(exc)), is_error=True)
        except (OSError, UnicodeDecodeError, re.error, KeyError, TypeError) as exc:
            return ToolOutput(
                text=self._cut(f"{call.name} failed: {type(exc).__name__}: {exc}"), is_error=True
            )

    def _cut(self, text: str) -> str:
        if len(text) <= self.max_output:
            return text
        return text[: self.max_output] + f"\n[output cut at {self.max_output} characters]"

    @staticmethod
    def _inside(workdir: Path, raw: object) -> Path:
        if not isinstance(raw, str) or not raw:
            raise ToolFailed("a path is required")
        path = Path(raw)
        resolved = (path if path.is_absolute() else workdir / path).resolve()
        if resolved != workdir and workdir not in resolved.parents:
            raise ToolFailed(f"{raw} is outside the working directory")
        return resolved

    async def _bash(self, workdir: Path, args: dict[str, Any]) -> str:
        command = args.get("command")
        if not isinstance(command, str) or not command.strip():
            raise ToolFailed("Bash needs a command")
        limit = self.timeout
        if isinstance(args.get("timeout"), (int, float)) and args["timeout"] > 0:
            limit = min(limit, args["timeout"] / 1000)
        output = bytearray()
        async with await anyio.open_process(
            ["/bin/sh", "-c", command],
            cwd=workdir,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
        ) as process:
            assert process.stdout is not None
            with anyio.move_on_after(limit) as scope:
                async for chunk in process.stdout:
                    if len(output) <= self.max_output * 4:
                        output += chunk
                await process.wait()
            if scope.cancelled_caught:
                process.kill()
                with anyio.CancelScope(shield=True):
                    await process.wait()
                raise ToolFailed(output.decode(errors="replace") + f"\n[killed after {limit:g} s]")
        text = output.decode(errors="replace")
        if process.returncode:
            raise ToolFailed(text + f"\n[exit code {process.returncode}]")
        return text

    async def _read(self, workdir: Path, args: dict[str, Any]) -> str:
        path = self._inside(workdir, args.get("file_path"))
        lines = (await anyio.Path(path).read_text()).splitlines()
        start = max(int(args.get("offset") or 1), 1)
        count = int(args.get("limit") or 2000)
        chosen = lines[start - 1 : start - 1 + count]
        return "".join(f"{n:6}\t{line}\n" for n, line in enumerate(chosen, start=start))

    async def _write(self, workdir: Path, args: dict[str, Any]) -> str:
        path = self._inside(workdir, args.get("file_path"))
        content = args.get("content")
        if not isinstance(content, str):
            raise ToolFailed("Write needs content")
        await anyio.Path(path.parent).mkdir(parents=True, exist_ok=True)
        await anyio.Path(path).write_text(content)
        return f"Wrote {len(content)} characters to {path.relative_to(workdir)}"

    async def _edit(self, workdir: Path, args: dict[str, Any]) -> str:
        path = self._inside(workdir, args.get("file_path"))
        old, new = args.get("old_string"), args.get("new_string")
        if not isinstance(old, str) or not old or not isinstance(new, str):
            raise ToolFailed("Edit needs old_string and new_string")
        text = await anyio.Path(path).read_text()
        found = text.count(old)
        if found == 0:
            raise ToolFailed("old_string was not found")
        if found > 1 and not args.get("replace_all"):
            raise ToolFailed(f"old_string occurs {found} times; pass replace_all")
        await anyio.Path(path).write_text(text.replace(old, new))
        return f"Replaced {found if args.get('replace_all') else 1} occurrence(s)"

    async def _glob(self, workdir: Path, args: dict[str, Any]) -> str:
        base = self._inside(workdir, args.get("path") or str(workdir))
        pattern = args.get("pattern")
        if (
            not isinstance(pattern, str)
            or not pattern
            or Path(pattern).is_absolute()
            or ".." in Path(pattern).parts
        ):
            raise ToolFailed("Glob needs a relative pattern")
        found = sorted(str(p.relative_to(workdir)) for p in base.glob(pattern) if p.is_file())
        return "\n".join(found) if found else "No files found"

    async def _grep(self, workdir: Path, args: dict[str, Any]) -> str:
        base = self._inside(workdir, args.get("path") or str(workdir))
        regex = re.compile(str(args.get("pattern") or ""))
        files = [base] if base.is_file() else sorted(base.rglob(str(args.get("glob") or "*")))
        hits: list[str] = []
        for file in files:
            if not file.is_file():
                continue
            text = await anyio.Path(file).read_text(errors="replace")
            hits.extend(
                f"{file.relative_to(workdir)}:{n}:{line}"
                for n, line in enumerate(text.splitlines(), start=1)
                if regex.search(line)
            )
        return "\n".join(hits) if hits else "No matches found"
