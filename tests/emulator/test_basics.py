"""Objects, a scripted turn and the error envelope, through raw httpx."""

from __future__ import annotations

import httpx

from qoder_async.testing import Emulator

from ._helpers import Helpers

TURN_TYPES = [
    "user.message",
    "session.status_running",
    "span.model_request_start",
    "agent.thinking",
    "agent.tool_use",
    "span.model_request_end",
    "agent.tool_result",
    "span.model_request_start",
    "agent.thinking",
    "agent.message",
    "span.model_request_end",
    "session.usage",
    "session.status_idle",
]


def test_create_agent_and_session(api: Helpers) -> None:
    session = api.session(title="t")
    assert session["id"].startswith("sess_")
    assert len(session["id"]) == len("sess_") + 32
    assert session["status"] == "idle"
    assert session["usage"]["input_tokens"] == 0
    assert session["title"] == "t"
    assert session["created_at"].endswith("Z")


def test_scripted_turn_in_order(emu: Emulator, client: httpx.Client, api: Helpers) -> None:
    session = api.session()
    sent = api.send(session["id"], "hello there")
    assert sent.status_code == 200
    echo = sent.json()["data"][0]
    assert echo["type"] == "user.message"
    assert echo["session_id"] == session["id"]
    assert echo["turn_id"].startswith("turn_")
    emu.wait_idle(session["id"])
    log = emu.log(session["id"])
    assert [e["type"] for e in log] == TURN_TYPES
    assert log[-1]["stop_reason"] == {"type": "end_turn"}
    message = next(e for e in log if e["type"] == "agent.message")
    assert "hello there" in message["content"][0]["text"]
    after = client.get(f"/sessions/{session['id']}").json()
    assert after["status"] == "idle"
    assert after["usage"]["input_tokens"] > 0
    assert after["usage"]["total_credits"] > 0
