"""A worker of the acceptance tests:

    python worker.py REDIS_URL API_URL PREFIX TTL NAME [RECORDS]

It serves its share of the sessions listed at ``PREFIX:test:sessions``. Handling an event
means staging ``RPUSH PREFIX:test:handled:<session> "<event id> <worker>"``, which Redis
applies in the same fenced step as the cursor commit: the list is the record of what was
handled. Each lease grant is logged to ``PREFIX:test:grants`` as JSON
``[session, worker, token, unix time]``; each refused commit increments
``PREFIX:test:refused``.

With ``RECORDS`` (a file path) it also answers the sessions' tool calls, under its lease,
with :data:`charge`: a slow tool that first appends ``"<session> <call> <worker> <pid>
<unix time>"`` to that file (``O_APPEND``, then ``fsync``), so that every execution is on
disk before anything else happens, whoever dies next. Its posts of tool answers are held
for :data:`POST_DELAY` seconds, as a slow network would, so that an answer spends a while
recorded but not yet posted. Each request carries ``X-Worker: NAME``.
"""

from __future__ import annotations

import json
import os
import sys
import time
from pathlib import Path
from typing import Any

import anyio
import httpx
from redis.asyncio import Redis

import qoder_async as qa

TOOL_SECONDS = 0.4
"""How long a charge runs after recording itself."""
POST_DELAY = 0.4
"""How long the network holds each post of tool answers."""


def charge_tool(records: Path, worker: str) -> qa.Tool[Any]:
    """The tool the scripted agent calls: records its execution, then takes a while."""

    @qa.tool
    async def charge(session: str, call: str) -> str:
        """Charge the card for one call.

        Args:
            session: the session the call comes from.
            call: the call's own id, so that executions can be counted per call.
        """
        line = f"{session} {call} {worker} {os.getpid()} {time.time():.6f}\n"
        fd = os.open(records, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
        try:
            os.write(fd, line.encode())
            os.fsync(fd)
        finally:
            os.close(fd)
        await anyio.sleep(TOOL_SECONDS)
        return f"charged {call} by {worker}"

    return charge


class SlowAnswers(httpx.AsyncBaseTransport):
    """httpx's transport, but each post of tool answers waits :data:`POST_DELAY` first."""

    def __init__(self) -> None:
        self._inner = httpx.AsyncHTTPTransport()

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        if request.method == "POST" and b'"user.custom_tool_result"' in request.content:
            await anyio.sleep(POST_DELAY)
        return await self._inner.handle_async_request(request)

    async def aclose(self) -> None:
        await self._inner.aclose()


def requires_action(event: qa.Event) -> bool:
    """Whether the event is an idle that waits for the client's answers."""
    reason = event.stop_reason if isinstance(event, qa.SessionStatusIdle) else None
    return reason is not None and reason.type == "requires_action"


async def main(
    redis_url: str, api_url: str, prefix: str, ttl: float, name: str, records: str | None
) -> None:
    redis = Redis.from_url(redis_url, decode_responses=True)
    sessions = [str(s) for s in await redis.lrange(f"{prefix}:test:sessions", 0, -1)]
    fleet = qa.Fleet(redis, prefix=prefix, worker_id=name, lease_ttl=ttl)
    tools = [charge_tool(Path(records), name)] if records else []
    client = qa.AsyncQoder(
        "fleet-worker-token",
        api_url,
        stream_idle_timeout=ttl,
        transport=SlowAnswers() if records else None,
        default_headers={"X-Worker": name},
    )
    async with client:

        async def handle(session_id: str, lease: qa.Lease) -> None:
            grant = [session_id, name, lease.token, time.time()]
            await redis.rpush(f"{prefix}:test:grants", json.dumps(grant))
            handled = f"{prefix}:test:handled:{session_id}"
            session = client.session(session_id)
            try:
                async for event in session.events(cursors=lease):
                    lease.stage("RPUSH", handled, f"{event.id} {name}")
                    if tools and requires_action(event):
                        await session.answer(tools=tools, cursors=lease)
            except qa.LeaseLost:
                await redis.incr(f"{prefix}:test:refused")
                raise

        await fleet.run(sessions, handle)


if __name__ == "__main__":
    redis_url, api_url, prefix, ttl, name, *records = sys.argv[1:]
    anyio.run(main, redis_url, api_url, prefix, float(ttl), name, records[0] if records else None)
