"""Encoding of SSE frames, honouring the per-connection wire options."""

from __future__ import annotations

import json
from typing import Any

from ._faults import StreamOptions
from ._store import FeedItem

__all__ = ["comment", "encode_frame", "retry_field"]


def _json(payload: dict[str, Any], *, pretty: bool) -> list[str]:
    if pretty:
        return json.dumps(payload, indent=2, ensure_ascii=False).split("\n")
    return [json.dumps(payload, separators=(",", ":"), ensure_ascii=False)]


def encode_frame(item: FeedItem, options: StreamOptions) -> bytes:
    """One frame: ``id:``, ``event:`` and ``data:`` lines, then a blank line."""
    payload = item.payload
    if options.omit_data_id and not item.is_delta:
        payload = {key: value for key, value in payload.items() if key != "id"}
    lines = [f"id: {item.event_id}"]
    if not options.omit_event_line:
        lines.append(f"event: {item.sse_event}")
    lines.extend(f"data: {line}" for line in _json(payload, pretty=options.multiline_data))
    end = options.line_ending
    return (end.join(lines) + end + end).encode()


def comment(text: str, options: StreamOptions) -> bytes:
    """A comment line such as ``: heartbeat``, closed by a blank line."""
    return f": {text}{options.line_ending}{options.line_ending}".encode()


def retry_field(milliseconds: int, options: StreamOptions) -> bytes:
    """A ``retry:`` field in a frame of its own."""
    return f"retry: {milliseconds}{options.line_ending}{options.line_ending}".encode()
