"""Memory stores, their memories (path-addressed text entries) and memory versions.

Older documentation spells several fields differently (``store_id``, ``entry_id``,
``entry_path``, ``size``, ``action``); the converter reads those spellings into the fields
below. ``status``, ``operation`` and a list row's ``type`` are open strings.
"""

from __future__ import annotations

from attrs import field, frozen

from ._content import JSONObject

__all__ = ["Memory", "MemoryStore", "MemoryVersion"]


@frozen(kw_only=True)
class MemoryStore:
    """A memory store: ``description`` is what an agent sees when the store is attached."""

    id: str
    type: str = "memory_store"
    name: str = ""
    description: str | None = None
    metadata: dict[str, str] = field(factory=dict)
    status: str | None = None
    entry_count: int | None = None
    total_size: int | None = None
    created_at: str | None = None
    updated_at: str | None = None
    archived_at: str | None = None
    raw: JSONObject = field(factory=dict, repr=False, eq=False)


@frozen(kw_only=True)
class Memory:
    """One entry of a store at ``path``; ``content`` only in the ``full`` view.

    List rows are a union on ``type``: ``"memory"`` rows are entries, other types (such as
    the prefix rows a ``depth`` listing folds deeper paths into) carry at least ``path``
    (their ``id`` may be empty).
    """

    id: str = ""
    type: str = "memory"
    memory_store_id: str | None = None
    path: str = ""
    content: str | None = None
    content_sha256: str | None = None
    content_size_bytes: int | None = None
    memory_version_id: str | None = None
    metadata: dict[str, str] = field(factory=dict)
    created_at: str | None = None
    updated_at: str | None = None
    raw: JSONObject = field(factory=dict, repr=False, eq=False)


@frozen(kw_only=True)
class MemoryVersion:
    """An immutable record of one change to a memory (``operation``: ``created``,
    ``modified`` or ``deleted``). A redacted version has lost its ``content`` for good; its
    hash and size stay. ``created_by``/``redacted_by`` are actors
    (``{"type": ..., "session_id": ...}``)."""

    id: str
    type: str = "memory_version"
    memory_id: str | None = None
    memory_store_id: str | None = None
    operation: str | None = None
    path: str | None = None
    content: str | None = None
    content_sha256: str | None = None
    content_size_bytes: int | None = None
    created_by: JSONObject | None = None
    redacted_by: JSONObject | None = None
    created_at: str | None = None
    redacted_at: str | None = None
    raw: JSONObject = field(factory=dict, repr=False, eq=False)

    @property
    def redacted(self) -> bool:
        """Whether the content was redacted (``redacted_at`` set, or the old ``redacted``)."""
        return self.redacted_at is not None or self.raw.get("redacted") is True
