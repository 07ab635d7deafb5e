"""``client.dreams``: memory-consolidation jobs (one pending or running at a time)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from .._errors import InvalidInputError
from .._models._content import JSONObject
from .._models._dreams import Dream
from ._checks import all_of, length_at_most, limit_at_most, one_cursor
from ._endpoints import Resource, endpoint
from ._pagination import AsyncPager

__all__ = ["Dreams"]

MAX_SESSIONS = 100


def _inputs(bound: Mapping[str, Any]) -> None:
    inputs = bound["inputs"]
    kinds = [item.get("type") for item in inputs]
    if kinds.count("memory_store") != 1:
        raise InvalidInputError("a dream takes exactly one memory_store input")
    for item in inputs:
        if item.get("type") == "memory_store" and not item.get("memory_store_id"):
            raise InvalidInputError("the memory_store input needs a memory_store_id")
        if item.get("type") == "sessions" and len(item.get("session_ids") or ()) > MAX_SESSIONS:
            raise InvalidInputError(f"a dream takes at most {MAX_SESSIONS} session ids")


class Dreams(Resource):
    """``client.dreams``: create, list, retrieve, cancel, archive."""

    @endpoint(
        "POST",
        "/dreams",
        retry=False,
        check=all_of(_inputs, length_at_most("instructions", 4096)),
    )
    async def create(
        self,
        *,
        inputs: Sequence[JSONObject],
        model: str | JSONObject,
        instructions: str | None = None,
        output_behavior: JSONObject | None = None,
    ) -> Dream:
        """Start a dream over one memory store: ``inputs=[{"type": "memory_store",
        "memory_store_id": ...}]``, optionally with ``{"type": "sessions", "session_ids":
        [...]}`` (at most 100) to prioritise. ``model`` is ``"auto"`` or ``{"id", "speed"}``.
        By default the output goes to a new store and the input is left unchanged.

        There is no stream: poll :meth:`retrieve` until ``not dream.active``. Sent once,
        never retried (a repeat would meet the first dream's 409).

        Raises:
            InvalidInputError: not exactly one memory store input, more than 100 sessions,
                or ``instructions`` over 4,096 characters (nothing was sent).
            ConflictError: another dream is pending or running.
            NotFoundError: the memory store does not exist.
        """

    @endpoint("GET", "/dreams", check=all_of(one_cursor, limit_at_most(100)))
    def list(
        self,
        *,
        limit: int | None = None,
        page: str | None = None,
        include_archived: bool | None = None,
        statuses: Sequence[str] | None = None,
        created_at_gt: str | None = None,
        created_at_lt: str | None = None,
    ) -> AsyncPager[Dream]:
        """Dreams, newest first; archived ones only with ``include_archived``."""

    @endpoint("GET", "/dreams/{dream_id}")
    async def retrieve(self, dream_id: str, /) -> Dream:
        """One dream (poll this: dreams have no stream)."""

    @endpoint("POST", "/dreams/{dream_id}/cancel")
    async def cancel(self, dream_id: str, /) -> Dream:
        """Cancel a pending or running dream (its status becomes ``canceled``).

        Raises ``ConflictError`` if it has already ended.
        """

    @endpoint("POST", "/dreams/{dream_id}/archive")
    async def archive(self, dream_id: str, /) -> Dream:
        """Archive an ended dream (again is harmless); its output store and session stay.

        Raises ``InvalidRequestError`` (400) while it is pending or running: cancel it first.
        """
