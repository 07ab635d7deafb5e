"""The SSE stream: framing, live-only vs resume, deltas, heartbeats, disconnects."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator

import httpx
import pytest

from qoder_async.testing import Emulator

from ._helpers import TOKEN, FrameReader, Helpers, stream_url

SSE = {"Accept": "text/event-stream"}


@pytest.fixture(params=["ordered", "random"])
def paced(request: pytest.FixtureRequest) -> Iterator[tuple[Emulator, httpx.Client, Helpers]]:
    """A paced emulator, once with time-ordered ids and once with random ones."""
    with (
        Emulator(pace=0.02, heartbeat_interval=0.2, ids=request.param) as emu,
        httpx.Client(
            base_url=emu.base_url, headers={"Authorization": f"Bearer {TOKEN}"}, timeout=10
        ) as client,
    ):
        yield emu, client, Helpers(client)


def wait_for(predicate: object, timeout: float = 2.0) -> bool:
    assert callable(predicate)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.01)
    return bool(predicate())


def test_frames_match_the_sample_layout(emu: Emulator, client: httpx.Client, api: Helpers) -> None:
    session = api.session()
    api.send(session["id"], "first")
    emu.wait_idle(session["id"])
    first = emu.log(session["id"])[0]["id"]
    with client.stream(
        "GET", stream_url(session["id"]), headers={**SSE, "Last-Event-ID": first}
    ) as r:
        assert r.status_code == 200
        assert r.headers["content-type"].startswith("text/event-stream")
        assert r.headers["x-request-id"]
        raw = b""
        for chunk in r.iter_raw():
            raw += chunk
            if b"session.status_running" in raw and raw.endswith(b"\n\n"):
                break
    text = raw.decode()
    assert text.startswith(": heartbeat\n\n")
    frame = text.split("\n\n")[1].split("\n")
    assert frame[0].startswith("id: evt_")
    assert frame[1] == "event: session.status_running"
    assert frame[2].startswith('data: {"id":"evt_')
    assert '"type":"session.status_running","processed_at":"' in frame[2]


def test_without_last_event_id_the_stream_is_live_only(
    emu: Emulator, client: httpx.Client, api: Helpers
) -> None:
    session = api.session()
    api.send(session["id"], "before")
    emu.wait_idle(session["id"])
    before = {e["id"] for e in emu.log(session["id"])}
    with client.stream("GET", stream_url(session["id"]), headers=SSE) as r:
        reader = FrameReader(r)
        assert wait_for(lambda: emu.open_streams >= 1)
        api.send(session["id"], "after")
        frames = reader.until("session.status_idle")
    ids = [f.id for f in frames]
    assert not before & set(ids)
    assert frames[0].event == "user.message"
    assert frames[0].json["content"][0]["text"] == "after"


def test_resume_has_no_gap_and_no_duplicate(paced: tuple[Emulator, httpx.Client, Helpers]) -> None:
    emu, client, api = paced
    session = api.session()
    seen: list[str] = []
    with client.stream("GET", stream_url(session["id"]), headers=SSE) as r:
        reader = FrameReader(r)
        assert wait_for(lambda: emu.open_streams == 1)
        api.send(session["id"], "resume me")
        for _ in range(4):
            frame = reader.next()
            assert frame is not None
            assert frame.id is not None
            seen.append(frame.id)
    # Reconnect mid-turn from the last id we saw: replay then live, seamlessly.
    with client.stream(
        "GET", stream_url(session["id"]), headers={**SSE, "Last-Event-ID": seen[-1]}
    ) as r:
        frames = FrameReader(r).until("session.status_idle")
    seen += [f.id for f in frames if f.id]
    log_ids = [e["id"] for e in emu.log(session["id"])]
    assert seen == log_ids


def test_unknown_last_event_id_replays_from_the_start(
    emu: Emulator, client: httpx.Client, api: Helpers
) -> None:
    session = api.session()
    api.send(session["id"], "x")
    emu.wait_idle(session["id"])
    headers = {**SSE, "Last-Event-ID": "evt_unknown"}
    with client.stream("GET", stream_url(session["id"]), headers=headers) as r:
        frames = FrameReader(r).until("session.status_idle")
    assert [f.id for f in frames] == [e["id"] for e in emu.log(session["id"])]


def test_deltas_only_for_connections_that_ask(
    paced: tuple[Emulator, httpx.Client, Helpers],
) -> None:
    emu, client, api = paced
    session = api.session()
    results: dict[str, list[tuple[str | None, str | None]]] = {}

    def read(name: str, params: dict[str, list[str]]) -> None:
        with client.stream("GET", stream_url(session["id"]), headers=SSE, params=params) as r:
            results[name] = [(f.event, f.id) for f in FrameReader(r).until("session.status_idle")]

    readers = [
        threading.Thread(target=read, args=("plain", {})),
        threading.Thread(target=read, args=("deltas", {"event_deltas[]": ["agent.message"]})),
    ]
    for reader in readers:
        reader.start()
    assert wait_for(lambda: emu.open_streams == 2)
    api.send(session["id"], "tell me something")
    for reader in readers:
        reader.join(10)

    plain_events = [event for event, _ in results["plain"]]
    assert "event_start" not in plain_events
    assert "event_delta" not in plain_events
    frames = results["deltas"]
    message_index = next(i for i, (event, _) in enumerate(frames) if event == "agent.message")
    message_id = frames[message_index][1]
    start_index = frames.index(("event_start", message_id))
    assert start_index < message_index
    deltas = frames[start_index + 1 : message_index]
    assert deltas
    assert all(frame == ("event_delta", message_id) for frame in deltas)
    # agent.thinking previews go only to connections asking for them.
    assert ("event_start", None) not in frames
    history = client.get(f"/sessions/{session['id']}/events", params={"limit": 100}).json()
    assert not {e["type"] for e in history["data"]} & {"event_start", "event_delta"}


def test_delta_payloads_rebuild_the_message(
    emu: Emulator, client: httpx.Client, api: Helpers
) -> None:
    session = api.session()
    params = {"event_deltas[]": ["agent.message", "agent.thinking"]}
    with client.stream("GET", stream_url(session["id"]), headers=SSE, params=params) as r:
        reader = FrameReader(r)
        assert wait_for(lambda: emu.open_streams >= 1)
        api.send(session["id"], "rebuild")
        frames = reader.until("session.status_idle")
    starts = [f.json for f in frames if f.event == "event_start"]
    assert {s["event"]["type"] for s in starts} == {"agent.message", "agent.thinking"}
    message = next(f for f in frames if f.event == "agent.message")
    blocks: dict[int, str] = {}
    for frame in frames:
        if frame.event == "event_delta" and frame.json["event_id"] == message.id:
            delta = frame.json["delta"]
            assert delta["type"] == "content_delta"
            blocks[delta["index"]] = blocks.get(delta["index"], "") + delta["content"]["text"]
    assert [blocks[i] for i in sorted(blocks)] == [b["text"] for b in message.json["content"]]


def test_heartbeats_while_idle(emu: Emulator, client: httpx.Client, api: Helpers) -> None:
    session = api.session()
    started = time.monotonic()
    count = 0
    with client.stream("GET", stream_url(session["id"]), headers=SSE) as r:
        for line in r.iter_lines():
            if line == ": heartbeat":
                count += 1
                if count == 3:
                    break
    # One on connect, then one every 0.2 s.
    assert 0.3 < time.monotonic() - started < 2.0


def test_client_disconnect_is_noticed(emu: Emulator, client: httpx.Client, api: Helpers) -> None:
    session = api.session()
    baseline = emu.open_streams
    during = -1
    with client.stream("GET", stream_url(session["id"]), headers=SSE) as r:
        for line in r.iter_lines():
            if line.startswith(":"):
                during = emu.open_streams
                break  # leaving the loop makes httpx close the connection
        assert wait_for(lambda: emu.open_streams == baseline, timeout=1.0)
    assert during == baseline + 1


def test_delete_sends_session_deleted_and_closes(
    emu: Emulator, client: httpx.Client, api: Helpers
) -> None:
    session = api.session()
    with client.stream("GET", stream_url(session["id"]), headers=SSE) as r:
        reader = FrameReader(r)
        assert wait_for(lambda: emu.open_streams >= 1)
        deleted = client.delete(f"/sessions/{session['id']}")
        assert deleted.json() == {"id": session["id"], "type": "session_deleted"}
        frames = reader.until("session.deleted")
        assert frames[-1].event == "session.deleted"
        assert reader.next() is None  # the server ends the body
    assert client.get(f"/sessions/{session['id']}").status_code == 404


def test_list_endpoint_switches_to_sse_on_accept(
    emu: Emulator, client: httpx.Client, api: Helpers
) -> None:
    session = api.session()
    api.send(session["id"], "x")
    emu.wait_idle(session["id"])
    first = emu.log(session["id"])[0]["id"]
    path = f"/sessions/{session['id']}/events"
    with client.stream("GET", path, headers={**SSE, "Last-Event-ID": first}) as r:
        assert r.headers["content-type"].startswith("text/event-stream")
        frame = FrameReader(r).next()
    assert frame is not None
    assert frame.event == "session.status_running"


def test_injected_events_reach_live_streams(
    emu: Emulator, client: httpx.Client, api: Helpers
) -> None:
    session = api.session()
    big = "x" * (1024 * 1024)
    with client.stream("GET", stream_url(session["id"]), headers=SSE) as r:
        reader = FrameReader(r)
        assert wait_for(lambda: emu.open_streams >= 1)
        stored = emu.append_events(
            session["id"],
            [
                {"type": "agent.future_thing", "novel": {"nested": [1, 2]}},
                {"type": "agent.message", "content": [{"type": "text", "text": big}]},
            ],
        )
        first, second = reader.next(), reader.next()
    assert first is not None
    assert second is not None
    assert first.id == stored[0]["id"]
    assert first.event == "agent.future_thing"
    assert first.json["novel"] == {"nested": [1, 2]}
    assert second.json["content"][0]["text"] == big
    assert stored[0]["processed_at"].endswith("Z")
    assert emu.log(session["id"])[-1]["id"] == stored[1]["id"]


def test_thread_stream_and_unknown_delta_type(
    emu: Emulator, client: httpx.Client, api: Helpers
) -> None:
    session = api.session()
    bad = client.get(stream_url(session["id"]), params={"event_deltas[]": "agent.tool_use"})
    assert bad.status_code == 400
    thread = client.get(f"/sessions/{session['id']}/threads").json()["data"][0]
    path = f"/sessions/{session['id']}/threads/{thread['id']}/stream"
    with client.stream("GET", path, headers=SSE) as r:
        reader = FrameReader(r)
        assert wait_for(lambda: emu.open_streams >= 1)
        api.send(session["id"], "thread")
        frames = reader.until("session.status_idle")
    assert frames[0].event == "user.message"
    assert "event_delta" not in {f.event for f in frames}


def test_archive_terminates_the_stream(paced: tuple[Emulator, httpx.Client, Helpers]) -> None:
    emu, client, api = paced
    session = api.session()
    with client.stream("GET", stream_url(session["id"]), headers=SSE) as r:
        reader = FrameReader(r)
        assert wait_for(lambda: emu.open_streams == 1)
        api.send(session["id"], "long turn")
        archived = client.post(f"/sessions/{session['id']}/archive").json()
        frames = reader.until("session.status_terminated")
        assert reader.next() is None
    events = [f.event for f in frames]
    assert events[-2:] == ["session.status_idle", "session.status_terminated"]
    assert archived["status"] == "terminated"
    assert archived["archived_at"] is not None
