"""The body of ``POST /files`` (and of skill uploads): ``multipart/form-data`` streamed from
the files' sources.

httpx builds multipart bodies from sync files only, so the body is assembled here as async
byte chunks: the text fields first, then the file part, read a chunk at a time from a path,
bytes, an async file object or an async iterator of bytes. A path or bytes can be sent again
(a retry starts over); an async file object or iterator is read once.
"""

from __future__ import annotations

import functools
import inspect
import mimetypes
import os
import secrets
from collections.abc import AsyncIterable, AsyncIterator, Callable, Sequence
from typing import Protocol, Union

import anyio
from attrs import frozen

from .._errors import InvalidInputError

__all__ = ["AsyncReadable", "MultipartBody", "UploadSource"]

CHUNK_SIZE = 64 * 1024


class AsyncReadable(Protocol):
    """An async binary file object: ``anyio.open_file(path, "rb")``, aiofiles, trio files."""

    async def read(self, size: int = -1, /) -> bytes:
        """Read up to ``size`` bytes; ``b""`` at the end."""
        ...


UploadSource = Union[
    str, "os.PathLike[str]", bytes, bytearray, memoryview, AsyncReadable, AsyncIterable[bytes]
]
"""What ``client.files.upload`` accepts: a path, bytes, an async binary file object, or an
async iterator of bytes."""


def _as_bytes(chunk: object) -> bytes:
    if isinstance(chunk, (bytes, bytearray, memoryview)):
        return bytes(chunk)
    raise InvalidInputError(
        f"an upload source gave {type(chunk).__name__}, not bytes (open files in binary mode)"
    )


def _quote(value: str) -> str:
    # What the HTML standard (and httpx) does with a form-data name or filename.
    return value.replace('"', "%22").replace("\r", "%0D").replace("\n", "%0A")


async def _read_path(path: str, size: int) -> AsyncIterator[bytes]:
    remaining = size  # exactly the announced Content-Length, even if the file grows
    async with await anyio.open_file(path, "rb") as file:
        while remaining:
            chunk = await file.read(min(CHUNK_SIZE, remaining))
            if not chunk:
                raise InvalidInputError(f"{path} got shorter while it was being uploaded")
            remaining -= len(chunk)
            yield chunk


async def _read_file(file: AsyncReadable) -> AsyncIterator[bytes]:
    while chunk := await file.read(CHUNK_SIZE):
        yield _as_bytes(chunk)


async def _read_iterable(chunks: AsyncIterable[bytes]) -> AsyncIterator[bytes]:
    async for chunk in chunks:
        yield _as_bytes(chunk)


async def _once(data: bytes) -> AsyncIterator[bytes]:
    yield data


Chunks = Callable[[], AsyncIterator[bytes]]


@frozen
class _Part:
    """One file part of a body: its header block, its chunks and their size (if known)."""

    head: bytes
    chunks: Chunks
    size: int | None
    replayable: bool


async def _file_source(
    source: UploadSource, filename: str | None
) -> tuple[Chunks, int | None, bool, str | None]:
    """How to read ``source``: its chunks, size, whether it can be re-read, and its name."""
    if isinstance(source, (str, os.PathLike)):
        path = os.fspath(source)
        size = (await anyio.Path(path).stat()).st_size
        chunks = functools.partial(_read_path, path, size)
        return chunks, size, True, filename or os.path.basename(path)
    if isinstance(source, (bytes, bytearray, memoryview)):
        data = bytes(source)
        return functools.partial(_once, data), len(data), True, filename
    if inspect.iscoroutinefunction(getattr(source, "read", None)):
        opened_as = getattr(source, "name", None)
        if filename is None and isinstance(opened_as, str):
            filename = os.path.basename(opened_as)
        return functools.partial(_read_file, source), None, False, filename  # type: ignore[arg-type]  # has async read
    if isinstance(source, AsyncIterable):
        return functools.partial(_read_iterable, source), None, False, filename
    raise InvalidInputError(
        f"cannot upload a {type(source).__name__}: pass a path, bytes, an async file "
        "object or an async iterator of bytes"
    )


class MultipartBody:
    """A ``multipart/form-data`` body: text ``fields``, then file parts from their sources.

    Build it with :meth:`build` (one file) or :meth:`build_files` (several, under one field
    name); call it for the body's chunks (once per attempt). ``replayable`` says whether it
    can be sent again; ``headers`` carry the boundary and, when the size is known,
    ``Content-Length``.
    """

    def __init__(self, parts: Sequence[_Part], *, boundary: str) -> None:
        self._parts = tuple(parts)
        self._tail = f"\r\n--{boundary}--\r\n".encode()
        self._sent = False
        self.boundary = boundary
        self.replayable = all(part.replayable for part in parts)
        sizes = [part.size for part in parts]
        self.content_length = (
            None
            if None in sizes
            else sum(len(part.head) + (part.size or 0) for part in parts) + len(self._tail)
        )

    @classmethod
    async def build(
        cls,
        source: UploadSource,
        *,
        fields: Sequence[tuple[str, str]] = (),
        filename: str | None = None,
        content_type: str | None = None,
        field_name: str = "file",
    ) -> MultipartBody:
        """The body uploading ``source`` as ``field_name``.

        ``filename`` defaults to the path's (or file object's) base name, else ``"file"``;
        ``content_type`` is guessed from it with :mod:`mimetypes`.

        Raises:
            InvalidInputError: ``source`` is none of the accepted kinds.
            OSError: the path cannot be read (nothing was sent).
        """
        return await cls.build_files(
            [(filename, source)], fields=fields, content_type=content_type, field_name=field_name
        )

    @classmethod
    async def build_files(
        cls,
        files: Sequence[tuple[str | None, UploadSource]],
        *,
        fields: Sequence[tuple[str, str]] = (),
        content_type: str | None = None,
        field_name: str = "file",
    ) -> MultipartBody:
        """The body uploading each ``(filename, source)`` as one ``field_name`` part.

        Raises:
            InvalidInputError: a source is none of the accepted kinds.
            OSError: a path cannot be read (nothing was sent).
        """
        boundary = secrets.token_hex(16)
        head = b"".join(
            f'--{boundary}\r\nContent-Disposition: form-data; name="{_quote(name)}"\r\n\r\n'
            f"{value}\r\n".encode()
            for name, value in fields
        )
        parts: list[_Part] = []
        for index, (given_name, source) in enumerate(files):
            chunks, size, replayable, filename = await _file_source(source, given_name)
            filename = filename or "file"
            kind = content_type or mimetypes.guess_type(filename)[0] or "application/octet-stream"
            part_head = (
                ("\r\n" if index else "") + f"--{boundary}\r\nContent-Disposition: form-data; "
                f'name="{_quote(field_name)}"; filename="{_quote(filename)}"\r\n'
                f"Content-Type: {kind}\r\n\r\n"
            ).encode()
            parts.append(
                _Part(head + part_head if not index else part_head, chunks, size, replayable)
            )
        return cls(parts, boundary=boundary)

    @property
    def headers(self) -> dict[str, str]:
        """``Content-Type`` with the boundary, and ``Content-Length`` when it is known."""
        headers = {"Content-Type": f"multipart/form-data; boundary={self.boundary}"}
        if self.content_length is not None:
            headers["Content-Length"] = str(self.content_length)
        return headers

    def __call__(self) -> AsyncIterator[bytes]:
        """The body's chunks from the start.

        Raises:
            InvalidInputError: a one-shot source is asked for a second time.
        """
        if self._sent and not self.replayable:
            raise InvalidInputError("an async file or iterator can be uploaded only once")
        self._sent = True
        return self._stream()

    async def _stream(self) -> AsyncIterator[bytes]:
        for part in self._parts:
            yield part.head
            async for chunk in part.chunks():
                yield chunk
        yield self._tail
