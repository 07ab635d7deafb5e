"""The SSE decoder: bytes in, the same events as httpx-sse's reference decoder out."""

from __future__ import annotations

from pathlib import Path

import pytest
from httpx_sse._decoders import SSEDecoder, SSELineDecoder

from qoder_async._sse import FrameDecoder

SAMPLE = (Path(__file__).parents[1] / ".." / "shared" / "api" / "sample-stream.txt").resolve()
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
