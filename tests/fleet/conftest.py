"""Fixtures for the fleet tests: a real redis-server on a free loopback port, in a temp dir."""

from __future__ import annotations

import shutil
import socket
import subprocess
import time
import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import anyio
import pytest
from redis.asyncio import Redis

import qoder_async as qa
from qoder_async.testing import Emulator

REDIS_START_TIMEOUT = 10.0


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _answers_ping(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.5) as sock:
            sock.sendall(b"PING\r\n")
            return sock.recv(16).startswith(b"+PONG")
    except OSError:
        return False


def start_redis(directory: Path) -> tuple[subprocess.Popen[bytes], str]:
    """Start redis-server on a free loopback port; returns the process and its URL."""
    exe = shutil.which("redis-server")
    if exe is None:
        pytest.fail("redis-server is not installed: apt-get install -y redis-server")
    port = free_port()
    options = ["--bind", "127.0.0.1", "--port", str(port), "--dir", str(directory)]
    options += ["--save", "", "--appendonly", "no"]
    process = subprocess.Popen(
        [exe, *options],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + REDIS_START_TIMEOUT
    while not _answers_ping(port):
        if process.poll() is not None or time.monotonic() > deadline:
            process.kill()
            pytest.fail(f"redis-server did not start on port {port}")
        time.sleep(0.02)
    return process, f"redis://127.0.0.1:{port}/0"


@pytest.fixture(scope="session")
def redis_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """One redis-server for the whole run; tests keep apart by key prefix."""
    process, url = start_redis(tmp_path_factory.mktemp("redis"))
    yield url
    process.terminate()
    process.wait(10)


@pytest.fixture
def prefix() -> str:
    """A key prefix of this test's own."""
    return f"t{uuid.uuid4().hex[:8]}"


@pytest.fixture
async def redis(redis_url: str) -> AsyncIterator[Redis]:
    """A redis.asyncio client (asyncio only)."""
    client = Redis.from_url(redis_url)
    yield client
    await client.aclose()


@pytest.fixture
def bound(client: qa.AsyncQoder, emulator: Emulator) -> qa.AsyncSession:
    """A session made without HTTP, bound to the client."""
    return client.session(emulator.new_session()["id"])


def messages(n: int, tag: str = "e") -> list[dict[str, object]]:
    """``n`` agent.message events to append to a session."""
    return [
        {"type": "agent.message", "content": [{"type": "text", "text": f"{tag}{i}"}]}
        for i in range(n)
    ]


async def fail_on_second(
    session: qa.AsyncSession,
    emulator: Emulator,
    cursors: qa.CursorStore,
    stored: list[dict[str, Any]],
    out: str = "",
) -> None:
    """Stream with ``cursors``, append two events (into ``stored``) and raise from the body
    on the second, so that the error leaves ``async with`` too. With ``out``, each event's
    id is first staged on the lease to be pushed to that list."""
    async with session.events(cursors=cursors) as stream:
        stored += emulator.append_events(session.id, messages(2))
        with anyio.fail_after(10):
            async for event in stream:
                if isinstance(cursors, qa.Lease) and out:
                    cursors.stage("RPUSH", out, event.id)
                if event.id == stored[1]["id"]:
                    raise RuntimeError("handler failed")
