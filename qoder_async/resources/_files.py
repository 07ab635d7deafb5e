"""``client.files``: uploaded files and files the agent produced."""

from __future__ import annotations

from collections.abc import Sequence

from .._endpoints import Resource, endpoint
from .._models import DeletedObject, FileMetadata
from .._pagination import AsyncPager

__all__ = ["Files"]


class Files(Resource):
    """``client.files``: upload, list, retrieve_metadata, download, delete."""

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

    @endpoint("DELETE", "/files/{file_id}")
    async def delete(self, file_id: str, /) -> DeletedObject:
        """Delete a file."""
