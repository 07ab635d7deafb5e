"""The chat bot of bot.py as a fleet: one front, several workers sharing the conversations.

    python examples/bot_fleet.py --workers 3 [--redis redis://host:6379/0]

The front reads ``CONVERSATION: message`` lines, as bot.py does, opens a session per
conversation and sends each message once the previous turn has ended. The workers, started
by the same command, split the sessions between them through Redis (:class:`qoder_async.Fleet`):
each session is followed by exactly one worker at a time, which prints the replies, tagged
with its name, and commits the session's cursor through its lease. Kill one worker
(``kill -9 PID``; each prints its PID when it starts) and the others take its conversations over
within the lease TTL, resuming after the last event it committed. Printing is not part of
Redis's transaction, so a reply printed just before a worker died may print again.

Without ``--redis``, a redis-server is started on a free loopback port in a temporary
folder (Debian: ``apt-get install redis-server``). With QODER_ACCESS_TOKEN (or QODER_PAT)
set it talks to the API; without, to a local emulator.
"""

from __future__ import annotations

import argparse
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager, nullcontext

import anyio
from anyio.abc import ObjectReceiveStream
from bot import print_reply, stdin_lines

try:
    from redis.asyncio import Redis
except ModuleNotFoundError:  # say what to install, not just what is missing
    raise SystemExit(
        "bot_fleet.py needs redis: pip install 'qoder-async[redis]' "
        "(and a redis-server: apt-get install redis-server)"
    ) from None

import qoder_async as qa

PREFIX = "bot"
SESSIONS = f"{PREFIX}:sessions"  # the fleet serves the sessions of this Redis set
LEASE_TTL = 5.0


async def worker(name: str, redis_url: str, base_url: str | None, token: str | None) -> None:
    """Follow this worker's share of the bot's sessions and print their replies."""
    redis = Redis.from_url(redis_url)
    fleet = qa.Fleet(redis, prefix=PREFIX, worker_id=name, lease_ttl=LEASE_TTL)
    print(f"worker {name} started, pid {os.getpid()}", file=sys.stderr, flush=True)
    async with qa.AsyncQoder(token, base_url) as client:

        async def handle(session_id: str, lease: qa.Lease) -> None:
            session = client.session(session_id)
            conversation = (await session.refresh()).title or session_id
            async for event in session.events(cursors=lease):
                if isinstance(event, qa.AgentMessage):
                    await print_reply(conversation, f"{event.text}  ({name})")

        async def sessions() -> set[bytes | str]:
            return await redis.smembers(SESSIONS)

        await fleet.run(sessions, handle)


async def send_in_order(session: qa.AsyncSession, messages: ObjectReceiveStream[str]) -> None:
    """One conversation's messages, each sent once the previous turn has ended."""
    async with messages:
        async for text in messages:
            await session.send(text, wait_idle=True)


async def front(redis_url: str, base_url: str | None, token: str | None) -> None:
    """Read conversations from stdin, send their messages, then wait for every reply."""
    redis = Redis.from_url(redis_url)
    cursors = qa.RedisCursors(redis, prefix=PREFIX)
    async with qa.AsyncQoder(token, base_url) as client:
        agent = await client.agents.create(name="chat-bot", model="ultimate")
        environment = await client.environments.create(name="chat-bot")
        inboxes = {}
        async with anyio.create_task_group() as tasks:
            async for line in stdin_lines():
                name, colon, text = (part.strip() for part in line.partition(":"))
                if not (colon and name and text):
                    print("type CONVERSATION: message, e.g. alice: hello", file=sys.stderr)
                    continue
                if name not in inboxes:
                    session = await client.sessions.create(
                        agent=agent.id, environment_id=environment.id, title=name
                    )
                    # The first message starts the session's cursor, so the worker that
                    # picks the session up replays everything after it.
                    echo = await session.send(text)
                    await cursors.commit(session.id, echo.id)
                    await redis.sadd(SESSIONS, session.id)
                    send, receive = anyio.create_memory_object_stream[str](100)
                    inboxes[name] = (session, send)
                    tasks.start_soon(send_in_order, session, receive)
                else:
                    await inboxes[name][1].send(text)
            for _, send in inboxes.values():
                await send.aclose()
        for session, _ in inboxes.values():
            await wait_handled(session, cursors)


async def wait_handled(session: qa.AsyncSession, cursors: qa.RedisCursors) -> None:
    """Until the session is idle and a worker has committed its last event."""
    while True:
        info = await session.refresh()
        async for event in session.history(order="desc", limit=1):
            if info.status == "idle" and await cursors.load(session.id) == event.id:
                return
            break
        await anyio.sleep(0.2)


@contextmanager
def local_redis() -> Iterator[str]:
    """A throwaway redis-server on a free loopback port; yields its URL."""
    exe = shutil.which("redis-server")
    if exe is None:
        sys.exit("redis-server not found: apt-get install redis-server, or pass --redis URL")
    with tempfile.TemporaryDirectory() as folder, socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
        probe.close()
        options = ["--bind", "127.0.0.1", "--port", str(port), "--dir", folder, "--save", ""]
        server = subprocess.Popen([exe, *options], stdout=subprocess.DEVNULL)
        try:
            while not _listening(port):
                time.sleep(0.05)
            yield f"redis://127.0.0.1:{port}/0"
        finally:
            server.terminate()
            server.wait()


def _listening(port: int) -> bool:
    with socket.socket() as sock:
        return sock.connect_ex(("127.0.0.1", port)) == 0


@contextmanager
def workers(count: int, redis_url: str, base_url: str | None) -> Iterator[None]:
    """Start ``count`` worker processes of this script; stop them at the end."""
    extra = ["--api", base_url] if base_url else []
    processes = [
        subprocess.Popen(
            [sys.executable, __file__, "--worker", f"w{i}", "--redis", redis_url, *extra]
        )
        for i in range(count)
    ]
    try:
        yield
    finally:
        for process in processes:
            process.terminate()
        for process in processes:
            process.wait()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workers", type=int, default=3, help="worker processes to start")
    parser.add_argument("--redis", help="the Redis URL (default: start a local redis-server)")
    parser.add_argument("--worker", help=argparse.SUPPRESS)
    parser.add_argument("--api", help=argparse.SUPPRESS)
    args = parser.parse_args()
    token = os.environ.get("QODER_ACCESS_TOKEN") or os.environ.get("QODER_PAT")
    if args.worker:
        anyio.run(worker, args.worker, args.redis, args.api, "emulator" if args.api else None)
        return
    with local_redis() if args.redis is None else nullcontext(args.redis) as redis_url:
        if token:
            with workers(args.workers, redis_url, None):
                anyio.run(front, redis_url, None, token)
            return
        from qoder_async.testing import Emulator

        with Emulator(pace=0.05) as emulator, workers(args.workers, redis_url, emulator.base_url):
            anyio.run(front, redis_url, emulator.base_url, "emulator")


if __name__ == "__main__":
    main()
