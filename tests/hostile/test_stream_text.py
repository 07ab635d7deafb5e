"""Text split over several blocks reads as one text, live and final alike."""

from __future__ import annotations

import json

import anyio
import pytest

import qoder_async as qa
from tests.hostile._server import Connection, raw_server, sse_response

pytestmark = pytest.mark.anyio


def frame(body: dict[str, object]) -> bytes:
    return f"event: {body['type']}\ndata: {json.dumps(body)}\n\n".encode()


def delta(index: int, text: str) -> bytes:
    return frame(
        {
            "type": "event_delta",
            "event_id": "evt_msg",
            "delta": {
                "type": "content_delta",
                "index": index,
                "content": {"type": "text", "text": text},
            },
        }
    )


async def test_text_folded_from_deltas_equals_the_final_message_text() -> None:
    # A citation splits one sentence into two text blocks.
    wire = (
        frame({"type": "event_start", "event": {"id": "evt_msg", "type": "agent.message"}})
        + delta(0, "The sky ")
        + delta(0, "is ")
        + delta(1, "blue.")
        + frame(
            {
                "id": "evt_msg",
                "type": "agent.message",
                "content": [
                    {"type": "text", "text": "The sky is "},
                    {"type": "text", "text": "blue."},
                ],
            }
        )
    )

    def handler(conn: Connection) -> None:
        conn.send(sse_response() + wire)
        conn.hold(10)

    live = qa.LiveText()
    previews: list[str] = []
    with raw_server(handler) as server:
        async with qa.AsyncQoder("t", server.base_url) as client:
            with anyio.fail_after(10):
                async with qa.EventStream(
                    client._http, "/sessions/sess_x/events/stream", deltas=("agent.message",)
                ) as stream:
                    async for event in stream:
                        preview = live.update(event)
                        if preview is not None and not preview.final:
                            previews.append(preview.text)
                        if isinstance(event, qa.AgentMessage):
                            break
    assert isinstance(event, qa.AgentMessage)
    assert event.text == "The sky is blue."
    assert previews[-1] == event.text
