"""Files (§4.6): multipart upload, list, metadata, download, delete."""

from __future__ import annotations

import copy
import json
import mimetypes
import time
from typing import Any
from urllib.parse import quote

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from .._errors import bad_request, not_found
from .._ids import format_timestamp, now_timestamp
from .._multipart import FormPart, parse_form
from .._pagination import paginate
from .._params import query_list, validate_metadata
from .._responses import api, core_of, json_response
from .._store import Store, StoredFile

__all__ = ["STORAGE_PREFIX", "routes", "storage_routes", "store_file"]

STORAGE_PREFIX = "/_storage/files"


def store_file(
    store: Store,
    filename: str,
    content: bytes,
    mime_type: str | None = None,
    *,
    metadata: dict[str, Any] | None = None,
    session_id: str | None = None,
    expires_at: str | None = None,
) -> dict[str, Any]:
    """Store a ready, downloadable file; ``session_id`` scopes it (agent output). Returns a copy
    of its metadata."""
    file_id = store.ids.new("file_")
    meta: dict[str, Any] = {
        "id": file_id,
        "type": "file",
        "filename": filename,
        "mime_type": mime_type or mimetypes.guess_type(filename)[0] or "application/octet-stream",
        "size_bytes": len(content),
        "status": "ready",
        "downloadable": True,
        "metadata": dict(metadata or {}),
        "scope": {"type": "session", "id": session_id} if session_id else None,
        "created_at": now_timestamp(),
        "expires_at": expires_at,
    }
    with store.lock:
        store.files[file_id] = StoredFile(meta, content)
    return copy.deepcopy(meta)


def _text(part: FormPart | None) -> str | None:
    return None if part is None else part.data.decode("utf-8", "replace")


def _expiry(raw: str | None) -> str | None:
    if raw is None or raw == "":
        return None
    try:
        seconds = int(raw)
    except ValueError:
        raise bad_request("expires_in_seconds must be an integer.", "expires_in_seconds") from None
    if seconds <= 0:
        raise bad_request("expires_in_seconds must be positive.", "expires_in_seconds")
    return format_timestamp(time.time_ns() + seconds * 1_000_000_000)


@api
async def upload_file(request: Request) -> Response:
    """POST /files."""
    core = core_of(request)
    parts = {
        part.name: part
        for part in parse_form(request.headers.get("content-type", ""), await request.body())
    }
    upload = parts.get("file")
    if upload is None:
        raise bad_request("Missing required field: file", "file")
    metadata: dict[str, Any] = {}
    raw_metadata = _text(parts.get("metadata"))
    if raw_metadata:
        try:
            metadata = validate_metadata(json.loads(raw_metadata))
        except ValueError:
            raise bad_request("metadata must be a JSON-encoded object.", "metadata") from None
    filename = _text(parts.get("name")) or upload.filename or "upload"
    mime_type = (
        upload.content_type
        if upload.content_type and upload.content_type != "application/octet-stream"
        else mimetypes.guess_type(filename)[0] or upload.content_type or "application/octet-stream"
    )
    expires_at = _expiry(_text(parts.get("expires_in_seconds")))
    meta = store_file(
        core.store, filename, upload.data, mime_type, metadata=metadata, expires_at=expires_at
    )
    return json_response(meta)


@api
async def list_files(request: Request) -> Response:
    """GET /files."""
    core = core_of(request)
    query = request.query_params
    ids = set(query_list(query, "ids"))
    name = query.get("name")
    scope_id = query.get("scope_id")
    with core.store.lock:
        items = []
        for file_id in core.store.files:
            meta = core.store.files[file_id].meta
            if ids and file_id not in ids:
                continue
            if name and meta["filename"] != name:
                continue
            if scope_id and (meta.get("scope") or {}).get("id") != scope_id:
                continue
            items.append(meta)
        return json_response(paginate(items, query, rank=core.store.ids.rank))


def _stored(request: Request) -> StoredFile:
    file_id = request.path_params["file_id"]
    stored = core_of(request).store.files.get(file_id)
    if stored is None:
        raise not_found("File", file_id)
    return stored


@api
async def retrieve_file(request: Request) -> Response:
    """GET /files/{file_id}."""
    with core_of(request).store.lock:
        return json_response(copy.deepcopy(_stored(request).meta))


def _bytes_response(stored: StoredFile) -> Response:
    filename = quote(stored.meta["filename"])
    return Response(
        stored.content,
        media_type=stored.meta["mime_type"],
        headers={"content-disposition": f"attachment; filename*=UTF-8''{filename}"},
    )


@api
async def download_file(request: Request) -> Response:
    """The bytes themselves by default; with ``file_download="url"`` the SDKs' documented
    ``{"url": …}`` pointing at an unauthenticated storage URL."""
    core = core_of(request)
    with core.store.lock:
        stored = _stored(request)
    if core.file_download == "url":
        url = f"{core.public_url}{STORAGE_PREFIX}/{stored.meta['id']}?token={stored.download_token}"
        return json_response({"url": url})
    return _bytes_response(stored)


@api
async def delete_file(request: Request) -> Response:
    """DELETE /files/{file_id}."""
    core = core_of(request)
    file_id = request.path_params["file_id"]
    with core.store.lock:
        _stored(request)
        del core.store.files[file_id]
    return json_response({"id": file_id, "type": "file_deleted"})


async def storage_download(request: Request) -> Response:
    """The storage side of a download link: no API auth, a token in the query instead."""
    with core_of(request).store.lock:
        stored = core_of(request).store.files.get(request.path_params["file_id"])
    if stored is None or request.query_params.get("token") != stored.download_token:
        return Response("not found", status_code=404, media_type="text/plain")
    return _bytes_response(stored)


def routes(prefix: str) -> list[Route]:
    """The file routes under ``prefix``."""
    item = f"{prefix}/files/{{file_id}}"
    return [
        Route(f"{prefix}/files", upload_file, methods=["POST"]),
        Route(f"{prefix}/files", list_files, methods=["GET"]),
        Route(item, retrieve_file, methods=["GET"]),
        Route(item, delete_file, methods=["DELETE"]),
        Route(f"{item}/content", download_file, methods=["GET"]),
    ]


def storage_routes() -> list[Route]:
    """The unauthenticated storage route that download links point at."""
    return [Route(f"{STORAGE_PREFIX}/{{file_id}}", storage_download, methods=["GET"])]
