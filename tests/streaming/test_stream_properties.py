"""Properties of the whole stream path, on random servers (hypothesis).

A server (the plain socket server of ``tests/hostile``) serves a fixed log and resumes after
the ``Last-Event-ID`` it receives. Hypothesis draws the log's id scheme (time-ordered, random
hex, numbers, UUIDs, strings of mixed lengths), where each id is carried (JSON, ``id:``
line, both, a JSON ``null`` with an ``id:`` line), the frame shapes, the line ending, a BOM,
heartbeat comments, how the bytes are cut into writes, and faults (a connection dropped
mid-frame or between frames, a server that resumes a few events early). Whatever it draws,
the consumer sees the log exactly once, in order.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass

import anyio
import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

import qoder_async as qa
from qoder_async.streaming._sse import FrameDecoder
from tests.hostile._server import Connection, raw_server, sse_response

pytestmark = pytest.mark.anyio

PATH = "/sessions/sess_property/events/stream"
HEARTBEAT = b": heartbeat\n\n"

_ID_CHARS = st.characters(
    min_codepoint=0x21, max_codepoint=0x7E, exclude_characters="\\\"'"
) | st.sampled_from("éü漢")
ID_SCHEMES = {
    "time-ordered": st.integers(0, 2**64).map(lambda n: f"evt_{n:032x}"),
    "random hex": st.binary(min_size=16, max_size=16).map(bytes.hex),
    "numeric": st.integers(0, 2**53),
    "uuid": st.uuids().map(str),
    "mixed lengths": st.text(_ID_CHARS, min_size=1, max_size=40),
}
CARRIERS = ("both", "json", "line", "null json")
SHAPES = ("common", "no event line", "multi-line data", "fields reordered")


@dataclass(frozen=True)
class Fault:
    """What the connection this fault applies to does, and where the next one resumes."""

    after: int  # events served before the fault
    mid_frame: bool  # drop half-way through the next frame, else between frames
    back: int  # the next connection resumes this many events before the one after the cursor


@dataclass(frozen=True)
class Scenario:
    ids: list[object]
    carriers: list[str]
    shapes: list[str]
    ending: bytes
    bom: bool
    heartbeats: list[bool]
    writes: list[int]
    faults: list[Fault]


@st.composite
def scenarios(draw: st.DrawFn) -> Scenario:
    n = draw(st.integers(1, 150))  # past the dedupe window (64) often
    ids = draw(
        st.lists(
            draw(st.sampled_from(sorted(ID_SCHEMES)).map(ID_SCHEMES.__getitem__)),
            min_size=n + 1,
            max_size=n + 1,
            unique_by=str,
        )
    )
    return Scenario(
        ids=ids,
        carriers=draw(st.lists(st.sampled_from(CARRIERS), min_size=n + 1, max_size=n + 1)),
        shapes=draw(st.lists(st.sampled_from(SHAPES), min_size=n + 1, max_size=n + 1)),
        ending=draw(st.sampled_from([b"\n", b"\r\n", b"\r"])),
        bom=draw(st.booleans()),
        heartbeats=draw(st.lists(st.booleans(), min_size=n + 1, max_size=n + 1)),
        writes=draw(st.lists(st.integers(1, 2000), min_size=1, max_size=8)),
        faults=draw(
            st.lists(
                st.builds(Fault, st.integers(0, n), st.booleans(), st.integers(0, 3)),
                max_size=4,
            )
        ),
    )


def encode(scenario: Scenario, i: int) -> bytes:
    """Event ``i`` of the log as a frame, LF-terminated."""
    event_id, carrier, shape = scenario.ids[i], scenario.carriers[i], scenario.shapes[i]
    last = i == len(scenario.ids) - 1
    kind = "session.status_terminated" if last else "agent.message"
    body: dict[str, object] = {"type": kind, "processed_at": "2026-05-18T03:40:48.1Z"}
    if not last:
        body["content"] = [{"type": "text", "text": f"message {i}"}]
    if carrier in ("both", "json"):
        body["id"] = event_id
    elif carrier == "null json":
        body["id"] = None
    line_id = f"id: {event_id}\n" if carrier != "json" else ""
    data = json.dumps(body, ensure_ascii=False)
    if shape == "multi-line data":
        data = data.replace(", ", ",\ndata: ", 1)
    data = f"data: {data}\n"
    event = f"event: {kind}\n" if shape != "no event line" else ""
    text = event + line_id + data if shape == "fields reordered" else line_id + event + data
    return (text + "\n").encode()


def serve(scenario: Scenario, frames: list[bytes], positions: dict[str, int]) -> object:
    def handler(conn: Connection) -> None:
        k = conn.index
        last = conn.request.headers.get("last-event-id")
        start = 0
        if last is not None:
            back = scenario.faults[k - 1].back if 0 < k <= len(scenario.faults) else 0
            start = max(0, positions[last] + 1 - back)
        body = b"\xef\xbb\xbf" if scenario.bom else b""
        fault = scenario.faults[k] if k < len(scenario.faults) else None
        end = len(frames) if fault is None else min(len(frames), start + fault.after)
        for i in range(start, end):
            body += (HEARTBEAT if scenario.heartbeats[i] else b"") + frames[i]
        if fault is not None and fault.mid_frame and end < len(frames):
            body += frames[end][: max(1, len(frames[end]) // 2)]
        body = body.replace(b"\n", scenario.ending)
        conn.send(sse_response())
        sizes, offset, w = scenario.writes, 0, 0
        while offset < len(body):
            if not conn.send(body[offset : offset + sizes[w % len(sizes)]]):
                return
            offset += sizes[w % len(sizes)]
            w += 1
            time.sleep(0)  # let the client read: more distinct chunk boundaries
        if fault is None:
            conn.hold(10)

    return handler


@settings(
    max_examples=15,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(scenario=scenarios())
async def test_the_consumer_sees_the_log_exactly_once_in_order(scenario: Scenario) -> None:
    frames = [encode(scenario, i) for i in range(len(scenario.ids))]
    expected = [str(i) for i in scenario.ids]
    positions = {event_id: n for n, event_id in enumerate(expected)}
    seen: list[str] = []
    with raw_server(serve(scenario, frames, positions)) as server:  # type: ignore[arg-type]  # serve returns a handler
        async with qa.AsyncQoder(
            "t", server.base_url, retry_policy=qa.RetryPolicy.instant()
        ) as client:
            with anyio.fail_after(20):
                async with qa.EventStream(client._http, PATH) as stream:
                    async for event in stream:
                        assert not isinstance(event, qa.MalformedEvent), event.error
                        seen.append(event.id)
        assert len(server.requests) <= len(scenario.faults) + 1
    assert seen == expected


# --- the decoder alone: many more cases, no sockets -----------------------------------------

FRAME_SHAPES = [
    b'id: a\nevent: x\ndata: {"n": 1}\n\n',
    b'event: x\ndata: {"n": 2}\n\n',
    b"data: {}\ndata: {}\n\n",
    b"id:b\ndata:c\n\n",
    b": comment\n\n",
    b"retry: 100\n\n",
    b"id: only\n\n",
    b"data: caf\xc3\xa9 \xe2\x9c\x85\n\n",
    b"id: a\x00b\ndata: nul\n\n",
]


def decode_all(raw: bytes, cuts: list[int]) -> list[tuple[str, str, bytes]]:
    decoder = FrameDecoder()
    out, offset, n = [], 0, 0
    while offset < len(raw):
        size = cuts[n % len(cuts)]
        out += decoder.feed(raw[offset : offset + size])
        offset, n = offset + size, n + 1
    return [(f.id, f.event, f.payload) for f in out]


@settings(max_examples=300, deadline=None)
@given(
    frames=st.lists(st.sampled_from(FRAME_SHAPES), max_size=40),
    ending=st.sampled_from([b"\n", b"\r\n", b"\r"]),
    bom=st.booleans(),
    cuts=st.lists(st.integers(1, 64), min_size=1, max_size=10),
)
def test_chunk_boundaries_line_endings_and_a_bom_never_change_the_frames(
    frames: list[bytes], ending: bytes, bom: bool, cuts: list[int]
) -> None:
    lf = b"".join(frames)
    raw = (b"\xef\xbb\xbf" if bom else b"") + lf.replace(b"\n", ending)
    assert decode_all(raw, cuts) == decode_all(lf, [len(lf) or 1])
