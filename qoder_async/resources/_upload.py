"""The body of ``POST /files``: ``multipart/form-data`` streamed from the file's source.

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


class MultipartBody:
    """A ``multipart/form-data`` body: text ``fields``, then the file part from its source.

    Build it with :meth:`build`; call it for the body's chunks (once per attempt).
    ``replayable`` says whether it can be sent again; ``headers`` carry the boundary and,
    when the size is known, ``Content-Length``.
    """

    def __init__(
        self,
        head: bytes,
        chunks: Callable[[], AsyncIterator[bytes]],
        size: int | None,
        *,
        boundary: str,
        replayable: bool,
    ) -> None:
        self._head = head
        self._chunks = chunks
        self._tail = f"\r\n--{boundary}--\r\n".encode()
        self._sent = False
        self.boundary = boundary
        self.replayable = replayable
        self.content_length = None if size is None else len(head) + size + len(self._tail)

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
        chunks: Callable[[], AsyncIterator[bytes]]
        size: int | None = None
        replayable = True
        if isinstance(source, (str, os.PathLike)):
            path = os.fspath(source)
            size = (await anyio.Path(path).stat()).st_size
            chunks = functools.partial(_read_path, path, size)
            filename = filename or os.path.basename(path)
        elif isinstance(source, (bytes, bytearray, memoryview)):
            data = bytes(source)
            size = len(data)
            chunks = functools.partial(_once, data)
        elif inspect.iscoroutinefunction(getattr(source, "read", None)):
            chunks = functools.partial(_read_file, source)  # type: ignore[arg-type]  # has async read
            replayable = False
            opened_as = getattr(source, "name", None)
            if filename is None and isinstance(opened_as, str):
                filename = os.path.basename(opened_as)
        elif isinstance(source, AsyncIterable):
            chunks = functools.partial(_read_iterable, source)
            replayable = False
        else:
            raise InvalidInputError(
                f"cannot upload a {type(source).__name__}: pass a path, bytes, an async file "
                "object or an async iterator of bytes"
            )
        filename = filename or "file"
        content_type = (
            content_type or mimetypes.guess_type(filename)[0] or "application/octet-stream"
        )
        boundary = secrets.token_hex(16)
        head = b"".join(
            f'--{boundary}\r\nContent-Disposition: form-data; name="{_quote(name)}"\r\n\r\n'
            f"{value}\r\n".encode()
            for name, value in fields
        )
        head += (
            f"--{boundary}\r\nContent-Disposition: form-data; "
            f'name="{_quote(field_name)}"; filename="{_quote(filename)}"\r\n'
            f"Content-Type: {content_type}\r\n\r\n"
        ).encode()
        return cls(head, chunks, size, boundary=boundary, replayable=replayable)

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
        yield self._head
        async for chunk in self._chunks():
            yield chunk
        yield self._tail
