"""The files of a skill upload: a directory, or relative names mapped to sources.

Each file becomes one ``files`` part whose filename is its path relative to the skill's
parent folder (``my-skill/SKILL.md``, ``my-skill/templates/report.md``): that is how the
API keeps the layout. Every file must sit in one top-level folder holding ``SKILL.md``;
that is checked here, before anything is sent.
"""

from __future__ import annotations

import os
import posixpath
from collections.abc import Mapping
from pathlib import Path
from typing import Union

import anyio

from .._errors import InvalidInputError
from ._download import StrPath
from ._upload import UploadSource

__all__ = ["SkillFiles", "skill_parts"]

SkillFiles = Union[StrPath, Mapping[str, UploadSource]]
"""What a skill upload takes: the skill's directory (every file under it is sent), or a
mapping of relative names (``"my-skill/SKILL.md"``) to paths, bytes or async sources."""


def _walk(root: Path) -> list[tuple[str, UploadSource]]:
    root = root.resolve()
    files = sorted(p for p in root.rglob("*") if p.is_file())
    return [(f"{root.name}/{p.relative_to(root).as_posix()}", str(p)) for p in files]


def _check_name(name: str) -> str:
    normal = posixpath.normpath(name)
    if (
        not isinstance(name, str)
        or not name
        or name.startswith("/")
        or normal.startswith("..")
        or "\\" in name
    ):
        raise InvalidInputError(f"skill file name {name!r} must be a relative path")
    return normal


async def skill_parts(files: SkillFiles) -> list[tuple[str, UploadSource]]:
    """The ``(part filename, source)`` pairs of an upload, checked.

    Raises:
        InvalidInputError: no files, a name that is not relative, files outside one
            top-level folder, or no ``SKILL.md`` in it (nothing was sent).
    """
    if isinstance(files, (str, os.PathLike)):
        root = Path(files)
        if not await anyio.Path(root).is_dir():
            raise InvalidInputError(f"{os.fspath(files)} is not a directory")
        parts = await anyio.to_thread.run_sync(_walk, root)
    elif isinstance(files, Mapping):
        parts = [(_check_name(name), source) for name, source in files.items()]
    else:
        raise InvalidInputError(
            f"cannot upload a {type(files).__name__} as a skill: pass its directory or a "
            "mapping of relative names to sources"
        )
    if not parts:
        raise InvalidInputError("a skill needs at least one file (its SKILL.md)")
    tops = {name.split("/", 1)[0] for name, _ in parts}
    if len(tops) != 1 or any("/" not in name for name, _ in parts):
        raise InvalidInputError(
            "every skill file must sit in one top-level folder (my-skill/SKILL.md, ...)"
        )
    (top,) = tops
    if f"{top}/SKILL.md" not in {name for name, _ in parts}:
        raise InvalidInputError(f"a skill needs {top}/SKILL.md")
    return parts
