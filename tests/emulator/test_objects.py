"""Agents, environments, session lifecycle and threads."""

from __future__ import annotations

import time

import httpx
import pytest

from qoder_async.testing import Emulator

from ._helpers import FrameReader, Helpers


def test_agent_versions(client: httpx.Client) -> None:
    agent = client.post(
        "/agents", json={"name": "v", "model": "ultimate", "system": "be brief"}
    ).json()
    assert agent["version"] == 1
    assert agent["instructions"] == "be brief"
    path = f"/agents/{agent['id']}"
    updated = client.post(path, json={"version": 1, "system": "be kind", "metadata": {"a": "1"}})
    assert updated.json()["version"] == 2
    stale = client.post(path, json={"version": 1, "name": "w"})
    assert stale.status_code == 409
    assert stale.json()["error"]["type"] == "conflict_error"
    same = client.post(path, json={"version": 2, "system": "be kind"}).json()
    assert same["version"] == 2  # nothing changed, no new version
    assert client.get(path, params={"version": 1}).json()["system"] == "be brief"
    assert client.get(path).json()["system"] == "be kind"
    assert client.get(path, params={"version": 9}).status_code == 404
    versions = client.get(f"{path}/versions").json()
    assert [v["version"] for v in versions["data"]] == [1, 2]
    assert client.post(path, json={"name": ""}).status_code == 400
    assert client.post(path, json={"model": None}).status_code == 400
    patched = client.post(path, json={"metadata": {"a": None, "b": "2"}}).json()
    assert patched["metadata"] == {"b": "2"}
    archived = client.post(f"{path}/archive").json()
    assert archived["archived_at"] is not None
    assert agent["id"] not in [a["id"] for a in client.get("/agents").json()["data"]]
    listed = client.get("/agents", params={"include_archived": "true", "limit": 100}).json()
    assert agent["id"] in [a["id"] for a in listed["data"]]


def test_environment_crud(client: httpx.Client) -> None:
    created = client.post(
        "/environments",
        json={"name": "env", "config": {"type": "cloud", "networking": {"type": "limited"}}},
    )
    assert created.status_code == 201
    environment = created.json()
    path = f"/environments/{environment['id']}"
    assert client.post(path, json={"description": "d"}).json()["description"] == "d"
    assert client.post(f"{path}/archive").json()["archived_at"] is not None
    assert client.delete(path).json() == {"id": environment["id"], "type": "environment_deleted"}
    assert client.get(path).status_code == 404
    assert client.post("/environments", json={}).status_code == 400


def test_session_update_publishes_session_updated(
    emu: Emulator, client: httpx.Client, api: Helpers
) -> None:
    session = api.session(metadata={"keep": "1", "drop": "2"})
    path = f"/sessions/{session['id']}"
    updated = client.post(
        path,
        json={"title": "New", "metadata": {"drop": None, "add": "3"}, "agent": {"system": "s"}},
    ).json()
    assert updated["title"] == "New"
    assert updated["metadata"] == {"keep": "1", "add": "3"}
    assert updated["agent"]["system"] == "s"
    event = emu.log(session["id"])[-1]
    assert event["type"] == "session.updated"
    assert event["title"] == "New"


def test_session_with_pinned_agent_version_and_overrides(client: httpx.Client) -> None:
    agent = client.post("/agents", json={"name": "p", "model": "ultimate"}).json()
    client.post(f"/agents/{agent['id']}", json={"model": "qoder-best"})
    environment = client.post("/environments", json={"name": "e"}).json()
    pinned = client.post(
        "/sessions",
        json={
            "agent": {"type": "agent", "id": agent["id"], "version": 1},
            "environment_id": environment["id"],
        },
    ).json()
    assert pinned["agent"]["version"] == 1
    assert pinned["agent"]["model"] == "ultimate"
    overridden = client.post(
        "/sessions",
        json={
            "agent": {"type": "agent_with_overrides", "id": agent["id"], "system": "x"},
            "environment_id": environment["id"],
            "budget": {"type": "limit", "max_credit_cost": "12.50"},
        },
    ).json()
    assert overridden["agent"]["version"] == 2
    assert overridden["agent"]["system"] == "x"
    assert overridden["budget"] == {"type": "limit", "max_credit_cost": "12.50"}
    bad_budget = client.post(
        "/sessions",
        json={
            "agent": agent["id"],
            "environment_id": environment["id"],
            "budget": {"type": "limit", "max_credit_cost": "-1"},
        },
    )
    assert bad_budget.status_code == 400


def test_initial_events_start_a_turn(emu: Emulator, client: httpx.Client) -> None:
    agent = client.post("/agents", json={"name": "i", "model": "ultimate"}).json()
    environment = client.post("/environments", json={"name": "e"}).json()
    session = client.post(
        "/sessions",
        json={
            "agent": agent["id"],
            "environment_id": environment["id"],
            "initial_events": [
                {"type": "user.message", "content": [{"type": "text", "text": "start"}]}
            ],
        },
    ).json()
    emu.wait_idle(session["id"])
    assert emu.log(session["id"])[-1]["type"] == "session.status_idle"


def test_cancel_running_and_idle() -> None:
    with (
        Emulator(pace=0.05) as emu,
        httpx.Client(base_url=emu.base_url, headers={"Authorization": "Bearer t"}) as client,
    ):
        api = Helpers(client)
        session = api.session()
        path = f"/sessions/{session['id']}/cancel"
        idle = client.post(path)
        assert idle.status_code == 200
        api.send(session["id"], "long")
        running = client.post(path)
        assert running.status_code == 202
        assert running.json() == {"id": session["id"], "type": "session", "status": "canceling"}
        emu.wait_idle(session["id"], timeout=5)
        log = emu.log(session["id"])
        assert log[-1]["type"] == "session.status_idle"
        assert log[-1]["stop_reason"] == {"type": "end_turn"}
        assert "agent.message" not in [e["type"] for e in log]
        assert client.get(f"/sessions/{session['id']}").json()["status"] == "idle"


def test_threads(emu: Emulator, client: httpx.Client, api: Helpers) -> None:
    session = api.session()
    base = f"/sessions/{session['id']}/threads"
    threads = client.get(base).json()["data"]
    assert len(threads) == 1
    primary = threads[0]
    assert primary["id"].startswith("sthr_")
    assert primary["type"] == "session_thread"
    assert primary["parent_thread_id"] is None
    assert primary["session_id"] == session["id"]
    assert client.get(f"{base}/{primary['id']}").json()["id"] == primary["id"]
    assert client.post(f"{base}/{primary['id']}/archive").status_code == 400
    assert client.get(f"{base}/sthr_missing").json()["error"]["message"] == (
        "Session thread 'sthr_missing' was not found."
    )
    child = emu.add_thread(session["id"], "researcher")
    archived = client.post(f"{base}/{child['id']}/archive").json()
    assert archived["status"] == "archived"
    assert archived["stop_reason"] == {"type": "archive"}
    api.send(session["id"], "threads")
    emu.wait_idle(session["id"])
    events = client.get(f"{base}/{primary['id']}/events", params={"limit": 100}).json()["data"]
    assert events[-1]["type"] == "session.status_idle"
    assert all(e["session_thread_id"] == primary["id"] for e in events)
    child_events = client.get(f"{base}/{child['id']}/events").json()["data"]
    assert [e["type"] for e in child_events] == ["session.thread_created"]
    only_archived = client.get(base, params={"statuses[]": "archived"}).json()["data"]
    assert [t["id"] for t in only_archived] == [child["id"]]


def test_counts_and_custom_agent_script() -> None:
    def script(text: str, context: object) -> list[dict[str, object]]:
        return [{"type": "agent.message", "content": [{"type": "text", "text": text.upper()}]}]

    with (
        Emulator(agent=script) as emu,
        httpx.Client(base_url=emu.base_url, headers={"Authorization": "Bearer t"}) as client,
    ):
        session = Helpers(client).session()
        Helpers(client).send(session["id"], "shout")
        emu.wait_idle(session["id"])
        types = [e["type"] for e in emu.log(session["id"])]
        assert types == [
            "user.message",
            "session.status_running",
            "agent.message",
            "session.usage",
            "session.status_idle",
        ]
        assert emu.log(session["id"])[2]["content"][0]["text"] == "SHOUT"
        assert emu.count("agents") == emu.count("sessions") == emu.count("environments") == 1
        assert emu.count("events") == 5
        assert [r.method for r in emu.requests][:3] == ["POST", "POST", "POST"]
        assert emu.requests[0].headers["authorization"] == "Bearer t"
        assert emu.requests[0].path == "/api/v1/cloud/agents"


def test_inspection_of_unknown_and_deleted_sessions(emu: Emulator, client: httpx.Client) -> None:
    with pytest.raises(KeyError):
        emu.log("sess_unknown")
    with pytest.raises(KeyError):
        emu.append_events("sess_unknown", [{"type": "x"}])
    session = emu.new_session()
    client.delete(f"/sessions/{session['id']}")
    assert emu.log(session["id"])[-1]["type"] == "session.deleted"
    with pytest.raises(KeyError):
        emu.session(session["id"])


def test_child_thread_stream_sees_session_deleted(
    emu: Emulator, client: httpx.Client, api: Helpers
) -> None:
    session = api.session()
    child = emu.add_thread(session["id"], "helper")
    path = f"/sessions/{session['id']}/threads/{child['id']}/stream"
    with client.stream("GET", path) as response:
        reader = FrameReader(response)
        deadline = time.monotonic() + 2
        while emu.open_streams == 0 and time.monotonic() < deadline:
            time.sleep(0.01)
        api.send(session["id"], "not for the child")
        emu.wait_idle(session["id"])
        client.delete(f"/sessions/{session['id']}")
        frames = reader.until("session.deleted")
    assert [f.event for f in frames] == ["session.deleted"]
