"""A local SSE server that sends pre-encoded bytes, so the client is what gets measured.

``python -m benchmarks.server --events 20000`` listens on 127.0.0.1 (a free port, printed on
the first line of stdout) and stops when its stdin closes or after ``--max-seconds``.
Any ``GET .../sessions/{id}/events/stream`` is answered in HTTP/1.1 chunked encoding, as
uvicorn would, according to the session id:

- ``bulk-{n}``: the first ``n`` events of the workload, as fast as the socket takes them
  (64 KiB chunks), then a terminal ``session.status_terminated`` event;
- ``paced-{n}-{seed}``: ``n`` events, one every 100 ms from a random phase, each with the
  server's ``time.monotonic()`` spliced into its JSON as ``"sent_at"`` (a system-wide clock
  on Linux), then the terminal event.

The events of a paced stream are taken from the workload in order from an offset given by
``seed``, so their ids are unique within a stream. ``--ids random`` gives every event a
random 128-bit id instead of the workload's time-ordered one (``evt_`` and 32 hex digits,
as long as the API's, in no order), as another backend or a proxy might send.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import random
import secrets
import subprocess
import sys
import time
from collections.abc import Iterator

from benchmarks import _data

PACE = 0.1  # seconds between two events of a paced stream
HEAD = (
    b"HTTP/1.1 200 OK\r\ncontent-type: text/event-stream; charset=utf-8\r\n"
    b"cache-control: no-cache\r\ntransfer-encoding: chunked\r\n\r\n"
)
NOT_FOUND = b"HTTP/1.1 404 Not Found\r\ncontent-length: 0\r\nconnection: close\r\n\r\n"
TERMINAL = (
    b'id: evt_end\nevent: session.status_terminated\ndata: {"id":"evt_end",'
    b'"type":"session.status_terminated","processed_at":"2026-05-18T04:00:00Z"}\n\n'
)
END = b"0\r\n\r\n"


def chunk(payload: bytes) -> bytes:
    """One HTTP/1.1 chunk."""
    return b"%x\r\n%s\r\n" % (len(payload), payload)


class Workload:
    """The bytes of every kind of stream, encoded before the first client connects."""

    def __init__(self, variant: str, n: int, ids: str = "workload") -> None:
        self.variant, self.n = variant, n
        self._bulk: dict[int, bytes] = {}
        # A paced frame is cut where "sent_at" goes: b'...data: {' + ts + b',"id":...'
        self.paced = []
        for eid, etype, data in _data.frames(variant, n):
            if ids == "random":
                new = f"evt_{secrets.token_hex(16)}"
                data = data.replace(eid.encode(), new.encode())
                eid = new
            head = b"id: %s\nevent: %s\ndata: {" % (eid.encode(), etype.encode())
            self.paced.append((head, data[1:] + b"\n\n"))

    def bulk(self, n: int) -> bytes:
        """The first ``n`` events and the terminal one, as chunked body bytes."""
        if n not in self._bulk:
            wire = _data.wire(self.variant, min(n, self.n))
            self._bulk[n] = b"".join(chunk(c) for c in _data.chunks(wire)) + chunk(TERMINAL) + END
        return self._bulk[n]


async def paced(writer: asyncio.StreamWriter, frames: list[tuple[bytes, bytes]], n: int) -> None:
    """Send ``n`` frames, one every ``PACE`` seconds, each stamped with its send time."""
    loop = asyncio.get_running_loop()
    due = loop.time() + random.random() * PACE
    for head, tail in frames[:n]:
        await asyncio.sleep(max(0.0, due - loop.time()))
        due += PACE
        writer.write(chunk(b'%s"sent_at":%.6f,%s' % (head, time.monotonic(), tail)))
    writer.write(chunk(TERMINAL) + END)
    await writer.drain()


async def handle(
    workload: Workload, reader: asyncio.StreamReader, writer: asyncio.StreamWriter
) -> None:
    """Answer one connection; several requests in a row on a kept-alive connection."""
    try:
        while True:
            request = await reader.readuntil(b"\r\n\r\n")
            path = request.split(b" ", 2)[1].split(b"?")[0]
            parts = path.split(b"/")
            if not path.endswith(b"/events/stream") or len(parts) < 4:
                writer.write(NOT_FOUND)
                break
            session = parts[-3].decode()
            writer.write(HEAD)
            if session.startswith("bulk-"):
                writer.write(workload.bulk(int(session.split("-")[1])))
                await writer.drain()
            elif session.startswith("paced-"):
                n, seed = (int(x) for x in session.split("-")[1:3])
                start = seed * n % max(1, len(workload.paced) - n)
                await paced(writer, workload.paced[start:], n)
            else:
                writer.write(chunk(TERMINAL) + END)
    except (asyncio.IncompleteReadError, ConnectionError):
        pass
    finally:
        writer.close()


async def serve(workload: Workload, max_seconds: float) -> None:
    """Listen on 127.0.0.1 until stdin closes or ``max_seconds`` pass."""
    server = await asyncio.start_server(
        lambda r, w: handle(workload, r, w), "127.0.0.1", 0, backlog=4096
    )
    print(server.sockets[0].getsockname()[1], flush=True)
    loop = asyncio.get_running_loop()
    stdin_closed = loop.run_in_executor(None, sys.stdin.read)
    with contextlib.suppress(asyncio.TimeoutError):
        await asyncio.wait_for(stdin_closed, max_seconds)
    server.close()


@contextlib.contextmanager
def running(
    variant: str = "mixed", events: int = 20_000, cpu: int | None = None, ids: str = "workload"
) -> Iterator[str]:
    """Run the server in a child process; yield its base URL (``…/api/v1/cloud``)."""
    cmd = [sys.executable, "-m", "benchmarks.server", "--variant", variant, "--ids", ids]
    cmd += ["--events", str(events)] + (["--cpu", str(cpu)] if cpu is not None else [])
    with subprocess.Popen(cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE) as proc:
        assert proc.stdin is not None
        assert proc.stdout is not None
        try:
            port = int(proc.stdout.readline())
            yield f"http://127.0.0.1:{port}/api/v1/cloud"
        finally:
            proc.stdin.close()
            proc.wait(timeout=30)


def main() -> None:
    """Command line entry: see the module docstring."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--variant", default="mixed")
    parser.add_argument("--ids", choices=("workload", "random"), default="workload")
    parser.add_argument("--events", type=int, default=20_000)
    parser.add_argument("--cpu", type=int, default=None, help="pin the server to this core")
    parser.add_argument("--max-seconds", type=float, default=900.0)
    args = parser.parse_args()
    if args.cpu is not None:
        os.sched_setaffinity(0, {args.cpu})
    with contextlib.suppress(PermissionError):
        os.setpriority(os.PRIO_PROCESS, 0, -10)  # as the client does: see fanout.py
    workload = Workload(args.variant, args.events, args.ids)
    try:
        import uvloop
    except ImportError:
        asyncio.run(serve(workload, args.max_seconds))
    else:
        uvloop.run(serve(workload, args.max_seconds))
    # Do not wait for the thread blocked on stdin.
    sys.stdout.flush()
    os._exit(0)


if __name__ == "__main__":
    main()
