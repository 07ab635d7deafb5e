"""Shortcuts over raw httpx shared by the emulator tests."""

from __future__ import annotations

from typing import Any

import httpx

TOKEN = "pat_test_token"


class Helpers:
    """Shortcuts over raw httpx for the tests."""

    def __init__(self, client: httpx.Client) -> None:
        self.client = client

    def session(self, **fields: Any) -> dict[str, Any]:
        """Create an agent, an environment and a session bound to both."""
        return make_session(self.client, **fields)

    def send(self, session_id: str, text: str) -> httpx.Response:
        """Send one user.message."""
        return send_message(self.client, session_id, text)


def make_session(client: httpx.Client, **fields: Any) -> dict[str, Any]:
    """Create an agent, an environment and a session bound to both."""
    agent = client.post("/agents", json={"name": "helper", "model": "ultimate"}).json()
    environment = client.post("/environments", json={"name": "env"}).json()
    body = {"agent": agent["id"], "environment_id": environment["id"], **fields}
    response = client.post("/sessions", json=body)
    assert response.status_code == 201, response.text
    return dict(response.json())


def send_message(client: httpx.Client, session_id: str, text: str) -> httpx.Response:
    """Send one user.message."""
    return client.post(
        f"/sessions/{session_id}/events",
        json={"events": [{"type": "user.message", "content": [{"type": "text", "text": text}]}]},
    )
