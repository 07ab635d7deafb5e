"""Content blocks: the parts of a message, a tool result or a document.

The same classes are read from events and sent in ``user.message``. A block of a type this
version does not know arrives as :class:`UnknownBlock`, with the whole JSON object kept.
"""

from __future__ import annotations

from typing import Any, Union

from attrs import field, frozen

__all__ = [
    "ContentBlock",
    "DocumentBlock",
    "ImageBlock",
    "JSONObject",
    "RedactedBlock",
    "SearchResultBlock",
    "TextBlock",
    "UnknownBlock",
]

JSONObject = dict[str, Any]
"""A JSON object kept as decoded: tool inputs, configs and other open-ended payloads."""


@frozen
class TextBlock:
    """Plain text: ``TextBlock("hello")``."""

    text: str
    type: str = field(default="text", kw_only=True)


@frozen(kw_only=True)
class ImageBlock:
    """An image; ``source`` is ``{type: "base64"|"url"|"file", ...}`` as the API defines it."""

    source: JSONObject
    type: str = "image"


@frozen(kw_only=True)
class DocumentBlock:
    """A document (PDF, plain text, a URL or an uploaded file) given as ``source``."""

    source: JSONObject
    title: str | None = None
    context: str | None = None
    type: str = "document"


@frozen(kw_only=True)
class SearchResultBlock:
    """A search result inside a tool result."""

    source: str | None = None
    title: str | None = None
    content: tuple[TextBlock, ...] = ()
    citations: JSONObject | None = None
    type: str = "search_result"


@frozen(kw_only=True)
class RedactedBlock:
    """Content the API withheld."""

    type: str = "redacted"


@frozen(kw_only=True)
class UnknownBlock:
    """A block of a type this version of qoder_async does not know; ``raw`` holds all of it."""

    type: str
    raw: JSONObject = field(eq=False)


ContentBlock = Union[
    TextBlock, ImageBlock, DocumentBlock, SearchResultBlock, RedactedBlock, UnknownBlock
]
"""Any content block."""

BLOCK_TYPES: dict[str, type[Any]] = {
    "text": TextBlock,
    "image": ImageBlock,
    "document": DocumentBlock,
    "search_result": SearchResultBlock,
    "redacted": RedactedBlock,
}
