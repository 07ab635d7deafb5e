"""Sans-I/O Server-Sent Events decoding: bytes in, :class:`Frame` (one per event) out.

httpx-sse's own line splitter works character by character on decoded text; this one splits
whole network reads on blank lines at the byte level. A frame of the shape the API sends
(``id:``, ``event:``, one ``data:`` line) is recognised by one regular expression on its
head, and its data stays the bytes received, ready for the JSON parser. Any other frame is
handed line by line to httpx-sse's ``SSEDecoder``, which keeps the field semantics of the
WHATWG spec (``retry``, comments, multi-line data, ids with NUL ignored). CR and CRLF line
endings and a leading byte order mark are accepted.
"""

from __future__ import annotations

import re

from httpx_sse._decoders import SSEDecoder

__all__ = ["Frame", "FrameDecoder"]

_BOM = b"\xef\xbb\xbf"
# Optional ``id:``, optional ``event:``, then ``data:``, each with the single space the spec
# strips; an id holding NUL must be ignored, so such a frame goes the slow way.
_COMMON_HEAD = re.compile(rb"(?:id: ([^\n\0]*)\n)?(?:event: ([^\n]*)\n)?data: ")


class Frame:
    """One event as the stream carried it, before any JSON parsing.

    ``id`` is the frame's own ``id:`` (or ``""``), ``event`` its ``event:`` (``"message"``
    when it has none) and ``payload`` its data as UTF-8 bytes, lines joined by ``\\n``.
    """

    __slots__ = ("event", "id", "payload")

    def __init__(self, id: str, event: str, payload: bytes) -> None:
        self.id = id
        self.event = event or "message"
        self.payload = payload

    @property
    def data(self) -> str:
        """The payload as text (invalid UTF-8 replaced, as httpx-sse decodes it)."""
        return self.payload.decode("utf-8", "replace")


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

    def feed(self, chunk: bytes) -> list[Frame]:
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

    def _decode_frames(self, frames: list[bytes]) -> list[Frame]:
        events: list[Frame] = []
        match_head = _COMMON_HEAD.match
        for frame in frames:
            if not frame or (frame[0] == 0x3A and b"\n" not in frame):  # a lone ": comment"
                continue
            head = match_head(frame)
            if head is None or frame.find(b"\n", head.end()) >= 0:
                self._decode_lines(frame, events)
            elif head.end() < len(frame):  # a frame with empty data is no event
                frame_id, event = head.groups()
                events.append(
                    Frame(
                        frame_id.decode("utf-8", "replace") if frame_id else "",
                        event.decode("utf-8", "replace") if event else "",
                        frame[head.end() :],
                    )
                )
        return events

    def _decode_lines(self, frame: bytes, events: list[Frame]) -> None:
        """Any other frame: httpx-sse's decoder, line by line, with the frame's own id only."""
        decoder = self._decoder
        decoder._last_event_id = ""
        for line in frame.decode("utf-8", "replace").split("\n"):
            if line:
                decoder.decode(line)
        sse = decoder.decode("")
        if sse is not None and sse.retry is not None:
            self._retry = sse.retry
        # A frame with no data (a heartbeat comment) is no event.
        if sse is not None and sse.data:
            events.append(Frame(sse.id, sse.event, sse.data.encode()))
