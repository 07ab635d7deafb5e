"""Sans-I/O Server-Sent Events decoding: bytes in, :class:`Frame` (one per event) out.

httpx-sse's own line splitter works character by character on decoded text; this one splits
whole network reads on blank lines at the byte level. A frame of the shape the API sends
(``id:``, ``event:``, one ``data:`` line) is recognised by one regular expression on its
head, and its data stays the bytes received, ready for the JSON parser. Any other frame is
read field by field as the WHATWG spec says (``retry``, comments, multi-line data, ids with
NUL ignored); the differential tests check both paths against httpx-sse's decoder. CR and
CRLF line endings and a leading byte order mark are accepted.

An unfinished frame is kept as a list of the reads it arrived in, joined once when it ends,
so a large event costs time linear in its size; past ``max_event_size`` bytes the decoder
raises :class:`EventTooLargeError` instead of growing without bound.
"""

from __future__ import annotations

import re

from .._config import DEFAULT_MAX_EVENT_SIZE
from .._errors import EventTooLargeError

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

    Raises:
        EventTooLargeError: from ``feed``, once a frame (finished or not) is longer than
            ``max_event_size`` bytes; the events before it are returned first, and the
            error is raised by the next call (see :attr:`error`).
    """

    __slots__ = ("_error", "_max", "_parts", "_pending", "_retry", "_skip_lf", "_started")

    def __init__(self, max_event_size: int = DEFAULT_MAX_EVENT_SIZE) -> None:
        self._max = max_event_size
        self._parts: list[bytes] = []  # the reads of the unfinished frame
        self._pending = 0  # their total length
        self._error: EventTooLargeError | None = None
        self._retry: int | None = None
        self._skip_lf = False
        self._started = False

    @property
    def pending(self) -> int:
        """Bytes received that do not yet form a complete frame."""
        return self._pending

    @property
    def retry(self) -> int | None:
        """The last valid ``retry:`` value the server sent, in milliseconds."""
        return self._retry

    @property
    def error(self) -> EventTooLargeError | None:
        """The error the next :meth:`feed` raises: a frame past the maximum size was met
        after events that this call returned."""
        return self._error

    def feed(self, chunk: bytes) -> list[Frame]:
        """Add a chunk of the body; return the events it completes."""
        if self._error is not None:
            raise self._error
        if not self._started:
            if self._parts:
                chunk = self._parts.pop() + chunk
                self._pending = 0
            if len(chunk) < len(_BOM) and _BOM.startswith(chunk):
                if chunk:
                    self._parts.append(chunk)
                    self._pending = len(chunk)
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

        parts = self._parts
        if chunk.find(b"\n\n") < 0 and not (
            parts and chunk[:1] == b"\n" and parts[-1][-1:] == b"\n"
        ):
            if chunk:  # no frame ends here: keep the read, copy nothing
                parts.append(chunk)
                self._pending += len(chunk)
                if self._pending > self._max:
                    raise self._too_large(self._pending)
            return []
        if parts:
            parts.append(chunk)
            chunk = b"".join(parts)
            parts.clear()
        frames = chunk.split(b"\n\n")
        tail = frames.pop()
        self._pending = len(tail)
        if tail:
            parts.append(tail)
        events = self._decode_frames(frames)
        if self._error is None and self._pending > self._max:
            self._error = self._too_large(self._pending)
        if self._error is not None and not events:
            raise self._error
        return events

    def _too_large(self, received: int) -> EventTooLargeError:
        self._parts.clear()
        self._pending = 0
        self._error = EventTooLargeError(
            f"an event of the stream is longer than the maximum of {self._max:,} bytes "
            f"(AsyncQoder(max_event_size=...)); {received:,} bytes of it had arrived",
            limit=self._max,
            received=received,
        )
        return self._error

    def _decode_frames(self, frames: list[bytes]) -> list[Frame]:
        events: list[Frame] = []
        match_head = _COMMON_HEAD.match
        limit = self._max
        for frame in frames:
            if len(frame) > limit:
                self._too_large(len(frame))
                break
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
        """Any other frame, field by field (WHATWG "interpret an event stream"), with the
        frame's own id only."""
        frame_id = event = ""
        data: list[str] = []
        for line in frame.decode("utf-8", "replace").split("\n"):
            if not line or line[0] == ":":
                continue
            name, _, value = line.partition(":")
            if value[:1] == " ":
                value = value[1:]
            if name == "data":
                data.append(value)
            elif name == "event":
                event = value
            elif name == "id":
                if "\0" not in value:
                    frame_id = value
            elif name == "retry" and value.isascii() and value.isdigit():
                self._retry = int(value)
        text = "\n".join(data)
        if text:  # a frame with no data (a heartbeat comment) is no event
            events.append(Frame(frame_id, event, text.encode()))
