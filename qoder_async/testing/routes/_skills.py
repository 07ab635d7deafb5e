"""Skills and skill versions (managed-groups §3): multipart uploads, lists, content.

An upload is one ``files`` part per file, named by its path (``my-skill/SKILL.md``); every
file sits in one top-level folder holding ``SKILL.md``, whose frontmatter gives the name
and description. Versions are strings (``"1"``, ``"2"``, ...). Content is a zip archive.
"""

from __future__ import annotations

import copy
import io
import json
import zipfile
from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from .._errors import ApiError, bad_request, not_found
from .._ids import new_id, now_timestamp
from .._multipart import FormPart, parse_form
from .._pagination import paginate
from .._params import validate_metadata
from .._responses import api, core_of, json_response
from .._store import StoredSkill

__all__ = ["routes"]


def _frontmatter(text: str) -> dict[str, str]:
    lines = text.splitlines()
    if not lines or lines[0].strip() != "---":
        return {}
    fields: dict[str, str] = {}
    for line in lines[1:]:
        if line.strip() == "---":
            return fields
        key, colon, value = line.partition(":")
        if colon and not line.startswith((" ", "\t")):
            fields[key.strip()] = value.strip().strip("\"'")
    return {}


def _skill_files(parts: list[FormPart]) -> tuple[str, dict[str, bytes], dict[str, str]]:
    """The top-level folder, the files by name and the frontmatter of an upload."""
    files = {part.filename or "": part.data for part in parts if part.name == "files"}
    if not files:
        raise bad_request("Missing required field: files", "files")
    tops = {name.split("/", 1)[0] for name in files}
    if len(tops) != 1 or any("/" not in name or name.startswith("/") for name in files):
        raise bad_request(
            "All files must share one top-level directory containing SKILL.md.", "files"
        )
    (top,) = tops
    skill_md = files.get(f"{top}/SKILL.md")
    if skill_md is None:
        raise bad_request(f"The upload has no {top}/SKILL.md.", "files")
    front = _frontmatter(skill_md.decode("utf-8", "replace"))
    if not front.get("name") or not front.get("description"):
        raise bad_request("SKILL.md needs YAML frontmatter with a name and a description.")
    return top, files, front


def _text(parts: list[FormPart], name: str) -> str | None:
    for part in parts:
        if part.name == name:
            return part.data.decode("utf-8", "replace")
    return None


def _add_version(skill: StoredSkill, parts: list[FormPart]) -> dict[str, Any]:
    top, files, front = _skill_files(parts)
    skill.uploads += 1
    version = str(skill.uploads)
    record: dict[str, Any] = {
        "id": new_id("skillver_"),
        "type": "skill_version",
        "skill_id": skill.record["id"],
        "version": version,
        "name": front["name"],
        "description": front["description"],
        "directory": top,
        "created_at": now_timestamp(),
    }
    skill.versions.append(record)
    skill.files[version] = files
    skill.record["latest_version"] = version
    skill.record["updated_at"] = record["created_at"]
    return record


def _name(skill: StoredSkill) -> str:
    return str(skill.versions[-1]["name"]) if skill.versions else ""


def _skill(request: Request) -> StoredSkill:
    skill_id = request.path_params["skill_id"]
    skill = core_of(request).store.skills.get(skill_id)
    if skill is None:
        raise not_found("Skill", skill_id)
    return skill


def _version(skill: StoredSkill, version: str) -> dict[str, Any]:
    for record in skill.versions:
        if record["version"] == version:
            return record
    raise ApiError(404, f"Skill '{skill.record['id']}' has no version '{version}'.")


async def _form(request: Request) -> list[FormPart]:
    return parse_form(request.headers.get("content-type", ""), await request.body())


@api
async def create_skill(request: Request) -> Response:
    """POST /skills (multipart)."""
    parts = await _form(request)
    metadata: dict[str, Any] = {}
    raw_metadata = _text(parts, "metadata")
    if raw_metadata:
        try:
            metadata = validate_metadata(json.loads(raw_metadata))
        except ValueError:
            raise bad_request("metadata must be a JSON-encoded object.", "metadata") from None
    now = now_timestamp()
    skill = StoredSkill(
        record={
            "id": new_id("skill_"),
            "type": "skill",
            "display_title": _text(parts, "display_title"),
            "latest_version": None,
            "source": "custom",
            "metadata": metadata,
            "created_at": now,
            "updated_at": now,
        }
    )
    version = _add_version(skill, parts)
    if skill.record["display_title"] is None:
        skill.record["display_title"] = version["name"]
    store = core_of(request).store
    with store.lock:
        store.skills[skill.record["id"]] = skill
        return json_response(copy.deepcopy(skill.record), 201)


@api
async def list_skills(request: Request) -> Response:
    """GET /skills: newest first; ``name`` (prefix, any case), ``display_title``, ``source``."""
    query = request.query_params
    name = (query.get("name") or "").lower()
    title, source = query.get("display_title"), query.get("source")
    store = core_of(request).store
    with store.lock:
        items = [
            copy.deepcopy(skill.record)
            for _, skill in sorted(store.skills.items())
            if (not name or _name(skill).lower().startswith(name))
            and (not title or skill.record["display_title"] == title)
            and (not source or skill.record["source"] == source)
        ]
    return json_response(paginate(items, query, default_order="desc", allow_order=False))


@api
async def retrieve_skill(request: Request) -> Response:
    """GET /skills/{skill_id}."""
    with core_of(request).store.lock:
        return json_response(copy.deepcopy(_skill(request).record))


@api
async def delete_skill(request: Request) -> Response:
    """DELETE /skills/{skill_id}: agents that bind it keep the binding."""
    store = core_of(request).store
    with store.lock:
        skill_id = _skill(request).record["id"]
        del store.skills[skill_id]
    return json_response({"id": skill_id, "type": "skill_deleted"})


@api
async def create_version(request: Request) -> Response:
    """POST /skills/{skill_id}/versions (multipart)."""
    parts = await _form(request)
    with core_of(request).store.lock:
        record = _add_version(_skill(request), parts)
        return json_response(copy.deepcopy(record), 201)


@api
async def list_versions(request: Request) -> Response:
    """GET /skills/{skill_id}/versions: newest first."""
    with core_of(request).store.lock:
        items = copy.deepcopy(_skill(request).versions)
    return json_response(
        paginate(items, request.query_params, default_order="desc", allow_order=False)
    )


@api
async def retrieve_version(request: Request) -> Response:
    """GET /skills/{skill_id}/versions/{version}."""
    with core_of(request).store.lock:
        record = _version(_skill(request), request.path_params["version"])
        return json_response(copy.deepcopy(record))


@api
async def delete_version(request: Request) -> Response:
    """DELETE /skills/{skill_id}/versions/{version}: the previous one becomes the latest."""
    with core_of(request).store.lock:
        skill = _skill(request)
        record = _version(skill, request.path_params["version"])
        skill.versions.remove(record)
        del skill.files[record["version"]]
        skill.record["latest_version"] = skill.versions[-1]["version"] if skill.versions else None
        skill.record["updated_at"] = now_timestamp()
    return json_response({"id": record["id"], "type": "skill_version_deleted"})


@api
async def version_content(request: Request) -> Response:
    """GET /skills/{skill_id}/versions/{version}/content: the files as a zip archive."""
    with core_of(request).store.lock:
        skill = _skill(request)
        version = _version(skill, request.path_params["version"])["version"]
        files = dict(skill.files[version])
    archive = io.BytesIO()
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as zipped:
        for name in sorted(files):
            zipped.writestr(name, files[name])
    return Response(archive.getvalue(), media_type="application/zip")


def routes(prefix: str) -> list[Route]:
    """The skill routes under ``prefix``."""
    item = f"{prefix}/skills/{{skill_id}}"
    version = f"{item}/versions/{{version}}"
    return [
        Route(f"{prefix}/skills", create_skill, methods=["POST"]),
        Route(f"{prefix}/skills", list_skills, methods=["GET"]),
        Route(item, retrieve_skill, methods=["GET"]),
        Route(item, delete_skill, methods=["DELETE"]),
        Route(f"{item}/versions", create_version, methods=["POST"]),
        Route(f"{item}/versions", list_versions, methods=["GET"]),
        Route(version, retrieve_version, methods=["GET"]),
        Route(version, delete_version, methods=["DELETE"]),
        Route(f"{version}/content", version_content, methods=["GET"]),
    ]
