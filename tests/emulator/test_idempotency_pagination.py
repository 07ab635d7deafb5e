"""Idempotency keys (§1.4) and the list envelope with its cursors (§3)."""

from __future__ import annotations

from typing import Any

import httpx

from qoder_async.testing import Emulator

from ._helpers import Helpers


def test_same_key_same_body_replays(fresh_emu: Emulator, fresh_client: httpx.Client) -> None:
    body = {"name": "idem", "model": "ultimate"}
    headers = {"Idempotency-Key": "k-same"}
    first = fresh_client.post("/agents", json=body, headers=headers)
    second = fresh_client.post("/agents", json=body, headers=headers)
    assert first.status_code == second.status_code == 201
    assert first.json() == second.json()
    assert fresh_emu.count("agents") == 1
    # Key order in the JSON body does not make it a different body.
    reordered = fresh_client.post(
        "/agents", content=b'{"model":"ultimate","name":"idem"}', headers=headers
    )
    assert reordered.json()["id"] == first.json()["id"]


def test_same_key_different_body_conflicts(fresh_client: httpx.Client) -> None:
    headers = {"Idempotency-Key": "k-diff"}
    fresh_client.post("/agents", json={"name": "a", "model": "ultimate"}, headers=headers)
    response = fresh_client.post(
        "/agents", json={"name": "b", "model": "ultimate"}, headers=headers
    )
    assert response.status_code == 409
    assert response.json()["error"] == {
        "type": "conflict_error",
        "message": "Idempotency key reused with a different request body.",
    }


def test_keys_are_per_token_and_cover_sends(
    fresh_emu: Emulator, fresh_client: httpx.Client
) -> None:
    body = {"name": "a", "model": "ultimate"}
    fresh_client.post("/agents", json=body, headers={"Idempotency-Key": "shared"})
    other = fresh_client.post(
        "/agents",
        json=body,
        headers={"Idempotency-Key": "shared", "Authorization": "Bearer someone-else"},
    )
    assert other.status_code == 201
    assert fresh_emu.count("agents") == 2

    session = Helpers(fresh_client).session()
    send = {"events": [{"type": "user.message", "content": [{"type": "text", "text": "hi"}]}]}
    path = f"/sessions/{session['id']}/events"
    first = fresh_client.post(path, json=send, headers={"Idempotency-Key": "send-1"})
    fresh_emu.wait_idle(session["id"])
    again = fresh_client.post(path, json=send, headers={"X-Idempotency-Key": "send-1"})
    assert again.json() == first.json()
    messages = [e for e in fresh_emu.log(session["id"]) if e["type"] == "user.message"]
    assert len(messages) == 1


def walk(client: httpx.Client, path: str, **params: Any) -> list[dict[str, Any]]:
    pages: list[dict[str, Any]] = []
    query = {**params}
    while True:
        page = client.get(path, params=query).json()
        assert set(page) == {"data", "has_more", "first_id", "last_id", "next_page"}
        pages.append(page)
        if not page["has_more"]:
            assert page["next_page"] is None
            return pages
        query = {**params, "page": page["next_page"]}


def test_sessions_over_several_pages(fresh_emu: Emulator, fresh_client: httpx.Client) -> None:
    created = [fresh_emu.new_session(title=f"s{i}")["id"] for i in range(7)]
    pages = walk(fresh_client, "/sessions", limit=3)
    assert [len(p["data"]) for p in pages] == [3, 3, 1]
    ids = [s["id"] for p in pages for s in p["data"]]
    assert ids == created
    assert pages[0]["first_id"] == created[0]
    assert pages[0]["last_id"] == created[2]
    descending = walk(fresh_client, "/sessions", limit=3, order="desc")
    assert [s["id"] for p in descending for s in p["data"]] == created[::-1]


def test_session_filters(fresh_emu: Emulator, fresh_client: httpx.Client) -> None:
    keep = fresh_emu.new_session()
    archived = fresh_emu.new_session()
    fresh_client.post(f"/sessions/{archived['id']}/archive")
    listed = fresh_client.get("/sessions").json()["data"]
    assert [s["id"] for s in listed] == [keep["id"]]
    everything = fresh_client.get("/sessions", params={"include_archived": "true"}).json()
    assert len(everything["data"]) == 2
    by_agent = fresh_client.get("/sessions", params={"agent_id": keep["agent"]["id"]}).json()
    assert [s["id"] for s in by_agent["data"]] == [keep["id"]]
    running = fresh_client.get("/sessions", params={"statuses[]": ["running"]}).json()
    assert running["data"] == []
    idle = fresh_client.get("/sessions", params={"statuses[]": ["idle", "running"]}).json()
    assert len(idle["data"]) == 1
    later = fresh_client.get("/sessions", params={"created_at[gt]": keep["created_at"]}).json()
    assert later["data"] == []
    bad = fresh_client.get("/sessions", params={"created_at[gt]": "yesterday"})
    assert bad.status_code == 400


def test_event_history_cursors(emu: Emulator, client: httpx.Client, api: Helpers) -> None:
    session = api.session()
    api.send(session["id"], "one")
    emu.wait_idle(session["id"])
    log = [e["id"] for e in emu.log(session["id"])]
    path = f"/sessions/{session['id']}/events"
    pages = walk(client, path, limit=4)
    assert len(pages) > 2
    assert [e["id"] for p in pages for e in p["data"]] == log
    after = client.get(path, params={"after_id": log[2], "limit": 2}).json()
    assert [e["id"] for e in after["data"]] == log[3:5]
    before = client.get(path, params={"before_id": log[5], "limit": 2}).json()
    assert [e["id"] for e in before["data"]] == log[3:5]
    desc = client.get(path, params={"order": "desc", "limit": 3}).json()
    assert [e["id"] for e in desc["data"]] == log[::-1][:3]
    typed = client.get(path, params={"types[]": ["agent.message", "user.message"]}).json()
    assert [e["type"] for e in typed["data"]] == ["user.message", "agent.message"]
    comma = client.get(path, params={"types": "session.status_idle,nonsense"}).json()
    assert [e["type"] for e in comma["data"]] == ["session.status_idle"]
    history = after["data"][0]
    assert history["session_id"] == session["id"]
    assert history["schema_version"] == "1.0"
    assert history["turn_id"].startswith("turn_")
    exclusive = client.get(path, params={"after_id": log[0], "page": "x"})
    assert exclusive.status_code == 400


def test_models_use_id_cursors(client: httpx.Client) -> None:
    first = client.get("/models", params={"limit": 2}).json()
    assert [m["id"] for m in first["data"]] == ["ultimate", "qoder-best"]
    assert first["has_more"] is True
    second = client.get("/models", params={"limit": 2, "after_id": first["last_id"]}).json()
    assert second["data"][0]["id"] == "qoder-sonnet-latest"
    back = client.get("/models", params={"limit": 2, "before_id": second["first_id"]}).json()
    assert [m["id"] for m in back["data"]] == ["ultimate", "qoder-best"]
    model = first["data"][0]
    assert model["type"] == "model"
    assert model["capabilities"]["thinking"]["supported"] is True
