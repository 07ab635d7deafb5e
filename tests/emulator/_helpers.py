"""Shortcuts over raw httpx shared by the emulator tests."""

from __future__ import annotations

import json
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


def stream_url(session_id: str) -> str:
    """The path of a session's event stream."""
    return f"/sessions/{session_id}/events/stream"


class Frame:
    """One parsed SSE frame (comments are kept separately)."""

    def __init__(self) -> None:
        self.id: str | None = None
        self.event: str | None = None
        self.data: list[str] = []
        self.retry: str | None = None

    @property
    def json(self) -> Any:
        return json.loads("\n".join(self.data))

    def __repr__(self) -> str:
        return f"Frame(id={self.id!r}, event={self.event!r})"


class FrameReader:
    """Incremental SSE parser over ``response.iter_lines()``."""

    def __init__(self, response: httpx.Response) -> None:
        self.lines = response.iter_lines()
        self.comments: list[str] = []

    def next(self) -> Frame | None:
        """The next frame with data, or None at the end of the body."""
        frame = Frame()
        for line in self.lines:
            if line == "":
                if frame.data:
                    return frame
                frame = Frame()
                continue
            if line.startswith(":"):
                self.comments.append(line)
                continue
            name, _, value = line.partition(":")
            value = value.removeprefix(" ")
            if name == "id":
                frame.id = value
            elif name == "event":
                frame.event = value
            elif name == "data":
                frame.data.append(value)
            elif name == "retry":
                frame.retry = value
        return None

    def until(self, event_type: str, limit: int = 500) -> list[Frame]:
        """Frames up to and including the first whose event is ``event_type``."""
        frames: list[Frame] = []
        for _ in range(limit):
            frame = self.next()
            if frame is None:
                break
            frames.append(frame)
            if frame.event == event_type:
                break
        return frames
