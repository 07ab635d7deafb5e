"""Row 1: stream decoding in memory, the SDK's decoder and converter against the floors.

Every row turns the same 64 KiB reads of a realistic stream into one object per event.
"""

from __future__ import annotations

import codecs
import json
from collections.abc import Callable

from httpx_sse._decoders import SSEDecoder, SSELineDecoder

from benchmarks import _data
from benchmarks._timing import Timing, interleave
from qoder_async.streaming._sse import FrameDecoder
from qoder_async.streaming._stream import decode_frame


def split_only(chunks: list[bytes]) -> int:
    """The framing floor: cut on blank lines, parse nothing."""
    buffer, n = b"", 0
    for chunk in chunks:
        frames = (buffer + chunk).split(b"\n\n")
        buffer = frames.pop()
        n += len(frames)
    return n


def split_json(chunks: list[bytes]) -> int:
    """Split on blank lines, pick the ``data:`` line, ``json.loads`` it: plain dicts."""
    buffer, n = b"", 0
    loads = json.loads
    for chunk in chunks:
        frames = (buffer + chunk).split(b"\n\n")
        buffer = frames.pop()
        for frame in frames:
            start = frame.find(b"data: ")
            if start >= 0:
                loads(frame[start + 6 :])
                n += 1
    return n


def httpx_sse_json(chunks: list[bytes]) -> int:
    """httpx-sse's line and event decoders (as ``aiter_sse`` drives them) + ``json.loads``."""
    lines, decoder, n = SSELineDecoder(), SSEDecoder(), 0
    text = codecs.getincrementaldecoder("utf-8")(errors="replace")
    loads = json.loads
    for chunk in chunks:
        for line in lines.decode(text.decode(chunk)):
            sse = decoder.decode(line.rstrip("\n"))
            if sse is not None and sse.data:
                loads(sse.data)
                n += 1
    return n


def sdk_frames(chunks: list[bytes]) -> int:
    """qoder_async's FrameDecoder alone: ``ServerSentEvent`` objects, no JSON."""
    decoder, n = FrameDecoder(), 0
    for chunk in chunks:
        n += len(decoder.feed(chunk))
    return n


def sdk_events(chunks: list[bytes]) -> int:
    """qoder_async's whole path: FrameDecoder + ``decode_frame`` into typed events."""
    decoder, n = FrameDecoder(), 0
    for chunk in chunks:
        for sse in decoder.feed(chunk):
            decode_frame(sse)
            n += 1
    return n


ROWS: list[tuple[str, Callable[[list[bytes]], int]]] = [
    ("split on blank lines, no parsing (floor)", split_only),
    ("split + json.loads -> dicts", split_json),
    ("httpx-sse + json.loads -> dicts", httpx_sse_json),
    ("qoder_async FrameDecoder, no JSON", sdk_frames),
    ("qoder_async FrameDecoder + decode_frame -> typed events", sdk_events),
]


def run(variant: str = "mixed", n: int = 20_000, repeat: int = 5) -> list[Timing]:
    """Time every row on ``n`` events of ``variant``; check they all see the same events."""
    chunks = _data.chunks(_data.wire(variant, n))
    counts = {name: fn(chunks) for name, fn in ROWS[1:]}
    if set(counts.values()) != {n}:
        raise AssertionError(f"rows disagree on the event count: {counts}")
    return interleave([(name, lambda fn=fn: fn(chunks)) for name, fn in ROWS], repeat)
