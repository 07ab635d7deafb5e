"""``client.skills`` and ``client.skills.versions``: uploaded skills and their versions."""

from __future__ import annotations

import json
from collections.abc import Coroutine, Mapping
from functools import cached_property
from pathlib import Path
from typing import Any, overload

from .._http._urls import path_segment
from .._models._convert import converter
from .._models._objects import DeletedObject
from .._models._skills import Skill, SkillVersion
from ._checks import all_of, limit_at_most, one_cursor
from ._download import SkillDownload, StrPath
from ._endpoints import Resource, endpoint, route
from ._pagination import AsyncPager
from ._skill_files import SkillFiles, skill_parts
from ._upload import MultipartBody

__all__ = ["SkillVersions", "Skills"]

_LIST = all_of(one_cursor, limit_at_most(100))


async def _upload(
    resource: Resource,
    path: str,
    files: SkillFiles,
    fields: list[tuple[str, str]],
    idempotency_key: str | None,
) -> Any:
    body = await MultipartBody.build_files(
        await skill_parts(files), fields=fields, field_name="files"
    )
    client = resource._client
    if not body.replayable:
        client = client.copy(max_retries=0)
    response = await client.request(
        "POST", path, content=body, headers=body.headers, idempotency_key=idempotency_key
    )
    return response.json()


class SkillVersions(Resource):
    """``client.skills.versions``: create, list, retrieve, delete, content."""

    @route("POST", "/skills/{skill_id}/versions")
    async def create(
        self, skill_id: str, /, files: SkillFiles, *, idempotency_key: str | None = None
    ) -> SkillVersion:
        """Upload a new version of a skill, streamed like :meth:`Skills.create`.

        Raises:
            InvalidInputError: no ``SKILL.md`` in one top-level folder (nothing was sent).
            InvalidRequestError: the API refused the files (400).
            NotFoundError: no such skill.
        """
        path = f"/skills/{path_segment(skill_id, 'skill_id')}/versions"
        answer = await _upload(self, path, files, [], idempotency_key)
        version: SkillVersion = converter.structure(answer, SkillVersion)
        return version

    @endpoint("GET", "/skills/{skill_id}/versions", check=_LIST)
    def list(
        self, skill_id: str, /, *, limit: int | None = None, page: str | None = None
    ) -> AsyncPager[SkillVersion]:
        """The versions of a skill, newest first."""

    @endpoint("GET", "/skills/{skill_id}/versions/{version}")
    async def retrieve(self, skill_id: str, version: str, /) -> SkillVersion:
        """One version of a skill (``version`` is a string such as ``"1"``)."""

    @endpoint("DELETE", "/skills/{skill_id}/versions/{version}")
    async def delete(self, skill_id: str, version: str, /) -> DeletedObject:
        """Delete one version (``type`` ``skill_version_deleted``)."""

    @overload
    def content(self, skill_id: str, version: str, /, *, to: None = None) -> SkillDownload: ...

    @overload
    def content(
        self, skill_id: str, version: str, /, *, to: StrPath
    ) -> Coroutine[Any, Any, Path]: ...

    @route("GET", "/skills/{skill_id}/versions/{version}/content")
    def content(
        self, skill_id: str, version: str, /, *, to: StrPath | None = None
    ) -> SkillDownload | Coroutine[Any, Any, Path]:
        """A version's archive, streamed: ``async for chunk in
        client.skills.versions.content(sid, "1")``, or ``await ...content(sid, "1",
        to="skill.zip")`` to write it to a file (returns its path).

        Raises ``NotFoundError`` (when the stream connects) for an unknown skill or version.
        """
        download = SkillDownload(self._client, skill_id, version)
        return download if to is None else download.save(to)


class Skills(Resource):
    """``client.skills``: create, list, retrieve, delete; ``versions``."""

    @cached_property
    def versions(self) -> SkillVersions:
        """The versions of a skill, and their content."""
        return SkillVersions(self._client)

    @route("POST", "/skills")
    async def create(
        self,
        files: SkillFiles,
        *,
        display_title: str | None = None,
        metadata: Mapping[str, str] | None = None,
        idempotency_key: str | None = None,
    ) -> Skill:
        """Upload a skill, streamed as one multipart part per file: ``files`` is the
        skill's directory (``"./my-skill"``, holding ``SKILL.md``) or a mapping of relative
        names to paths, bytes or async sources (``{"my-skill/SKILL.md": b"---\\n..."}``).

        Its name and description come from the ``SKILL.md`` frontmatter. Paths and bytes
        are re-sent if the request is retried; an async source is read once, so that upload
        is never retried.

        Raises:
            InvalidInputError: no ``SKILL.md`` in one top-level folder (nothing was sent).
            InvalidRequestError: the API refused the files (400).
        """
        fields: list[tuple[str, str]] = []
        if display_title is not None:
            fields.append(("display_title", display_title))
        if metadata is not None:
            fields.append(("metadata", json.dumps(dict(metadata))))
        answer = await _upload(self, "/skills", files, fields, idempotency_key)
        skill: Skill = converter.structure(answer, Skill)
        return skill

    @endpoint("GET", "/skills", check=_LIST)
    def list(
        self,
        *,
        limit: int | None = None,
        page: str | None = None,
        after_id: str | None = None,
        before_id: str | None = None,
        name: str | None = None,
        display_title: str | None = None,
        source: str | None = None,
    ) -> AsyncPager[Skill]:
        """Skills, newest first; ``name`` is a case-insensitive prefix of the skill's name."""

    @endpoint("GET", "/skills/{skill_id}")
    async def retrieve(self, skill_id: str, /) -> Skill:
        """One skill."""

    @endpoint("DELETE", "/skills/{skill_id}")
    async def delete(self, skill_id: str, /) -> DeletedObject:
        """Delete a skill (agents that bind it keep the binding)."""
