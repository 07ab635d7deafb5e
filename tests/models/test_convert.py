"""The converter: typed events from JSON, nothing lost, request bodies from attrs classes."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from httpx_sse import ServerSentEvent

import qoder_async as qa
from qoder_async._models import _convert
from qoder_async._models._convert import loads, structure, structure_event, unstructure
from qoder_async._models._events import BUFFERED_EVENT_CLASSES
from qoder_async.streaming._sse import FrameDecoder
from qoder_async.streaming._stream import decode_frame

SAMPLE = (Path(__file__).parents[2] / ".." / "shared" / "api" / "sample-stream.txt").resolve()


def sample_events() -> list[dict[str, object]]:
    lines = SAMPLE.read_text().splitlines()
    return [json.loads(line[6:]) for line in lines if line.startswith("data: ")]


def test_sample_stream_decodes_to_known_types_only() -> None:
    events = [structure_event(data) for data in sample_events()]
    assert not [e for e in events if isinstance(e, (qa.UnknownEvent, qa.MalformedEvent))]
    assert isinstance(events[-1], qa.SessionStatusIdle)
    assert events[-1].stop_reason == qa.StopReason(type="end_turn")


def test_every_event_has_id_type_and_processed_at() -> None:
    for data in sample_events():
        event = structure_event(data)
        assert (event.id, event.type, event.processed_at) == (
            data["id"],
            data["type"],
            data["processed_at"],
        )


def test_agent_message_text_joins_text_blocks_with_nothing_in_between() -> None:
    event = structure_event(
        {
            "id": "evt_1",
            "type": "agent.message",
            "content": [
                {"type": "text", "text": "The sky is "},
                {"type": "redacted"},
                {"type": "text", "text": "blue."},
            ],
        }
    )
    assert isinstance(event, qa.AgentMessage)
    assert event.text == "The sky is blue."


def test_unknown_type_becomes_unknown_event_with_everything_kept() -> None:
    data = {"id": "evt_9", "type": "agent.brand_new", "processed_at": "t", "x": {"y": 1}}
    event = structure_event(data)
    assert isinstance(event, qa.UnknownEvent)
    assert (event.type, event.id, event.raw) == ("agent.brand_new", "evt_9", data)


def test_unknown_fields_on_known_types_are_kept_in_raw() -> None:
    data = {"id": "evt_1", "type": "agent.thinking", "processed_at": "t", "new_field": [1, 2]}
    event = structure_event(data)
    assert isinstance(event, qa.AgentThinking)
    assert event.raw["new_field"] == [1, 2]


def test_unknown_content_block_is_kept() -> None:
    block = {"type": "hologram", "depth": 3}
    event = structure_event({"id": "e", "type": "agent.message", "content": [block]})
    assert isinstance(event, qa.AgentMessage)
    assert event.content == (qa.UnknownBlock(type="hologram", raw=block),)


def test_every_documented_type_decodes_from_its_envelope() -> None:
    for cls in BUFFERED_EVENT_CLASSES:
        wire_type = cls().type
        event = structure_event({"id": "evt_x", "type": wire_type, "processed_at": "t"})
        assert type(event) is cls, wire_type


def test_model_usage_is_typed() -> None:
    event = structure_event(sample_events()[5])
    assert isinstance(event, qa.SpanModelRequestEnd)
    assert event.model_usage == qa.ModelUsage(
        input_tokens=4105,
        output_tokens=61,
        cache_read_input_tokens=0,
        cache_creation_input_tokens=3920,
        speed="standard",
        credits=1.08,
    )


def test_frame_id_and_event_lines_fill_missing_fields() -> None:
    event = decode_frame(ServerSentEvent(event="agent.thinking", data="{}", id="evt_7"))
    assert (type(event), event.id, event.type) == (qa.AgentThinking, "evt_7", "agent.thinking")


def test_bad_json_becomes_malformed_event_carrying_the_text() -> None:
    event = decode_frame(ServerSentEvent(event="agent.message", data='{"trunc', id="evt_3"))
    assert isinstance(event, qa.MalformedEvent)
    assert (event.id, event.type, event.data) == ("evt_3", "agent.message", '{"trunc')
    assert "JSONDecodeError" in event.error


def test_wrong_field_shape_becomes_malformed_event() -> None:
    event = decode_frame(
        ServerSentEvent(event="agent.message", data='{"type":"agent.message","content":5}', id="e")
    )
    assert isinstance(event, qa.MalformedEvent)


def test_a_malformed_event_keeps_its_json_id_and_type() -> None:
    data = '{"id":"evt_json","type":"agent.message","content":5}'
    event = decode_frame(ServerSentEvent(data=data, id="evt_line"))
    assert isinstance(event, qa.MalformedEvent)
    assert (event.id, event.type) == ("evt_json", "agent.message")


def test_a_null_json_id_falls_back_to_the_id_line() -> None:
    event = decode_frame(ServerSentEvent(data='{"id":null,"type":"agent.thinking"}', id="evt_7"))
    assert (type(event), event.id) == (qa.AgentThinking, "evt_7")


@pytest.mark.parametrize("event_type", ["agent.thinking", "agent.brand_new"])
def test_numeric_event_id_becomes_a_string(event_type: str) -> None:
    event = decode_frame(ServerSentEvent(data=f'{{"id":42,"type":"{event_type}"}}'))
    assert event.id == "42"


@pytest.mark.parametrize("tag", ["5", "null", "[1]", "{}"])
def test_event_type_is_always_a_string(tag: str) -> None:
    event = decode_frame(ServerSentEvent(data=f'{{"id":"evt_1","type":{tag}}}', id="evt_1"))
    assert isinstance(event.type, str)
    assert event.id == "evt_1"


def test_an_id_that_is_neither_string_nor_number_makes_a_malformed_event() -> None:
    event = decode_frame(ServerSentEvent(data='{"id":[1],"type":"agent.thinking"}', id="line"))
    assert isinstance(event, qa.MalformedEvent)
    assert event.id == "line"


def test_history_events_get_string_ids_and_types_too() -> None:
    event = structure({"id": 7, "type": None}, qa.Event)
    assert (event.id, event.type) == ("7", "")


def test_delta_frames_decode_to_previews() -> None:
    start = structure_event(
        {"type": "event_start", "event": {"id": "evt_m", "type": "agent.message"}}
    )
    delta = structure_event(
        {
            "type": "event_delta",
            "event_id": "evt_m",
            "delta": {
                "type": "content_delta",
                "index": 1,
                "content": {"type": "text", "text": "hi"},
            },
        }
    )
    assert start == qa.EventStart(id="evt_m", event_type="agent.message")
    assert isinstance(delta, qa.EventDelta)
    assert (delta.id, delta.index, delta.text) == ("evt_m", 1, "hi")


def test_session_resource_reads_path_or_mount_path() -> None:
    a = structure({"type": "file", "file_id": "f", "path": "/data/x"}, qa.SessionResource)
    b = structure({"type": "file", "file_id": "f", "mount_path": "/data/x"}, qa.SessionResource)
    assert a.mount_path == b.mount_path == "/data/x"


def test_message_body_comes_from_the_param_class() -> None:
    assert unstructure(qa.UserMessageParam("hello")) == {
        "type": "user.message",
        "content": [{"type": "text", "text": "hello"}],
    }


def test_unset_optional_fields_are_not_sent() -> None:
    assert unstructure(qa.FileResource("file_1")) == {"type": "file", "file_id": "file_1"}
    assert unstructure(qa.UserInterruptParam()) == {"type": "user.interrupt"}


# --- JSON parsing: the same results with and without the speed extra (orjson) ------------

ODD_DOCUMENTS = [
    '{"n": NaN, "i": -Infinity}',  # orjson refuses these; json accepts them
    '{"u64": 18446744073709551615, "i64": -9223372036854775808}',  # the 64-bit limits
    '{"s": "\\ud800 lone surrogate"}',
    '{"a": 1, "a": 2}',  # duplicate keys: the last wins
    '{"f": 1e400, "g": 0.1, "h": -0.0}',
    '{"t": "café ✅ 日本語 \\u00e9"}',
]


@pytest.mark.parametrize("text", ODD_DOCUMENTS)
@pytest.mark.parametrize("with_orjson", [True, False])
def test_loads_gives_what_the_standard_library_gives(
    text: str, with_orjson: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    if not with_orjson:
        monkeypatch.setattr(_convert, "orjson", None)
    assert repr(loads(text)) == repr(json.loads(text))
    assert repr(loads(text.encode("utf-8", "surrogatepass"))) == repr(
        json.loads(text.encode("utf-8", "surrogatepass").decode("utf-8", "replace"))
    )


@pytest.mark.parametrize("with_orjson", [True, False])
def test_loads_replaces_invalid_utf8_like_the_sse_decoder(
    with_orjson: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    if not with_orjson:
        monkeypatch.setattr(_convert, "orjson", None)
    assert loads(b'{"t": "a\xffb"}') == {"t": "a\ufffdb"}


@pytest.mark.parametrize("with_orjson", [True, False])
def test_loads_raises_the_standard_library_error(
    with_orjson: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    if not with_orjson:
        monkeypatch.setattr(_convert, "orjson", None)
    with pytest.raises(json.JSONDecodeError, match="Unterminated string"):
        loads(b'{"trunc')


def test_with_orjson_integers_beyond_64_bits_become_floats() -> None:
    pytest.importorskip("orjson")
    assert loads('{"big": 123456789012345678901234567890}') == {"big": 1.2345678901234568e29}


def test_frames_from_the_decoder_and_from_httpx_sse_decode_alike() -> None:
    (frame,) = FrameDecoder().feed(b'id: evt_7\nevent: agent.thinking\ndata: {"x": 1}\n\n')
    sse = ServerSentEvent(event="agent.thinking", data='{"x": 1}', id="evt_7")
    assert decode_frame(frame) == decode_frame(sse)
    assert decode_frame(frame).raw == decode_frame(sse).raw
