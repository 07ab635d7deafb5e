"""The list envelope of §3 with page cursors and id cursors."""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Callable, Sequence
from typing import Any

from starlette.datastructures import QueryParams

from ._errors import bad_request
from ._params import query_limit

__all__ = ["paginate"]


def _encode_cursor(direction: str, anchor: str) -> str:
    raw = json.dumps([direction, anchor], separators=(",", ":")).encode()
    return "page_" + base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _decode_cursor(token: str) -> tuple[str, str]:
    try:
        if not token.startswith("page_"):
            raise ValueError(token)
        payload = token[len("page_") :]
        raw = base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4))
        direction, anchor = json.loads(raw)
        if direction not in ("after", "before") or not isinstance(anchor, str):
            raise ValueError(token)
    except (ValueError, binascii.Error, TypeError):
        raise bad_request("page is not a valid page cursor.", "page") from None
    return direction, anchor


Rank = Callable[[str], "int | None"]
"""Where an id stands in creation order (``IdFactory.rank``), ``None`` if unknown."""


def _position(
    ids: Sequence[str], anchor: str, *, descending: bool, rank: Rank | None
) -> tuple[int, bool]:
    """Index of ``anchor`` in ``ids``, or where it stood if it is gone (found=False).

    Ids are never compared: a gone anchor is placed by the order it was issued in.
    """
    for index, item in enumerate(ids):
        if item == anchor:
            return index, True
    anchor_rank = rank(anchor) if rank is not None else None
    if rank is None or anchor_rank is None:
        raise bad_request(f"'{anchor}' is not an id of this list.", "page")
    for index, item in enumerate(ids):
        item_rank = rank(item)
        if item_rank is not None and (
            item_rank < anchor_rank if descending else item_rank > anchor_rank
        ):
            return index, False
    return len(ids), False


def paginate(
    items: Sequence[dict[str, Any]],
    query: QueryParams,
    *,
    render: Callable[[dict[str, Any]], dict[str, Any]] | None = None,
    default_order: str = "asc",
    allow_order: bool = True,
    rank: Rank | None = None,
    max_limit: int = 100,
) -> dict[str, Any]:
    """Page ``items`` (already in ascending creation order) by the query's cursor parameters.

    Cursors are positional in the listing order: ``after_id`` continues after an item,
    ``before_id`` pages backwards before it, and ``page`` is an opaque token that encodes one
    of the two. A cursor id that no longer exists is placed by ``rank`` (its creation order);
    one that never was an id here is a 400. ``limit`` may go up to ``max_limit``.
    """
    limit = query_limit(query, maximum=max_limit)
    order = query.get("order") or default_order
    if order not in ("asc", "desc") or (not allow_order and order != default_order):
        raise bad_request("order must be 'asc' or 'desc'.", "order")
    ordered = list(reversed(items)) if order == "desc" else list(items)
    ids = [item["id"] for item in ordered]

    page, after_id, before_id = query.get("page"), query.get("after_id"), query.get("before_id")
    if sum(1 for value in (page, after_id, before_id) if value) > 1:
        raise bad_request("page, after_id and before_id are mutually exclusive.", "page")
    direction, anchor = "after", None
    if page:
        direction, anchor = _decode_cursor(page)
    elif after_id:
        anchor = after_id
    elif before_id:
        direction, anchor = "before", before_id

    if anchor is None:
        start, stop = 0, min(limit, len(ordered))
        has_more = stop < len(ordered)
    elif direction == "after":
        index, found = _position(ids, anchor, descending=order == "desc", rank=rank)
        start = index + 1 if found else index
        stop = min(start + limit, len(ordered))
        has_more = stop < len(ordered)
    else:
        stop, _ = _position(ids, anchor, descending=order == "desc", rank=rank)
        start = max(0, stop - limit)
        has_more = start > 0

    chosen = ordered[start:stop]
    data = [render(item) if render else dict(item) for item in chosen]
    first_id = chosen[0]["id"] if chosen else None
    last_id = chosen[-1]["id"] if chosen else None
    next_page = None
    if has_more and chosen:
        next_page = (
            _encode_cursor("before", chosen[0]["id"])
            if direction == "before"
            else _encode_cursor("after", chosen[-1]["id"])
        )
    return {
        "data": data,
        "has_more": has_more,
        "first_id": first_id,
        "last_id": last_id,
        "next_page": next_page,
    }
