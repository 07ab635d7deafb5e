"""Downloads: content streamed a chunk at a time, never held whole.

:class:`FileDownload` reads ``GET /files/{file_id}/content``. The API answers with the bytes,
or with JSON ``{"url": ...}`` naming a temporary storage URL. That URL is fetched with a plain
HTTP client of its own: no token, no client headers, no cookies.

:class:`SkillDownload` reads ``GET /skills/{skill_id}/versions/{version}/content``, which
always answers with the archive's bytes: there is no storage URL to follow, so a JSON body
is content like any other.
"""

from __future__ import annotations

import contextlib
import json
import os
from pathlib import Path
from typing import TYPE_CHECKING, Final, TypeVar, Union

import anyio
import httpx

from .._closing import AsyncCloseable
from .._errors import QoderError, status_error, unexpected_response
from .._http._urls import path_segment

if TYPE_CHECKING:
    from collections.abc import AsyncIterator

    from .._http._core import HTTPCore

__all__ = ["Download", "FileDownload", "SkillDownload", "StrPath"]

StrPath = Union[str, "os.PathLike[str]"]
"""A file system path."""

_MAX_ENVELOPE: Final = 64 * 1024  # a JSON answer larger than this is the file itself
_ACCEPT: Final = "application/json, */*"

D = TypeVar("D", bound="Download")


def storage_url(response: httpx.Response) -> str | None:
    """The URL in a ``{"url": ...}`` answer (its body must have been read), else ``None``."""
    try:
        body = json.loads(response.content)
    except ValueError:
        return None
    url = body.get("url") if isinstance(body, dict) else None
    if isinstance(url, str) and url.startswith(("https://", "http://")):
        return url
    return None


def _is_small_json(response: httpx.Response) -> bool:
    kind = response.headers.get("content-type", "").split(";")[0].strip().lower()
    length = response.headers.get("content-length")
    small = length is None or (length.isdigit() and int(length) <= _MAX_ENVELOPE)
    return (kind == "application/json" or kind.endswith("+json")) and small


class Download(AsyncCloseable):
    """Content streamed from one ``GET``: ``async for chunk in download``.

    Nothing is requested until the iteration starts (or ``async with`` enters, which
    connects at once so that errors such as ``NotFoundError`` surface there). Iterate once;
    the connection is closed at the end, by :meth:`aclose`, or when the ``async with``
    block exits. ``content_type`` and ``size`` are known once connected.
    """

    def __init__(self, client: HTTPCore, path: str) -> None:
        self._client = client
        self._path = path
        self._exits = contextlib.AsyncExitStack()
        self._response: httpx.Response | None = None
        self._closed = False
        self.content_type: str | None = None
        """The media type of the content, once connected."""
        self.size: int | None = None
        """The content's length in bytes, once connected, if the server said."""

    async def open(self: D) -> D:
        """Connect (if not yet): the content's headers are in when this returns.

        Raises:
            NotFoundError: no such content; other ``APIStatusError``s as the API answers.
        """
        if self._closed:
            raise QoderError(
                f"a {type(self).__name__} can be read only once; call the method again"
            )
        if self._response is None:
            try:
                self._response = await self._connect()
            except BaseException:
                await self.aclose()
                raise
            self.content_type = self._response.headers.get("content-type")
            length = self._response.headers.get("content-length")
            self.size = int(length) if length is not None and length.isdigit() else None
        return self

    async def _connect(self) -> httpx.Response:
        answer = await self._client.request(
            "GET", self._path, headers={"Accept": _ACCEPT}, stream=True
        )
        self._exits.push_async_callback(answer.aclose)
        return answer

    async def __aiter__(self) -> AsyncIterator[bytes]:
        try:
            response = (await self.open())._response
            assert response is not None  # open() sets it
            try:
                async for chunk in response.aiter_bytes():
                    yield chunk
            except httpx.DecodingError as exc:
                raise unexpected_response(
                    response, "the file's content", why=f"{exc}", body_preview=""
                ) from exc
        finally:
            await self.aclose()

    async def save(self, to: StrPath) -> Path:
        """Write the content to the file ``to`` and return its path.

        The bytes go to ``<to>.part`` first, which replaces ``to`` only once complete, so a
        failed download never leaves a truncated file behind. A ``to`` that exists and is not
        a regular file (a device, a pipe) is written into directly, never replaced.
        """
        target = anyio.Path(to)
        if await target.exists() and not await target.is_file():
            await self._write(target)
            return Path(target)
        partial = target.with_name(target.name + ".part")
        try:
            await self._write(partial)
            await partial.replace(target)
        except BaseException:
            with anyio.CancelScope(shield=True):
                await partial.unlink(missing_ok=True)
            raise
        return Path(target)

    async def _write(self, path: anyio.Path) -> None:
        async with await anyio.open_file(path, "wb") as out:
            async for chunk in self:
                await out.write(chunk)

    async def aclose(self) -> None:
        """Close the connection (also the storage URL's)."""
        self._closed = True
        with anyio.CancelScope(shield=True):
            await self._exits.aclose()

    async def __aenter__(self: D) -> D:
        return await self.open()


class FileDownload(Download):
    """The content of a file: ``async for chunk in client.files.download(file_id)``
    (see :class:`Download`); a ``{"url": ...}`` answer is followed without the token."""

    def __init__(self, client: HTTPCore, file_id: str) -> None:
        super().__init__(client, f"/files/{path_segment(file_id, 'file_id')}/content")
        self.file_id = file_id

    def __repr__(self) -> str:
        return f"<FileDownload {self.file_id}>"

    async def _connect(self) -> httpx.Response:
        exits = self._exits
        answer = await super()._connect()
        if not _is_small_json(answer):
            return answer
        await answer.aread()
        url = storage_url(answer)
        if url is None:
            return answer  # a small JSON file, served directly
        storage = await exits.enter_async_context(
            httpx.AsyncClient(
                timeout=self._client.timeout,
                follow_redirects=True,
                transport=httpx.AsyncHTTPTransport(retries=self._client.max_retries),
            )
        )
        content = await storage.send(storage.build_request("GET", url), stream=True)
        exits.push_async_callback(content.aclose)
        if not content.is_success:
            await content.aread()
            raise status_error(content)
        return content


class SkillDownload(Download):
    """A skill version's archive: ``async for chunk in client.skills.versions.content(sid,
    "1")`` (see :class:`Download`)."""

    def __init__(self, client: HTTPCore, skill_id: str, version: str) -> None:
        skill = path_segment(skill_id, "skill_id")
        super().__init__(
            client, f"/skills/{skill}/versions/{path_segment(version, 'version')}/content"
        )
        self.skill_id = skill_id
        self.version = version

    def __repr__(self) -> str:
        return f"<SkillDownload {self.skill_id} version {self.version}>"
