"""Session resources (§5): validation and normalisation of file and repository mounts."""

from __future__ import annotations

import copy
import posixpath
from collections.abc import Iterable
from typing import Any
from urllib.parse import urlparse

from ._errors import ApiError, bad_request, conflict
from ._ids import now_timestamp
from ._store import Store

__all__ = ["build_resources", "resource_keys"]

DATA_ROOT = "/data/"
MAX_PATH = 512
MEMORY_ROOT = "/mnt/memory/"
MAX_INSTRUCTIONS = 4096


def _mount_path(raw: dict[str, Any], file_id: str, where: str) -> str:
    path, alias = raw.get("path"), raw.get("mount_path")
    if path is not None and alias is not None and path != alias:
        raise bad_request(
            f"{where}: path and mount_path must be equal when both are given.", f"{where}.path"
        )
    chosen = path if path is not None else alias
    if chosen is None:
        chosen = f"{DATA_ROOT}{file_id}"
    if not isinstance(chosen, str) or not chosen.strip():
        raise bad_request(f"{where}: path must be a non-empty string.", f"{where}.path")
    if not chosen.startswith("/"):
        chosen = DATA_ROOT + chosen
    normalised = posixpath.normpath(chosen)
    if not normalised.startswith(DATA_ROOT) or normalised == DATA_ROOT.rstrip("/"):
        raise bad_request(f"{where}: path must stay inside {DATA_ROOT}.", f"{where}.path")
    if len(normalised) > MAX_PATH:
        raise bad_request(f"{where}: path must be at most {MAX_PATH} characters.", f"{where}.path")
    return normalised


def _file_resource(store: Store, raw: dict[str, Any], where: str) -> dict[str, Any]:
    file_id = raw.get("file_id")
    if not isinstance(file_id, str) or not file_id:
        raise bad_request(f"{where}: missing required field 'file_id'.", f"{where}.file_id")
    path = _mount_path(raw, file_id, where)
    stored = store.files.get(file_id)
    if stored is None:
        raise ApiError(404, f"File '{file_id}' was not found.")
    if stored.meta.get("status") != "ready":
        raise conflict(f"File '{file_id}' is not ready (status '{stored.meta.get('status')}').")
    now = now_timestamp()
    return {
        "id": store.ids.new("sres_"),
        "type": "file",
        "file_id": file_id,
        "path": path,
        "mount_path": path,
        "created_at": now,
        "updated_at": now,
    }


def _repository_resource(store: Store, raw: dict[str, Any], where: str) -> dict[str, Any]:
    url = raw.get("url")
    parsed = urlparse(url) if isinstance(url, str) else None
    if parsed is None or parsed.scheme not in ("http", "https") or not parsed.netloc:
        raise bad_request(f"{where}: url must be a repository URL.", f"{where}.url")
    assert isinstance(url, str)
    repo_name = parsed.path.rstrip("/").rsplit("/", 1)[-1].removesuffix(".git") or "repo"
    mount_path = raw.get("mount_path") or f"/workspace/{repo_name}"
    if not isinstance(mount_path, str):
        raise bad_request(f"{where}: mount_path must be a string.", f"{where}.mount_path")
    checkout = raw.get("checkout")
    if checkout is not None and (
        not isinstance(checkout, dict) or checkout.get("type") not in ("branch", "commit")
    ):
        raise bad_request(
            f"{where}: checkout.type must be 'branch' or 'commit'.", f"{where}.checkout"
        )
    now = now_timestamp()
    resource: dict[str, Any] = {
        "id": store.ids.new("sres_"),
        "type": "github_repository",
        "url": url,
        "mount_path": mount_path,
    }
    if checkout is not None:
        resource["checkout"] = copy.deepcopy(checkout)
    token = raw.get("authorization_token")
    if token is not None:
        if not isinstance(token, str):
            raise bad_request(
                f"{where}: authorization_token must be a string.", f"{where}.authorization_token"
            )
        resource["authorization_token"] = token
    resource["created_at"] = now
    resource["updated_at"] = now
    return resource


def _memory_store_resource(store: Store, raw: dict[str, Any], where: str) -> dict[str, Any]:
    store_id = raw.get("memory_store_id")
    if not isinstance(store_id, str) or not store_id:
        raise bad_request(
            f"{where}: missing required field 'memory_store_id'.", f"{where}.memory_store_id"
        )
    record = store.memory_stores.get(store_id)
    if record is None:
        raise ApiError(404, f"Memory store '{store_id}' was not found.")
    access = raw.get("access", "read_write")
    if access not in ("read_write", "read_only"):
        raise bad_request(
            f"{where}: access must be 'read_write' or 'read_only'.", f"{where}.access"
        )
    instructions = raw.get("instructions")
    if instructions is not None and (
        not isinstance(instructions, str) or len(instructions) > MAX_INSTRUCTIONS
    ):
        raise bad_request(
            f"{where}: instructions must be a string of at most {MAX_INSTRUCTIONS} characters.",
            f"{where}.instructions",
        )
    now = now_timestamp()
    return {
        "id": store.ids.new("sres_"),
        "type": "memory_store",
        "memory_store_id": store_id,
        "access": access,
        "name": record["name"],
        "description": record["description"],
        "instructions": instructions,
        "mount_path": MEMORY_ROOT + store_id,
        "created_at": now,
        "updated_at": now,
    }


def resource_keys(resource: dict[str, Any]) -> set[str]:
    """What may be mounted only once per session: the file id, the path, the repo URL,
    the memory store."""
    if resource["type"] == "memory_store":
        return {f"memory_store:{resource['memory_store_id']}"}
    if resource["type"] == "file":
        return {f"file:{resource['file_id']}", f"path:{resource['mount_path']}"}
    return {f"url:{resource['url']}", f"path:{resource['mount_path']}"}


def build_resources(
    store: Store,
    raw_items: Any,
    existing: Iterable[dict[str, Any]],
    param: str = "resources",
    *,
    memory_stores: bool = False,
) -> list[dict[str, Any]]:
    """Validate and normalise resources to add; call with the store lock held.

    400 for malformed items or duplicates inside the request, 404 for unknown files, 409 for
    files not ready or things already mounted. ``memory_stores``: whether ``memory_store``
    resources are accepted (at session create only).
    """
    if not isinstance(raw_items, list) or not raw_items:
        raise bad_request(f"{param} must be a non-empty array.", param)
    taken: set[str] = set()
    for resource in existing:
        taken |= resource_keys(resource)
    seen: set[str] = set()
    built: list[dict[str, Any]] = []
    for index, raw in enumerate(raw_items):
        where = f"{param}[{index}]"
        if not isinstance(raw, dict):
            raise bad_request(f"{where} must be an object.", where)
        kind = raw.get("type", "file")
        if kind == "file":
            resource = _file_resource(store, raw, where)
        elif kind == "github_repository":
            resource = _repository_resource(store, raw, where)
        elif kind == "memory_store" and memory_stores:
            resource = _memory_store_resource(store, raw, where)
        else:
            raise bad_request(
                f"{where}: field 'type' must be 'file' or 'github_repository'.", f"{where}.type"
            )
        keys = resource_keys(resource)
        if keys & seen:
            raise bad_request(f"{where}: duplicate resource in the request.", where)
        if keys & taken:
            raise conflict(f"{where}: this resource is already mounted on the session.")
        seen |= keys
        built.append(resource)
    return built
