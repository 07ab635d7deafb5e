"""``client.files``: uploaded files and files the agent produced."""

from __future__ import annotations

import json
from collections.abc import Coroutine, Sequence
from pathlib import Path
from typing import Any, overload

from .._http._bodies import json_body
from .._models._convert import converter
from .._models._objects import DeletedObject, FileMetadata
from .._models._params import check_metadata
from ._download import FileDownload, StrPath
from ._endpoints import Resource, endpoint, route, shaped
from ._pagination import AsyncPager
from ._upload import MultipartBody, UploadSource

__all__ = ["Files"]


class Files(Resource):
    """``client.files``: upload, list, retrieve_metadata, download, delete."""

    @route("POST", "/files")
    async def upload(
        self,
        file: UploadSource,
        *,
        filename: str | None = None,
        content_type: str | None = None,
        name: str | None = None,
        metadata: dict[str, str] | None = None,
        expires_in_seconds: int | None = None,
        idempotency_key: str | None = None,
    ) -> FileMetadata:
        """Upload a file, streamed: a path, bytes, an async binary file object
        (``await anyio.open_file(p, "rb")``) or an async iterator of bytes.

        ``filename`` defaults to the path's base name; ``content_type`` is guessed from it.
        A path or bytes is re-sent if the request is retried; an async file object or
        iterator can be read only once, so that upload is never retried. Mount the file with
        ``session.add_resources(FileResource.from_file(meta))`` once it is ``ready``.

        Raises:
            InvalidRequestError: the API refused a field (400).
            InvalidInputError: ``file`` is not an accepted kind (nothing was sent).
        """
        fields: list[tuple[str, str]] = []
        if name is not None:
            fields.append(("name", name))
        if metadata is not None:
            check_metadata(metadata)
            fields.append(("metadata", json.dumps(metadata)))
        if expires_in_seconds is not None:
            fields.append(("expires_in_seconds", str(expires_in_seconds)))
        body = await MultipartBody.build(
            file, fields=fields, filename=filename, content_type=content_type
        )
        client = self._client if body.replayable else self._client.copy(max_retries=0)
        response = await client.request(
            "POST", "/files", content=body, headers=body.headers, idempotency_key=idempotency_key
        )
        body = json_body(response)
        return shaped(
            response, body, lambda: converter.structure(body, FileMetadata), "FileMetadata"
        )

    @endpoint("GET", "/files")
    def list(
        self,
        *,
        limit: int | None = None,
        page: str | None = None,
        after_id: str | None = None,
        before_id: str | None = None,
        name: str | None = None,
        scope_id: str | None = None,
        ids: Sequence[str] | None = None,
    ) -> AsyncPager[FileMetadata]:
        """Files, page by page; ``scope_id`` = a session id lists the files it produced."""

    @endpoint("GET", "/files/{file_id}")
    async def retrieve_metadata(self, file_id: str, /) -> FileMetadata:
        """A file's metadata (name, size, status, ...)."""

    @overload
    def download(self, file_id: str, /, *, to: None = None) -> FileDownload: ...

    @overload
    def download(self, file_id: str, /, *, to: StrPath) -> Coroutine[Any, Any, Path]: ...

    @route("GET", "/files/{file_id}/content")
    def download(
        self, file_id: str, /, *, to: StrPath | None = None
    ) -> FileDownload | Coroutine[Any, Any, Path]:
        """A file's content, streamed: ``async for chunk in client.files.download(fid)``, or
        ``await client.files.download(fid, to="out.md")`` to write it to a file (returns
        its path).

        Raises ``NotFoundError`` (when the stream connects) if there is no such file.
        """
        content = FileDownload(self._client, file_id)
        return content if to is None else content.save(to)

    @endpoint("DELETE", "/files/{file_id}")
    async def delete(self, file_id: str, /) -> DeletedObject:
        """Delete a file."""
