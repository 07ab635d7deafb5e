"""Fault injection at the wire level: stream faults, wire options, request faults."""

from __future__ import annotations

import threading
import time

import httpx
import pytest

from qoder_async.testing import Emulator, RequestFault, StreamFault

from ._helpers import FrameReader, Helpers, stream_url

SSE = {"Accept": "text/event-stream"}


def finished_session(emu: Emulator, api: Helpers) -> tuple[str, list[str]]:
    """A session with one finished turn, and its event ids."""
    session = api.session()
    api.send(session["id"], "go")
    emu.wait_idle(session["id"])
    return session["id"], [e["id"] for e in emu.log(session["id"])]


def replay_all(client: httpx.Client, session_id: str, first_id: str) -> httpx.Response:
    return client.get(stream_url(session_id), headers={**SSE, "Last-Event-ID": first_id})


def collect_ids(client: httpx.Client, session_id: str, last_id: str, into: list[str]) -> None:
    """Read frame ids from a resumed stream until it ends (or breaks)."""
    headers = {**SSE, "Last-Event-ID": last_id}
    with client.stream("GET", stream_url(session_id), headers=headers) as r:
        reader = FrameReader(r)
        while (frame := reader.next()) is not None:
            into.append(frame.id or "")


def collect_raw(client: httpx.Client, session_id: str, last_id: str, into: list[bytes]) -> None:
    """Read raw body bytes from a resumed stream until it ends (or breaks)."""
    headers = {**SSE, "Last-Event-ID": last_id}
    with client.stream("GET", stream_url(session_id), headers=headers) as r:
        into.extend(r.iter_raw())


def test_drop_after_frames_breaks_the_body(
    emu: Emulator, client: httpx.Client, api: Helpers
) -> None:
    session_id, ids = finished_session(emu, api)
    emu.stream_faults(session_id, [StreamFault(drop_after=3)])
    received: list[str] = []
    with pytest.raises(httpx.RemoteProtocolError):
        collect_ids(client, session_id, ids[0], received)
    assert received == ids[1:4]
    # The fault was for one connection only.
    with client.stream(
        "GET", stream_url(session_id), headers={**SSE, "Last-Event-ID": ids[0]}
    ) as r:
        frames = FrameReader(r).until("session.status_idle")
    assert [f.id for f in frames] == ids[1:]


def test_drop_mid_frame_sends_half_a_frame(
    emu: Emulator, client: httpx.Client, api: Helpers
) -> None:
    session_id, ids = finished_session(emu, api)
    emu.stream_faults(session_id, [StreamFault(drop_after=1, drop_mid_frame=True)])
    chunks: list[bytes] = []
    with pytest.raises(httpx.RemoteProtocolError):
        collect_raw(client, session_id, ids[0], chunks)
    raw = b"".join(chunks)
    text = raw.decode()
    assert f"id: {ids[1]}\n" in text
    assert f"id: {ids[2]}" in text
    assert not text.endswith("\n\n")


def test_drop_after_zero_and_global_queue(fresh_emu: Emulator, fresh_client: httpx.Client) -> None:
    api = Helpers(fresh_client)
    session = api.session()
    fresh_emu.stream_faults(None, [StreamFault(drop_after=0), StreamFault(status=503)])
    with (
        pytest.raises(httpx.RemoteProtocolError),
        fresh_client.stream("GET", stream_url(session["id"]), headers=SSE) as r,
    ):
        r.read()
    assert fresh_client.get(stream_url(session["id"]), headers=SSE).status_code == 503
    with fresh_client.stream("GET", stream_url(session["id"]), headers=SSE) as r:
        assert r.status_code == 200


def test_stall_is_total_silence(emu: Emulator, client: httpx.Client, api: Helpers) -> None:
    session_id, ids = finished_session(emu, api)
    emu.stream_faults(session_id, [StreamFault(stall=0.6, stall_after=2)])
    arrivals: list[tuple[float, str]] = []
    started = time.monotonic()
    with client.stream(
        "GET", stream_url(session_id), headers={**SSE, "Last-Event-ID": ids[0]}
    ) as r:
        for line in r.iter_lines():
            arrivals.append((time.monotonic() - started, line))
            if "session.status_idle" in line:
                break
    frame_lines = [(t, line) for t, line in arrivals if line.startswith("id:")]
    assert frame_lines[1][0] < 0.3
    assert frame_lines[2][0] >= 0.55
    silent = [line for t, line in arrivals if 0.3 < t < 0.55]
    assert silent == []  # heartbeats are 0.2 s apart, yet none came during the stall


def test_status_fault_with_retry_after(emu: Emulator, client: httpx.Client, api: Helpers) -> None:
    session = api.session()
    emu.stream_faults(session["id"], [StreamFault(status=429, retry_after="2")])
    response = client.get(stream_url(session["id"]), headers=SSE)
    assert response.status_code == 429
    assert response.headers["retry-after"] == "2"
    assert response.json()["error"]["type"] == "rate_limit_error"


def test_retry_field(emu: Emulator, client: httpx.Client, api: Helpers) -> None:
    session = api.session()
    emu.stream_faults(session["id"], [StreamFault(retry_ms=1500)])
    with client.stream("GET", stream_url(session["id"]), headers=SSE) as r:
        first = next(r.iter_lines())
    assert first == "retry: 1500"


def raw_replay(client: httpx.Client, session_id: str, last_id: str, limit: int = 300) -> bytes:
    raw = b""
    with client.stream(
        "GET", stream_url(session_id), headers={**SSE, "Last-Event-ID": last_id}
    ) as r:
        for chunk in r.iter_raw():
            raw += chunk
            if b"session.status_idle" in raw and len(raw) > limit:
                break
    return raw


@pytest.mark.parametrize("ending", ["\r\n", "\r"])
def test_line_endings(emu: Emulator, client: httpx.Client, api: Helpers, ending: str) -> None:
    session_id, ids = finished_session(emu, api)
    emu.set_stream_options(session_id, line_ending=ending)
    raw = raw_replay(client, session_id, ids[0]).decode()
    assert raw.startswith(f": heartbeat{ending}{ending}id: {ids[1]}{ending}event: ")
    if ending == "\r":
        assert "\n" not in raw
    with client.stream(
        "GET", stream_url(session_id), headers={**SSE, "Last-Event-ID": ids[0]}
    ) as r:
        frames = FrameReader(r).until("session.status_idle")
    assert [f.id for f in frames] == ids[1:]


def test_bom_multiline_and_missing_lines(emu: Emulator, client: httpx.Client, api: Helpers) -> None:
    session_id, ids = finished_session(emu, api)
    emu.set_stream_options(
        session_id, bom=True, multiline_data=True, omit_event_line=True, omit_data_id=True
    )
    raw = raw_replay(client, session_id, ids[0])
    assert raw.startswith("\ufeff".encode())
    text = raw.decode()
    assert "event:" not in text
    assert "\ndata: {\n" in text
    with client.stream(
        "GET", stream_url(session_id), headers={**SSE, "Last-Event-ID": ids[0]}
    ) as r:
        reader = FrameReader(r)
        frame = reader.next()
    assert frame is not None
    assert frame.event is None
    assert frame.id == ids[1]
    assert "id" not in frame.json
    assert frame.json["type"] == "session.status_running"


def test_heartbeat_option_and_global_scope(fresh_emu: Emulator, fresh_client: httpx.Client) -> None:
    session = Helpers(fresh_client).session()
    fresh_emu.set_stream_options(None, heartbeat_ms=50)
    started = time.monotonic()
    beats = 0
    with fresh_client.stream("GET", stream_url(session["id"]), headers=SSE) as r:
        for line in r.iter_lines():
            beats += line == ": heartbeat"
            if beats == 5:
                break
    assert time.monotonic() - started < 0.5
    with pytest.raises(TypeError):
        fresh_emu.set_stream_options(None, colour="red")
    with pytest.raises(ValueError, match="line_ending"):
        fresh_emu.set_stream_options(None, line_ending="\n\n")


def test_request_fault_status_and_matching(fresh_emu: Emulator, fresh_client: httpx.Client) -> None:
    fresh_emu.request_faults(
        [
            RequestFault(status=503, method="POST", path_prefix="/agents", times=2),
            RequestFault(status=429, headers={"Retry-After": "1", "retry-after-ms": "1000"}),
        ]
    )
    # GET /models does not match the first fault, so it takes the second.
    limited = fresh_client.get("/models")
    assert limited.status_code == 429
    assert limited.headers["retry-after"] == "1"
    assert limited.headers["retry-after-ms"] == "1000"
    assert limited.json()["request_id"] == limited.headers["x-request-id"]
    body = {"name": "a", "model": "ultimate"}
    assert fresh_client.post("/agents", json=body).status_code == 503
    assert fresh_client.post("/agents", json=body).json()["error"]["type"] == "api_error"
    assert fresh_client.post("/agents", json=body).status_code == 201
    assert fresh_emu.count("agents") == 1


def test_dropped_response_and_idempotent_retry(
    fresh_emu: Emulator, fresh_client: httpx.Client
) -> None:
    fresh_emu.request_faults(
        [RequestFault(drop_response=True, method="POST", path_prefix="/agents")]
    )
    headers = {"Idempotency-Key": "key-1"}
    body = {"name": "once", "model": "ultimate"}
    with pytest.raises(httpx.RemoteProtocolError):
        fresh_client.post("/agents", json=body, headers=headers)
    assert fresh_emu.count("agents") == 1  # the work happened
    retry = fresh_client.post("/agents", json=body, headers=headers)
    assert retry.status_code == 201
    assert retry.headers["idempotent-replayed"] == "true"
    assert fresh_emu.count("agents") == 1
    listed = fresh_client.get("/agents").json()["data"]
    assert [a["id"] for a in listed] == [retry.json()["id"]]


def test_shutdown_is_prompt_with_open_streams() -> None:
    outcome: list[str] = []
    with Emulator() as emu:
        session = emu.new_session()
        client = httpx.Client(headers={"Authorization": "Bearer t"}, timeout=10)

        def hold() -> None:
            try:
                with client.stream("GET", emu.base_url + stream_url(session["id"])) as r:
                    for _ in r.iter_lines():
                        pass
                outcome.append("closed")
            except httpx.HTTPError as exc:
                outcome.append(type(exc).__name__)

        holders = [threading.Thread(target=hold) for _ in range(3)]
        for holder in holders:
            holder.start()
        deadline = time.monotonic() + 2
        while emu.open_streams < 3 and time.monotonic() < deadline:
            time.sleep(0.01)
        assert emu.open_streams == 3
        started = time.monotonic()
    assert time.monotonic() - started < 2.0
    for holder in holders:
        holder.join(2)
    assert len(outcome) == 3
    client.close()
