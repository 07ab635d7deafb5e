"""Auth, the error envelope, request ids, and the documented 400/404/409 rules."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from qoder_async.testing import Emulator

from ._helpers import Helpers


def assert_envelope(response: httpx.Response, status: int, error_type: str) -> dict[str, Any]:
    assert response.status_code == status, response.text
    body = response.json()
    assert body["type"] == "error"
    assert body["error"]["type"] == error_type
    assert body["error"]["message"]
    assert body["request_id"] == response.headers["x-request-id"]
    return dict(body["error"])


@pytest.mark.parametrize(
    "headers",
    [{}, {"Authorization": "Token abc"}, {"Authorization": "Bearer"}, {"x-api-key": "abc"}],
)
def test_401_without_a_bearer_token(emu: Emulator, headers: dict[str, str]) -> None:
    response = httpx.get(f"{emu.base_url}/agents", headers=headers)
    assert_envelope(response, 401, "authentication_error")


def test_any_bearer_token_is_accepted(emu: Emulator) -> None:
    response = httpx.get(f"{emu.base_url}/agents", headers={"Authorization": "Bearer whatever"})
    assert response.status_code == 200


def test_request_id_is_echoed(client: httpx.Client) -> None:
    response = client.get("/sessions/sess_missing", headers={"x-request-id": "req-123"})
    assert_envelope(response, 404, "not_found_error")
    assert response.headers["x-request-id"] == "req-123"
    assert response.json()["error"]["message"] == "Session 'sess_missing' was not found."


def test_generated_request_ids_are_uuids(client: httpx.Client) -> None:
    first = client.get("/agents").headers["x-request-id"]
    second = client.get("/agents").headers["x-request-id"]
    assert first != second
    assert len(first) == 36


def test_unknown_route_answers_with_the_not_found_envelope(client: httpx.Client) -> None:
    response = client.get("/no-such-thing")
    assert_envelope(response, 404, "not_found_error")
    assert response.json()["request_id"] == response.headers["x-request-id"]


@pytest.mark.parametrize(
    ("body", "param"),
    [
        ({"model": "ultimate"}, "name"),
        ({"name": "a"}, "model"),
        ({"name": "x" * 257, "model": "ultimate"}, "name"),
        (
            {"name": "a", "model": "ultimate", "metadata": {f"k{i}": "v" for i in range(17)}},
            "metadata",
        ),
        ({"name": "a", "model": "ultimate", "metadata": {"k": "v" * 513}}, "metadata.k"),
    ],
)
def test_agent_validation(client: httpx.Client, body: dict[str, Any], param: str) -> None:
    error = assert_envelope(client.post("/agents", json=body), 400, "invalid_request_error")
    assert error["param"] == param


def test_bad_json_is_400(client: httpx.Client) -> None:
    response = client.post(
        "/agents", content=b"{nope", headers={"content-type": "application/json"}
    )
    assert_envelope(response, 400, "invalid_request_error")


@pytest.mark.parametrize("limit", ["0", "101", "ten"])
def test_limit_out_of_range(client: httpx.Client, limit: str) -> None:
    error = assert_envelope(
        client.get("/agents", params={"limit": limit}), 400, "invalid_request_error"
    )
    assert error["param"] == "limit"


@pytest.mark.parametrize(
    "event",
    [
        {"type": "user.message"},
        {"type": "user.message", "content": []},
        {"type": "user.bogus", "content": [{"type": "text", "text": "x"}]},
        {"content": [{"type": "text", "text": "x"}]},
    ],
)
def test_send_validation(api: Helpers, client: httpx.Client, event: dict[str, Any]) -> None:
    session = api.session()
    response = client.post(f"/sessions/{session['id']}/events", json={"events": [event]})
    assert_envelope(response, 400, "invalid_request_error")


def test_missing_content_message(api: Helpers, client: httpx.Client) -> None:
    session = api.session()
    response = client.post(
        f"/sessions/{session['id']}/events", json={"events": [{"type": "user.message"}]}
    )
    assert assert_envelope(response, 400, "invalid_request_error")["message"] == (
        "Field 'content' is required."
    )


def test_409_while_a_turn_runs() -> None:
    with (
        Emulator(pace=0.05) as emu,
        httpx.Client(base_url=emu.base_url, headers={"Authorization": "Bearer t"}) as client,
    ):
        api = Helpers(client)
        session = api.session()
        assert api.send(session["id"], "first").status_code == 200
        assert client.get(f"/sessions/{session['id']}").json()["status"] == "running"
        assert_envelope(api.send(session["id"], "second"), 409, "conflict_error")
        # A running turn still accepts an interrupt, which ends it.
        interrupt = client.post(
            f"/sessions/{session['id']}/events", json={"events": [{"type": "user.interrupt"}]}
        )
        assert interrupt.status_code == 200
        emu.wait_idle(session["id"], timeout=5)
        assert emu.log(session["id"])[-1]["type"] == "session.status_idle"
        assert api.send(session["id"], "third").status_code == 200


def test_writes_to_an_archived_session_conflict(api: Helpers, client: httpx.Client) -> None:
    session = api.session()
    archived = client.post(f"/sessions/{session['id']}/archive")
    assert archived.json()["archived_at"] is not None
    assert_envelope(api.send(session["id"], "hi"), 409, "conflict_error")
    update = client.post(f"/sessions/{session['id']}", json={"title": "x"})
    assert_envelope(update, 409, "conflict_error")


def test_404_for_unknown_ids(client: httpx.Client) -> None:
    for path in (
        "/agents/agent_x",
        "/environments/env_x",
        "/files/file_x",
        "/sessions/sess_x/events",
        "/sessions/sess_x/events/stream",
        "/sessions/sess_x/threads",
    ):
        assert_envelope(client.get(path), 404, "not_found_error")


def test_session_create_needs_known_agent_and_environment(client: httpx.Client) -> None:
    environment = client.post("/environments", json={"name": "e"}).json()
    missing_agent = client.post(
        "/sessions", json={"agent": "agent_nope", "environment_id": environment["id"]}
    )
    assert assert_envelope(missing_agent, 404, "not_found_error")["message"] == (
        "Agent 'agent_nope' was not found."
    )
    agent = client.post("/agents", json={"name": "a", "model": "ultimate"}).json()
    missing_env = client.post("/sessions", json={"agent": agent["id"]})
    assert assert_envelope(missing_env, 400, "invalid_request_error")["param"] == "environment_id"
