"""Memory stores, memories and memory versions (managed-groups §2).

Every create, change or delete of a memory writes an immutable version; a redacted version
loses its content for good but keeps its hash and size. The scripted agent writes memories
through :func:`write_memory`, as the session that made the change.
"""

from __future__ import annotations

import copy
import hashlib
from typing import Any

from starlette.datastructures import QueryParams
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from .._errors import bad_request, conflict, not_found
from .._ids import new_id, now_timestamp
from .._pagination import paginate
from .._params import (
    apply_metadata_patch,
    created_at_filter,
    matches_created_at,
    optional_string,
    query_bool,
    require_string,
    validate_metadata,
)
from .._responses import api, core_of, json_response, read_json
from .._store import Store

__all__ = ["memory_files", "routes", "write_memory"]

API_ACTOR = {"type": "api_key", "api_key_id": "apikey_emulator"}
OPERATIONS = ("created", "modified", "deleted")


def _sha256(content: str) -> str:
    return hashlib.sha256(content.encode()).hexdigest()


def _view(query: QueryParams) -> str:
    view = query.get("view") or "basic"
    if view not in ("basic", "full"):
        raise bad_request("view must be 'basic' or 'full'.", "view")
    return view


def _path(value: Any) -> str:
    if not isinstance(value, str) or not value.strip():
        raise bad_request("Missing required field: path", "path")
    if value.startswith("/"):
        raise bad_request("path must be relative (no leading '/').", "path")
    return value


def _store_record(store: Store, memory_store_id: str) -> dict[str, Any]:
    record = store.memory_stores.get(memory_store_id)
    if record is None:
        raise not_found("Memory store", memory_store_id)
    return record


def _store_view(store: Store, record: dict[str, Any]) -> dict[str, Any]:
    view = copy.deepcopy(record)
    entries = [m for m in store.memories.values() if m["memory_store_id"] == record["id"]]
    view["entry_count"] = len(entries)
    view["total_size"] = sum(m["content_size_bytes"] for m in entries)
    return view


def _memory_view(memory: dict[str, Any], view: str) -> dict[str, Any]:
    shown = copy.deepcopy(memory)
    if view != "full":
        shown.pop("content", None)
    return shown


def _version(
    store: Store, memory: dict[str, Any], operation: str, actor: dict[str, Any]
) -> dict[str, Any]:
    deleted = operation == "deleted"
    version = {
        "id": new_id("memver_"),
        "type": "memory_version",
        "memory_id": memory["id"],
        "memory_store_id": memory["memory_store_id"],
        "operation": operation,
        "path": memory["path"],
        "content": None if deleted else memory["content"],
        "content_sha256": "" if deleted else memory["content_sha256"],
        "content_size_bytes": 0 if deleted else memory["content_size_bytes"],
        "created_by": copy.deepcopy(actor),
        "created_at": now_timestamp(),
        "redacted_at": None,
        "redacted_by": None,
    }
    store.memory_versions[version["id"]] = version
    memory["memory_version_id"] = version["id"]
    return version


def _writable(record: dict[str, Any]) -> None:
    if record["archived_at"] is not None:
        raise conflict(f"Memory store '{record['id']}' is archived.")


def _taken(store: Store, memory_store_id: str, path: str, other_than: str | None = None) -> bool:
    return any(
        m["memory_store_id"] == memory_store_id and m["path"] == path and m["id"] != other_than
        for m in store.memories.values()
    )


def _new_memory(
    store: Store,
    record: dict[str, Any],
    path: str,
    content: str,
    metadata: dict[str, Any],
    actor: dict[str, Any],
) -> dict[str, Any]:
    _writable(record)
    if _taken(store, record["id"], path):
        raise conflict(f"A memory already exists at path '{path}'.")
    now = now_timestamp()
    memory = {
        "id": new_id("mem_"),
        "type": "memory",
        "memory_store_id": record["id"],
        "path": path,
        "content": content,
        "content_sha256": _sha256(content),
        "content_size_bytes": len(content.encode()),
        "memory_version_id": None,
        "metadata": metadata,
        "created_at": now,
        "updated_at": now,
    }
    store.memories[memory["id"]] = memory
    _version(store, memory, "created", actor)
    record["updated_at"] = now
    return memory


def write_memory(
    store: Store, memory_store_id: str, path: str, content: str, session_id: str
) -> dict[str, Any]:
    """Create or overwrite the memory at ``path`` as ``session_id`` (the scripted agent's
    write); returns the memory. Raises ``ApiError`` 409 for an archived store."""
    actor = {"type": "session", "session_id": session_id}
    with store.lock:
        record = _store_record(store, memory_store_id)
        existing = next(
            (
                m
                for m in store.memories.values()
                if m["memory_store_id"] == memory_store_id and m["path"] == path
            ),
            None,
        )
        if existing is None:
            return copy.deepcopy(_new_memory(store, record, path, content, {}, actor))
        _writable(record)
        existing.update(
            content=content,
            content_sha256=_sha256(content),
            content_size_bytes=len(content.encode()),
            updated_at=now_timestamp(),
        )
        _version(store, existing, "modified", actor)
        return copy.deepcopy(existing)


def memory_files(store: Store, memory_store_id: str, mount_path: str) -> dict[str, bytes]:
    """A store's memories as the files a session sees under ``mount_path``."""
    with store.lock:
        return {
            f"{mount_path}/{m['path']}": m["content"].encode()
            for m in sorted(store.memories.values(), key=lambda m: m["id"])
            if m["memory_store_id"] == memory_store_id
        }


# --- stores ---------------------------------------------------------------------------------


@api
async def create_store(request: Request) -> Response:
    """POST /memory_stores."""
    body = await read_json(request)
    now = now_timestamp()
    record: dict[str, Any] = {
        "id": new_id("memstore_"),
        "type": "memory_store",
        "name": require_string(body, "name", max_length=256),
        "description": optional_string(body, "description"),
        "metadata": validate_metadata(body.get("metadata")),
        "status": "active",
        "created_at": now,
        "updated_at": now,
        "archived_at": None,
    }
    store = core_of(request).store
    with store.lock:
        store.memory_stores[record["id"]] = record
        return json_response(_store_view(store, record), 201)


@api
async def list_stores(request: Request) -> Response:
    """GET /memory_stores: newest first; ``name`` is a case-insensitive prefix."""
    store = core_of(request).store
    query = request.query_params
    include_archived = query_bool(query, "include_archived")
    bounds = created_at_filter(query)
    name = (query.get("name") or "").lower()
    with store.lock:
        items = [
            record
            for record in sorted(store.memory_stores.values(), key=lambda r: r["id"])
            if (include_archived or record["archived_at"] is None)
            and matches_created_at(record["created_at"], bounds)
            and record["name"].lower().startswith(name)
        ]
        page = paginate(
            items,
            query,
            render=lambda r: _store_view(store, r),
            default_order="desc",
            allow_order=False,
        )
        return json_response(page)


@api
async def retrieve_store(request: Request) -> Response:
    """GET /memory_stores/{memory_store_id}."""
    store = core_of(request).store
    with store.lock:
        record = _store_record(store, request.path_params["memory_store_id"])
        return json_response(_store_view(store, record))


@api
async def update_store(request: Request) -> Response:
    """POST /memory_stores/{memory_store_id}: name, description, metadata patch."""
    body = await read_json(request)
    store = core_of(request).store
    with store.lock:
        record = _store_record(store, request.path_params["memory_store_id"])
        updated = copy.deepcopy(record)
        if body.get("name") is not None:
            updated["name"] = require_string(body, "name", max_length=256)
        if "description" in body:
            updated["description"] = optional_string(body, "description")
        if "metadata" in body:
            updated["metadata"] = apply_metadata_patch(updated["metadata"], body["metadata"])
        updated["updated_at"] = now_timestamp()
        record.update(updated)
        return json_response(_store_view(store, record))


@api
async def archive_store(request: Request) -> Response:
    """POST /memory_stores/{memory_store_id}/archive; twice gives 409."""
    store = core_of(request).store
    with store.lock:
        record = _store_record(store, request.path_params["memory_store_id"])
        if record["archived_at"] is not None:
            raise conflict(f"Memory store '{record['id']}' is already archived.")
        record["archived_at"] = record["updated_at"] = now_timestamp()
        record["status"] = "archived"
        return json_response(_store_view(store, record))


@api
async def delete_store(request: Request) -> Response:
    """DELETE /memory_stores/{memory_store_id}: with every memory and version."""
    store = core_of(request).store
    with store.lock:
        record = _store_record(store, request.path_params["memory_store_id"])
        del store.memory_stores[record["id"]]
        for table in (store.memories, store.memory_versions):
            for key in [k for k, v in table.items() if v["memory_store_id"] == record["id"]]:
                del table[key]
    return json_response({"id": record["id"], "type": "memory_store_deleted"})


# --- memories -------------------------------------------------------------------------------


def _memory(store: Store, request: Request) -> tuple[dict[str, Any], dict[str, Any]]:
    record = _store_record(store, request.path_params["memory_store_id"])
    memory_id = request.path_params["memory_id"]
    memory = store.memories.get(memory_id)
    if memory is None or memory["memory_store_id"] != record["id"]:
        raise not_found("Memory", memory_id)
    return record, memory


@api
async def create_memory(request: Request) -> Response:
    """POST /memory_stores/{id}/memories (query ``view``)."""
    body = await read_json(request)
    view = _view(request.query_params)
    path = _path(body.get("path"))
    content = body.get("content")
    if not isinstance(content, str):
        raise bad_request("Missing required field: content", "content")
    store = core_of(request).store
    with store.lock:
        record = _store_record(store, request.path_params["memory_store_id"])
        metadata = validate_metadata(body.get("metadata"))
        memory = _new_memory(store, record, path, content, metadata, API_ACTOR)
        return json_response(_memory_view(memory, view), 201)


def _depth(query: QueryParams) -> int | None:
    raw = query.get("depth")
    if raw is None or raw == "":
        return None
    try:
        depth = int(raw)
    except ValueError:
        raise bad_request("depth must be a positive integer.", "depth") from None
    if depth < 1:
        raise bad_request("depth must be a positive integer.", "depth")
    return depth


@api
async def list_memories(request: Request) -> Response:
    """GET /memory_stores/{id}/memories: never with content. ``depth`` keeps the entries at
    most that many levels below ``path_prefix`` (the emulator lists no prefix rows)."""
    query = request.query_params
    _view(query)
    prefix = query.get("path_prefix") or ""
    depth = _depth(query)
    store = core_of(request).store
    with store.lock:
        record = _store_record(store, request.path_params["memory_store_id"])
        items = [
            m
            for m in sorted(store.memories.values(), key=lambda m: m["id"])
            if m["memory_store_id"] == record["id"]
            and m["path"].startswith(prefix)
            and (depth is None or m["path"][len(prefix) :].strip("/").count("/") < depth)
        ]
        return json_response(paginate(items, query, render=lambda m: _memory_view(m, "basic")))


@api
async def retrieve_memory(request: Request) -> Response:
    """GET /memory_stores/{id}/memories/{memory_id} (query ``view``)."""
    view = _view(request.query_params)
    store = core_of(request).store
    with store.lock:
        _, memory = _memory(store, request)
        return json_response(_memory_view(memory, view))


@api
async def update_memory(request: Request) -> Response:
    """POST /memory_stores/{id}/memories/{memory_id}: content, rename, metadata patch, with
    an optional ``content_sha256`` precondition (409 when it does not match)."""
    body = await read_json(request)
    view = _view(request.query_params)
    expected = body.get("content_sha256")
    precondition = body.get("precondition")
    if isinstance(precondition, dict) and precondition.get("type") == "content_sha256":
        given = precondition.get("content_sha256")
        if expected is not None and given != expected:
            raise bad_request("content_sha256 and precondition disagree.", "precondition")
        expected = given
    store = core_of(request).store
    with store.lock:
        record, memory = _memory(store, request)
        _writable(record)
        if expected is not None and expected != memory["content_sha256"]:
            raise conflict("content_sha256 does not match the stored content.")
        changed = False
        if body.get("path") is not None:
            path = _path(body["path"])
            if _taken(store, record["id"], path, other_than=memory["id"]):
                raise conflict(f"A memory already exists at path '{path}'.")
            changed |= path != memory["path"]
            memory["path"] = path
        if body.get("content") is not None:
            content = body["content"]
            if not isinstance(content, str):
                raise bad_request("Field 'content' must be a string.", "content")
            changed |= content != memory["content"]
            memory.update(
                content=content,
                content_sha256=_sha256(content),
                content_size_bytes=len(content.encode()),
            )
        if "metadata" in body:
            memory["metadata"] = apply_metadata_patch(memory["metadata"], body["metadata"])
        memory["updated_at"] = now_timestamp()
        if changed:
            _version(store, memory, "modified", API_ACTOR)
        return json_response(_memory_view(memory, view))


@api
async def delete_memory(request: Request) -> Response:
    """DELETE /memory_stores/{id}/memories/{memory_id} (``expected_content_sha256``)."""
    expected = request.query_params.get("expected_content_sha256")
    store = core_of(request).store
    with store.lock:
        record, memory = _memory(store, request)
        _writable(record)
        if expected and expected != memory["content_sha256"]:
            raise conflict("expected_content_sha256 does not match the stored content.")
        _version(store, memory, "deleted", API_ACTOR)
        del store.memories[memory["id"]]
    return json_response({"id": memory["id"], "type": "memory_deleted"})


# --- versions -------------------------------------------------------------------------------


def _version_view(version: dict[str, Any], view: str) -> dict[str, Any]:
    shown = copy.deepcopy(version)
    if view != "full" or shown["redacted_at"] is not None:
        shown.pop("content", None)
    return shown


_ACTOR_FILTERS = ("session_id", "api_key_id", "service_account_id")


@api
async def list_versions(request: Request) -> Response:
    """GET /memory_stores/{id}/memory_versions: newest first, with filters."""
    query = request.query_params
    view = _view(query)
    operation = query.get("operation")
    if operation and operation not in OPERATIONS:
        raise bad_request(f"operation must be one of {', '.join(OPERATIONS)}.", "operation")
    bounds = created_at_filter(query)
    memory_id = query.get("memory_id")
    actors = {name: query.get(name) for name in _ACTOR_FILTERS if query.get(name)}
    store = core_of(request).store
    with store.lock:
        record = _store_record(store, request.path_params["memory_store_id"])
        items = [
            v
            for v in sorted(store.memory_versions.values(), key=lambda v: v["id"])
            if v["memory_store_id"] == record["id"]
            and (not memory_id or v["memory_id"] == memory_id)
            and (not operation or v["operation"] == operation)
            and matches_created_at(v["created_at"], bounds)
            and all(v["created_by"].get(k) == value for k, value in actors.items())
        ]
        page = paginate(
            items,
            query,
            render=lambda v: _version_view(v, view),
            default_order="desc",
            allow_order=False,
        )
        return json_response(page)


def _stored_version(store: Store, request: Request) -> dict[str, Any]:
    record = _store_record(store, request.path_params["memory_store_id"])
    version_id = request.path_params["memory_version_id"]
    version = store.memory_versions.get(version_id)
    if version is None or version["memory_store_id"] != record["id"]:
        raise not_found("Memory version", version_id)
    return version


@api
async def retrieve_version(request: Request) -> Response:
    """GET /memory_stores/{id}/memory_versions/{memory_version_id} (query ``view``)."""
    view = _view(request.query_params)
    store = core_of(request).store
    with store.lock:
        return json_response(_version_view(_stored_version(store, request), view))


@api
async def redact_version(request: Request) -> Response:
    """POST …/memory_versions/{memory_version_id}/redact: drop the content, keep the hash."""
    store = core_of(request).store
    with store.lock:
        version = _stored_version(store, request)
        if version["redacted_at"] is None:
            version["content"] = None
            version["redacted_at"] = now_timestamp()
            version["redacted_by"] = copy.deepcopy(API_ACTOR)
        return json_response(_version_view(version, "basic"))


def routes(prefix: str) -> list[Route]:
    """The memory store routes under ``prefix``."""
    item = f"{prefix}/memory_stores/{{memory_store_id}}"
    memory = f"{item}/memories/{{memory_id}}"
    version = f"{item}/memory_versions/{{memory_version_id}}"
    return [
        Route(f"{prefix}/memory_stores", create_store, methods=["POST"]),
        Route(f"{prefix}/memory_stores", list_stores, methods=["GET"]),
        Route(item, retrieve_store, methods=["GET"]),
        Route(item, update_store, methods=["POST"]),
        Route(item, delete_store, methods=["DELETE"]),
        Route(f"{item}/archive", archive_store, methods=["POST"]),
        Route(f"{item}/memories", create_memory, methods=["POST"]),
        Route(f"{item}/memories", list_memories, methods=["GET"]),
        Route(memory, retrieve_memory, methods=["GET"]),
        Route(memory, update_memory, methods=["POST"]),
        Route(memory, delete_memory, methods=["DELETE"]),
        Route(f"{item}/memory_versions", list_versions, methods=["GET"]),
        Route(version, retrieve_version, methods=["GET"]),
        Route(f"{version}/redact", redact_version, methods=["POST"]),
    ]
