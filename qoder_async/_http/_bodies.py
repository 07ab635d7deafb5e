"""Reading answers: bodies that decode, JSON that is what was asked, stream previews."""

from __future__ import annotations

from typing import Any, Final

import anyio
import httpx

from .._errors import MAX_PREVIEW, preview, unexpected_response

__all__ = ["json_body", "read_body", "stream_preview"]

_STREAM_PREVIEW_WAIT: Final = 1.0  # seconds to wait for the first bytes of a wrong stream


def json_body(response: httpx.Response) -> Any:
    """The JSON of a successful answer whose body has been read (``None`` if empty).

    Raises:
        UnexpectedResponseError: the body is not JSON (an HTML page from a captive portal
            or a proxy), or it is the API's error envelope despite the success status.
    """
    if not response.content:
        return None
    try:
        body = response.json()
    except ValueError:
        raise unexpected_response(response, "JSON", why="the body is not JSON") from None
    error = body.get("error") if isinstance(body, dict) else None
    if isinstance(error, dict) and body.get("type") == "error":
        why = f"an error envelope: {error.get('type')}: {error.get('message')}"
        raise unexpected_response(response, "a result", why=why, body=body)
    return body


async def read_body(response: httpx.Response) -> None:
    """Read the body; one that cannot be decoded (corrupt gzip) is an unexpected answer."""
    try:
        await response.aread()
    except httpx.DecodingError as exc:
        await response.aclose()
        raise unexpected_response(
            response, "a readable body", why=f"{exc}", body_preview=""
        ) from exc
    except BaseException:
        await response.aclose()
        raise


async def stream_preview(response: httpx.Response) -> str:
    """The first bytes of a streamed body, waiting at most a second (it may never end)."""
    data = b""
    with anyio.move_on_after(_STREAM_PREVIEW_WAIT):
        try:
            async for chunk in response.aiter_bytes():
                data += chunk
                if len(data) >= MAX_PREVIEW * 4:
                    break
        except httpx.HTTPError:
            pass  # what arrived before the failure is the preview
    return preview(response, data)
