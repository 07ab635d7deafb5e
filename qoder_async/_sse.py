"""Sans-I/O Server-Sent Events decoding: bytes in, ``httpx_sse.ServerSentEvent`` out.

httpx-sse's own line splitter works character by character on decoded text; this one splits
whole network reads on blank lines at the byte level and hands each frame's lines to
httpx-sse's ``SSEDecoder``, which keeps the field semantics of the WHATWG spec (``id``
carried over, ``retry``, comments, ids with NUL ignored). CR and CRLF line endings and a
leading byte order mark are accepted.
"""

from __future__ import annotations

from httpx_sse import ServerSentEvent
from httpx_sse._decoders import SSEDecoder

__all__ = ["FrameDecoder"]

_BOM = b"\xef\xbb\xbf"


class FrameDecoder:
    """Turns the chunks of one SSE response body into events.

    ``feed(chunk)`` returns the events completed by that chunk, in order; frames without
    ``data`` (heartbeat comments, a lone ``id:``) are not returned. Each event's ``id`` is the
    one its own frame carried, or ``""``: the resume cursor is the stream's business, and an
    event must never borrow the id of the one before it.
    """

    __slots__ = ("_buffer", "_decoder", "_retry", "_skip_lf", "_started")

    def __init__(self) -> None:
        self._buffer = b""
        self._decoder = SSEDecoder()
        self._retry: int | None = None
        self._skip_lf = False
        self._started = False

    @property
    def pending(self) -> int:
        """Bytes received that do not yet form a complete frame."""
        return len(self._buffer)

    @property
    def retry(self) -> int | None:
        """The last ``retry:`` value the server sent, in milliseconds."""
        return self._retry

    def feed(self, chunk: bytes) -> list[ServerSentEvent]:
        """Add a chunk of the body; return the events it completes."""
        if not self._started:
            chunk = self._buffer + chunk
            self._buffer = b""
            if len(chunk) < len(_BOM) and _BOM.startswith(chunk):
                self._buffer = chunk
                return []
            self._started = True
            if chunk.startswith(_BOM):
                chunk = chunk[len(_BOM) :]
        if self._skip_lf:
            self._skip_lf = False
            if chunk[:1] == b"\n":
                chunk = chunk[1:]
        if b"\r" in chunk:
            # A CR at the end may be the first half of a CRLF split across two reads.
            self._skip_lf = chunk.endswith(b"\r")
            chunk = chunk.replace(b"\r\n", b"\n").replace(b"\r", b"\n")

        buffer = self._buffer
        search_from = len(buffer) - 1 if buffer else 0
        buffer += chunk
        if buffer.find(b"\n\n", search_from) < 0:
            self._buffer = buffer
            return []
        frames = buffer.split(b"\n\n")
        self._buffer = frames.pop()
        return self._decode_frames(frames)

    def _decode_frames(self, frames: list[bytes]) -> list[ServerSentEvent]:
        events: list[ServerSentEvent] = []
        decoder = self._decoder
        decode = decoder.decode
        for frame in frames:
            if not frame:
                continue
            decoder._last_event_id = ""
            for line in frame.decode("utf-8", "replace").split("\n"):
                if line:
                    decode(line)
            sse = decode("")
            if sse is not None and sse.retry is not None:
                self._retry = sse.retry
            # A frame with no data (a heartbeat comment) is no event.
            if sse is not None and sse.data:
                events.append(sse)
        return events
