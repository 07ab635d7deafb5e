"""A worker of the acceptance test: ``python worker.py REDIS_URL API_URL PREFIX TTL NAME``.

It serves its share of the sessions listed at ``PREFIX:test:sessions``. Handling an event
means staging ``RPUSH PREFIX:test:handled:<session> "<event id> <worker>"``, which Redis
applies in the same fenced step as the cursor commit: the list is the record of what was
handled. Each lease grant is logged to ``PREFIX:test:grants`` as JSON
``[session, worker, token, unix time]``; each refused commit increments
``PREFIX:test:refused``.
"""

from __future__ import annotations

import json
import sys
import time

import anyio
from redis.asyncio import Redis

import qoder_async as qa


async def main(redis_url: str, api_url: str, prefix: str, ttl: float, name: str) -> None:
    redis = Redis.from_url(redis_url, decode_responses=True)
    sessions = await redis.lrange(f"{prefix}:test:sessions", 0, -1)
    fleet = qa.Fleet(redis, prefix=prefix, worker_id=name, lease_ttl=ttl)
    async with qa.AsyncQoder("fleet-worker-token", api_url, stream_idle_timeout=ttl) as client:

        async def handle(session_id: str, lease: qa.Lease) -> None:
            grant = [session_id, name, lease.token, time.time()]
            await redis.rpush(f"{prefix}:test:grants", json.dumps(grant))
            handled = f"{prefix}:test:handled:{session_id}"
            try:
                async for event in client.session(session_id).events(cursors=lease):
                    lease.stage("RPUSH", handled, f"{event.id} {name}")
            except qa.LeaseLost:
                await redis.incr(f"{prefix}:test:refused")
                raise

        await fleet.run(sessions, handle)


if __name__ == "__main__":
    redis_url, api_url, prefix, ttl, name = sys.argv[1:]
    anyio.run(main, redis_url, api_url, prefix, float(ttl), name)
