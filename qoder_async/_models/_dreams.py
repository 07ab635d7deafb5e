"""Dream models: an asynchronous memory-consolidation job over one memory store."""

from __future__ import annotations

from attrs import field, frozen

from ._content import JSONObject

__all__ = ["DREAM_ACTIVE_STATUSES", "Dream", "DreamUsage"]

DREAM_ACTIVE_STATUSES = frozenset({"pending", "running"})
"""The statuses of a dream that has not ended (at most one such dream per user)."""


@frozen(kw_only=True)
class DreamUsage:
    """The tokens a dream used (tokens, not credits)."""

    input_tokens: int | None = None
    output_tokens: int | None = None
    cache_creation_input_tokens: int | None = None
    cache_read_input_tokens: int | None = None


@frozen(kw_only=True)
class Dream:
    """A dream. ``status`` is an open string: ``pending``, ``running``, then ``completed``,
    ``failed`` (``error`` set) or ``canceled`` (spelt as the server sends it).

    ``inputs`` are ``{"type": "memory_store", "memory_store_id"}`` and optionally
    ``{"type": "sessions", "session_ids": [...]}``; ``outputs`` (filled on completion) are
    ``{"type": "memory_store", "memory_store_id", "files_touched"}``; ``model`` is
    ``{"id", "speed"}``. ``session_id`` is the dreaming session, once running.
    """

    id: str
    type: str = "dream"
    status: str = ""
    inputs: tuple[JSONObject, ...] = ()
    outputs: tuple[JSONObject, ...] = ()
    model: str | JSONObject | None = None
    instructions: str | None = None
    output_behavior: JSONObject | None = None
    session_id: str | None = None
    usage: DreamUsage | None = None
    error: JSONObject | None = None
    created_at: str | None = None
    ended_at: str | None = None
    archived_at: str | None = None
    raw: JSONObject = field(factory=dict, repr=False, eq=False)

    @property
    def active(self) -> bool:
        """Whether the dream has not ended yet (``pending`` or ``running``)."""
        return self.status in DREAM_ACTIVE_STATUSES
