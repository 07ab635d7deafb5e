"""``client.memory_stores`` with ``memories`` and ``memory_versions``: persistent,
path-addressed text that agents read and write across sessions.

Every create, change or delete of a memory writes an immutable version; a version can be
redacted, which drops its content for good. Path ids are positional in path order:
``memories.retrieve(memory_store_id, memory_id)`` (the official SDK takes ``memory_id``
first and ``memory_store_id`` by keyword).
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import cached_property
from typing import Any, Literal

from .._config import NOT_GIVEN, NotGiven
from .._errors import InvalidInputError
from .._models._memory import Memory, MemoryStore, MemoryVersion
from .._models._objects import DeletedObject
from ._checks import one_cursor
from ._endpoints import Resource, endpoint
from ._pagination import AsyncPager

__all__ = ["Memories", "MemoryStores", "MemoryVersions", "check_memory_path"]

View = Literal["basic", "full"]
MAX_NAME = 256


def check_memory_path(path: Any) -> None:
    """A memory path is relative (``notes/2026-05-18.md``) and not empty.

    Raises:
        InvalidInputError: an empty path or one starting with ``/``.
    """
    if not isinstance(path, str) or not path.strip():
        raise InvalidInputError("a memory path must be a non-empty string")
    if path.startswith("/"):
        raise InvalidInputError(f"memory path {path!r} must be relative (no leading '/')")


def _check_name(value: Any, *, required: bool) -> None:
    if isinstance(value, NotGiven) or (value is None and not required):
        return
    if not isinstance(value, str) or not value.strip() or len(value) > MAX_NAME:
        raise InvalidInputError(f"name must be 1 to {MAX_NAME} characters")


def _check_store_create(args: Mapping[str, Any]) -> None:
    _check_name(args.get("name"), required=True)


def _check_store_update(args: Mapping[str, Any]) -> None:
    _check_name(args.get("name", NOT_GIVEN), required=False)


def _check_memory_create(args: Mapping[str, Any]) -> None:
    check_memory_path(args.get("path"))
    if not isinstance(args.get("content"), str):
        raise InvalidInputError("content must be a string")


def _check_memory_update(args: Mapping[str, Any]) -> None:
    path = args.get("path", NOT_GIVEN)
    if not isinstance(path, NotGiven):
        check_memory_path(path)


class Memories(Resource):
    """``client.memory_stores.memories``: the entries of a store."""

    @endpoint(
        "POST",
        "/memory_stores/{memory_store_id}/memories",
        query=("view",),
        check=_check_memory_create,
    )
    async def create(
        self,
        memory_store_id: str,
        /,
        *,
        path: str,
        content: str,
        metadata: dict[str, str] | None = None,
        view: View | None = None,
        idempotency_key: str | None = None,
    ) -> Memory:
        """Write a new memory at ``path`` (relative, unique in the store).

        Raises ``InvalidInputError`` for an absolute or empty path (nothing is sent),
        ``ConflictError`` when the path exists or the store is archived.
        """

    @endpoint("GET", "/memory_stores/{memory_store_id}/memories")
    def list(
        self,
        memory_store_id: str,
        /,
        *,
        path_prefix: str | None = None,
        depth: int | None = None,
        view: View | None = None,
        limit: int | None = None,
        page: str | None = None,
    ) -> AsyncPager[Memory]:
        """The store's memories, page by page, without content. Rows are a union on
        ``type``: branch on it."""

    @endpoint("GET", "/memory_stores/{memory_store_id}/memories/{memory_id}")
    async def retrieve(
        self, memory_store_id: str, memory_id: str, /, *, view: View | None = None
    ) -> Memory:
        """One memory; ``view="full"`` includes its ``content``."""

    @endpoint(
        "POST",
        "/memory_stores/{memory_store_id}/memories/{memory_id}",
        query=("view",),
        check=_check_memory_update,
    )
    async def update(
        self,
        memory_store_id: str,
        memory_id: str,
        /,
        *,
        content: str | NotGiven = NOT_GIVEN,
        path: str | NotGiven = NOT_GIVEN,
        metadata: dict[str, str | None] | NotGiven = NOT_GIVEN,
        content_sha256: str | NotGiven = NOT_GIVEN,
        view: View | None = None,
    ) -> Memory:
        """Change a memory's content, move it to another ``path`` or patch its metadata.

        With ``content_sha256`` the write applies only if the stored content has that hash
        (else ``ConflictError``): read, change, write back without losing a concurrent edit.
        """

    @endpoint("DELETE", "/memory_stores/{memory_store_id}/memories/{memory_id}")
    async def delete(
        self,
        memory_store_id: str,
        memory_id: str,
        /,
        *,
        expected_content_sha256: str | None = None,
    ) -> DeletedObject:
        """Delete a memory (a ``deleted`` version is written); with
        ``expected_content_sha256`` only if its content is unchanged."""


class MemoryVersions(Resource):
    """``client.memory_stores.memory_versions``: the change history of a store."""

    @endpoint("GET", "/memory_stores/{memory_store_id}/memory_versions")
    def list(
        self,
        memory_store_id: str,
        /,
        *,
        memory_id: str | None = None,
        session_id: str | None = None,
        api_key_id: str | None = None,
        service_account_id: str | None = None,
        operation: str | None = None,
        created_at_gte: str | None = None,
        created_at_lte: str | None = None,
        view: View | None = None,
        limit: int | None = None,
        page: str | None = None,
    ) -> AsyncPager[MemoryVersion]:
        """Versions, newest first; ``operation`` is ``created``, ``modified`` or ``deleted``."""

    @endpoint("GET", "/memory_stores/{memory_store_id}/memory_versions/{memory_version_id}")
    async def retrieve(
        self, memory_store_id: str, memory_version_id: str, /, *, view: View | None = None
    ) -> MemoryVersion:
        """One version; its content only while it is not redacted."""

    @endpoint("POST", "/memory_stores/{memory_store_id}/memory_versions/{memory_version_id}/redact")
    async def redact(self, memory_store_id: str, memory_version_id: str, /) -> MemoryVersion:
        """Drop a version's content for good (its hash and size stay, for audit)."""


class MemoryStores(Resource):
    """``client.memory_stores``: create, list, retrieve, update, archive, delete."""

    @cached_property
    def memories(self) -> Memories:
        """The entries of a store."""
        return Memories(self._client)

    @cached_property
    def memory_versions(self) -> MemoryVersions:
        """The versions of a store's entries."""
        return MemoryVersions(self._client)

    @endpoint("POST", "/memory_stores", check=_check_store_create)
    async def create(
        self,
        *,
        name: str,
        description: str | None = None,
        metadata: dict[str, str] | None = None,
        idempotency_key: str | None = None,
    ) -> MemoryStore:
        """Create an empty, active store. ``description`` is what an agent sees when the
        store is attached to its session."""

    @endpoint("GET", "/memory_stores", check=one_cursor)
    def list(
        self,
        *,
        limit: int | None = None,
        page: str | None = None,
        after_id: str | None = None,
        before_id: str | None = None,
        include_archived: bool | None = None,
        name: str | None = None,
        created_at_gte: str | None = None,
        created_at_lte: str | None = None,
    ) -> AsyncPager[MemoryStore]:
        """Stores, newest first; ``name`` is a case-insensitive prefix. ``page``,
        ``after_id`` and ``before_id`` exclude each other (``InvalidInputError``)."""

    @endpoint("GET", "/memory_stores/{memory_store_id}")
    async def retrieve(self, memory_store_id: str, /) -> MemoryStore:
        """One store."""

    @endpoint("POST", "/memory_stores/{memory_store_id}", check=_check_store_update)
    async def update(
        self,
        memory_store_id: str,
        /,
        *,
        name: str | NotGiven = NOT_GIVEN,
        description: str | NotGiven | None = NOT_GIVEN,
        metadata: dict[str, str | None] | NotGiven = NOT_GIVEN,
    ) -> MemoryStore:
        """Rename or describe a store; ``metadata`` is a patch."""

    @endpoint("POST", "/memory_stores/{memory_store_id}/archive")
    async def archive(self, memory_store_id: str, /) -> MemoryStore:
        """Archive a store: readable, but no more writes. A second archive gives
        ``ConflictError``."""

    @endpoint("DELETE", "/memory_stores/{memory_store_id}")
    async def delete(self, memory_store_id: str, /) -> DeletedObject:
        """Delete a store with all its memories and versions, for good."""
