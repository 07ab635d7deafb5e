"""The SSE decoder: bytes in, the same events as httpx-sse's reference decoder out."""

from __future__ import annotations

import ast
import importlib.util
import random
import sys
import time
from pathlib import Path

import pytest
from httpx_sse._decoders import SSEDecoder, SSELineDecoder

from qoder_async import EventTooLargeError
from qoder_async.streaming import _sse
from qoder_async.streaming._sse import FrameDecoder

SAMPLE = (Path(__file__).parents[2] / ".." / "shared" / "api" / "sample-stream.txt").resolve()
FRAMES = (
    b": heartbeat\n\n"
    b'id: evt_1\nevent: agent.message\ndata: {"a": 1}\n\n'
    b'id: evt_2\nevent: agent.thinking\ndata: {"b": 2}\n\n'
)


def feed_in_pieces(raw: bytes, size: int) -> list[tuple[str, str, str]]:
    decoder = FrameDecoder()
    events = []
    for start in range(0, len(raw), size):
        events += decoder.feed(raw[start : start + size])
    return [(e.id, e.event, e.data) for e in events]


def reference(raw: bytes) -> list[tuple[str, str, str]]:
    lines = SSELineDecoder()
    decoder = SSEDecoder()
    out = []
    text = raw.decode("utf-8").lstrip("\ufeff")
    for line in [*lines.decode(text), *lines.flush()]:
        sse = decoder.decode(line)
        if sse is not None and sse.data:
            out.append((sse.id, sse.event, sse.data))
    return out


def test_decodes_frames_in_order() -> None:
    assert feed_in_pieces(FRAMES, 1000) == [
        ("evt_1", "agent.message", '{"a": 1}'),
        ("evt_2", "agent.thinking", '{"b": 2}'),
    ]


@pytest.mark.parametrize("size", [1, 2, 3, 7, 64, 100_000])
def test_chunk_boundaries_do_not_change_the_events(size: int) -> None:
    raw = SAMPLE.read_bytes()
    assert feed_in_pieces(raw, size) == reference(raw)


@pytest.mark.parametrize("ending", [b"\r\n", b"\r"])
@pytest.mark.parametrize("size", [1, 5, 4096])
def test_crlf_and_cr_line_endings_match_lf(ending: bytes, size: int) -> None:
    raw = SAMPLE.read_bytes()
    assert feed_in_pieces(raw.replace(b"\n", ending), size) == feed_in_pieces(raw, 4096)


@pytest.mark.parametrize("size", [1, 2, 4096])
def test_leading_byte_order_mark_is_skipped(size: int) -> None:
    assert feed_in_pieces(b"\xef\xbb\xbf" + FRAMES, size) == feed_in_pieces(FRAMES, 4096)


def test_multi_line_data_is_joined_with_newlines() -> None:
    raw = b'id: evt_1\nevent: x\ndata: {"a":\ndata:  1}\n\n'
    assert feed_in_pieces(raw, 3) == [("evt_1", "x", '{"a":\n 1}')]


def test_heartbeat_comments_are_not_events() -> None:
    assert feed_in_pieces(b": heartbeat\n\n: ping\n\n", 4) == []


def test_an_event_never_borrows_the_previous_id() -> None:
    raw = b"id: evt_1\ndata: {}\n\ndata: {}\n\n"
    assert [e[0] for e in feed_in_pieces(raw, 100)] == ["evt_1", ""]


def test_missing_event_line_gives_message() -> None:
    assert feed_in_pieces(b"id: evt_1\ndata: {}\n\n", 100) == [("evt_1", "message", "{}")]


def test_retry_field_is_remembered() -> None:
    decoder = FrameDecoder()
    decoder.feed(b"retry: 1500\n\nid: a\ndata: {}\n\n")
    assert decoder.retry == 1500


def test_id_with_nul_is_ignored() -> None:
    assert feed_in_pieces(b"id: a\x00b\ndata: {}\n\n", 100) == [("", "message", "{}")]


def test_incomplete_frame_is_held_until_finished() -> None:
    decoder = FrameDecoder()
    assert decoder.feed(b"id: evt_1\ndata: {") == []
    assert decoder.pending > 0
    assert [e.data for e in decoder.feed(b"}\n\n")] == ["{}"]


def test_one_mebibyte_event_in_small_chunks() -> None:
    payload = "x" * (1 << 20)
    raw = f'id: big\ndata: {{"t": "{payload}"}}\n\n'.encode()
    events = feed_in_pieces(raw, 65536)
    assert len(events) == 1
    assert len(events[0][2]) == len(payload) + 9


# --- the fast path for frames of the common shape, checked against httpx-sse -------------

WORKLOAD = (Path(__file__).parents[2] / ".." / "shared" / "bench" / "workload.py").resolve()


def workload_wire(variant: str, n: int) -> bytes:
    spec = importlib.util.spec_from_file_location("qoder_test_workload", WORKLOAD)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # its dataclasses look their module up by name
    spec.loader.exec_module(module)
    return bytes(module.wire(module.events(variant, n)))


def reference_own_ids(raw: bytes) -> list[tuple[str, str, str]]:
    """httpx-sse's decoders, except that an event never inherits the previous frame's id."""
    lines = SSELineDecoder()
    decoder = SSEDecoder()
    out = []
    text = raw.decode("utf-8", "replace").removeprefix("\ufeff")
    for line in [*lines.decode(text), *lines.flush()]:
        sse = decoder.decode(line)
        if not line:
            decoder._last_event_id = ""
        if sse is not None and sse.data:
            out.append((sse.id, sse.event, sse.data))
    return out


@pytest.mark.parametrize("variant", ["mixed", "deltas"])
@pytest.mark.parametrize("size", [7, 1000, 65536])
def test_workload_streams_decode_as_httpx_sse_does(variant: str, size: int) -> None:
    raw = workload_wire(variant, 1500)
    assert feed_in_pieces(raw, size) == reference(raw)


@pytest.mark.parametrize("ending", [b"\r\n", b"\r"])
def test_workload_with_other_line_endings_and_a_bom_decodes_the_same(ending: bytes) -> None:
    raw = workload_wire("mixed", 300)
    assert feed_in_pieces(b"\xef\xbb\xbf" + raw.replace(b"\n", ending), 4093) == reference(raw)


UNUSUAL_FRAMES = [
    b"id: a\nevent: x\ndata: {}",  # the common shape
    b"event: x\ndata: {}",  # no id
    b"id: a\ndata: {}",  # no event
    b"data: {}",  # data alone
    b"event: x\nid: a\ndata: {}",  # fields in another order
    b"id:a\nevent:x\ndata:{}",  # no space after the colons
    b"id:  a\nevent:  x\ndata:  {}",  # two spaces: the second is part of the value
    b"id: a\nevent: x\ndata: {\ndata: }",  # data on two lines
    b"id: a\nevent: x\ndata: {}\ndata: ",  # a trailing empty data line
    b"id: a\nevent: x\ndata: ",  # empty data: no event
    b"id: a\nevent: x\ndata",  # a field without a colon
    b"id: a\x00b\nevent: x\ndata: {}",  # an id with NUL is ignored
    b"id: a\nevent: x\nretry: 300\ndata: {}",  # retry among the fields
    b"id: a\nevent: \ndata: {}",  # an empty event name means "message"
    b": comment\nid: a\nevent: x\ndata: {}",  # a comment first
    b"id: a\nevent: x\n: comment\ndata: {}",  # a comment in between
    b"id: a\nevent: x\nfoo: bar\ndata: {}",  # an unknown field
    b"id: a\nevent: x\ndata: {}\nid: b",  # a second id after the data
    b"id: a\nevent: x\nevent: y\ndata: {}",  # the last event name wins
    b"id: a\nevent: x\ndata: data: {}",  # "data: " inside the value
    b"data: caf\xc3\xa9 \xe2\x9c\x85 \xff\xfe",  # non-ASCII and invalid UTF-8
    b": heartbeat",
    b":",
    b"id: only",  # an id alone is no event
]


@pytest.mark.parametrize("frame", UNUSUAL_FRAMES)
def test_every_frame_shape_decodes_as_httpx_sse_does(frame: bytes) -> None:
    raw = frame + b"\n\n"
    assert feed_in_pieces(raw, 100) == reference_own_ids(raw)


@pytest.mark.parametrize("size", [1, 3, 17, 4096])
def test_a_random_mix_of_frame_shapes_decodes_as_httpx_sse_does(size: int) -> None:
    rng = random.Random(size)
    raw = b"".join(
        rng.choice(UNUSUAL_FRAMES) + rng.choice([b"\n\n", b"\n\n\n"]) for _ in range(500)
    )
    assert feed_in_pieces(raw, size) == reference_own_ids(raw)


def test_frame_keeps_its_data_as_received_bytes() -> None:
    (frame,) = FrameDecoder().feed('id: e\nevent: x\ndata: {"t": "é"}\n\n'.encode())
    assert frame.payload == '{"t": "é"}'.encode()
    assert frame.data == '{"t": "é"}'


# --- hostile input: bounded memory, linear time, valid hints only --------------------------


def test_an_unfinished_event_past_the_maximum_raises_event_too_large() -> None:
    decoder = FrameDecoder(max_event_size=10_000)
    for _ in range(10):
        decoder.feed(b"data: " + b"x" * 994)  # 10,000 bytes: not yet too large
    with pytest.raises(EventTooLargeError) as caught:
        decoder.feed(b"x")
    assert caught.value.limit == 10_000
    assert caught.value.received == 10_001
    assert decoder.pending == 0


def test_a_finished_event_past_the_maximum_raises_after_the_events_before_it() -> None:
    decoder = FrameDecoder(max_event_size=100)
    events = decoder.feed(b"id: a\ndata: {}\n\ndata: " + b"x" * 200 + b"\n\nid: c\ndata: {}\n\n")
    assert [e.id for e in events] == ["a"]
    assert isinstance(decoder.error, EventTooLargeError)
    with pytest.raises(EventTooLargeError):
        decoder.feed(b"")


def test_an_event_of_exactly_the_maximum_size_is_decoded() -> None:
    raw = b"data: " + b"x" * 94
    assert [e.data for e in FrameDecoder(max_event_size=100).feed(raw + b"\n\n")] == ["x" * 94]


def decode_seconds(size: int, chunk: int = 65536) -> float:
    raw = b"id: big\ndata: " + b"x" * size + b"\n\n"
    pieces = [raw[i : i + chunk] for i in range(0, len(raw), chunk)]
    best = float("inf")
    for _ in range(3):
        decoder = FrameDecoder(max_event_size=len(raw))
        started = time.perf_counter()
        for piece in pieces:
            decoder.feed(piece)
        best = min(best, time.perf_counter() - started)
    return best


def test_decoding_a_large_event_takes_time_linear_in_its_size() -> None:
    small, large = decode_seconds(8 << 20), decode_seconds(32 << 20)
    # 4x the bytes: ~4x the time when linear, ~16x when every read copies the whole buffer.
    assert large < 10 * small


@pytest.mark.parametrize("value", [b"-1", b"1.5", b" 100", b"1e3", b"\xd9\xa1"])
def test_a_retry_field_that_is_not_ascii_digits_is_ignored(value: bytes) -> None:
    decoder = FrameDecoder()
    decoder.feed(b"retry: 200\n\nretry: " + value + b"\n\n")
    assert decoder.retry == 200


def test_the_decoder_uses_no_private_module_of_httpx_sse() -> None:
    tree = ast.parse(Path(_sse.__file__).read_text())
    imported = [n.module for n in ast.walk(tree) if isinstance(n, ast.ImportFrom)]
    imported += [a.name for n in ast.walk(tree) if isinstance(n, ast.Import) for a in n.names]
    assert not [m for m in imported if m and m.startswith("httpx_sse._")]
