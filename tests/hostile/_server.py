"""A plain socket server on 127.0.0.1 that answers whatever a test scripts.

No HTTP library sits between the test and the bytes on the wire, so a test can send what no
well-behaved server would: a wrong content type, a body that never ends, a header in two
pieces, a connection dropped mid-frame. Each connection is served by a thread that reads the
request head (and a ``Content-Length`` body) and hands it to the test's handler.
"""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import contextmanager, suppress
from typing import BinaryIO

__all__ = [
    "Connection",
    "RawRequest",
    "RawServer",
    "http_head",
    "http_response",
    "raw_server",
    "sse_response",
]


class RawRequest:
    """One request as it arrived: method, path (with query), headers (lower-cased), body."""

    def __init__(self, method: str, path: str, headers: dict[str, str], body: bytes) -> None:
        self.method = method
        self.path = path
        self.headers = headers
        self.body = body

    def __repr__(self) -> str:
        return f"<RawRequest {self.method} {self.path}>"


class Connection:
    """The socket of one request, for the handler to write to."""

    def __init__(self, sock: socket.socket, request: RawRequest, index: int) -> None:
        self.request = request
        self.index = index  # 0 for the server's first request, 1 for the second, ...
        self._sock = sock

    def send(self, data: bytes) -> bool:
        """Write bytes; False once the client has gone away."""
        try:
            self._sock.sendall(data)
        except OSError:
            return False
        return True

    def send_slowly(self, chunks: Iterable[bytes], pause: float = 0.0) -> bool:
        """Write chunks one by one, pausing between them; False once the client is gone."""
        for chunk in chunks:
            if not self.send(chunk):
                return False
            if pause:
                time.sleep(pause)
        return True

    def hold(self, seconds: float) -> None:
        """Keep the connection open and silent (returns early when the client closes)."""
        self._sock.settimeout(seconds)
        try:
            while self._sock.recv(1024):
                pass
        except OSError:
            pass


Handler = Callable[[Connection], None]


class RawServer:
    """The running server: its base URL and every request it received, in order."""

    def __init__(self, handler: Handler) -> None:
        self._handler = handler
        self._listener = socket.create_server(("127.0.0.1", 0))
        self._listener.settimeout(0.2)
        self.port = self._listener.getsockname()[1]
        self.base_url = f"http://127.0.0.1:{self.port}"
        self.requests: list[RawRequest] = []
        self._lock = threading.Lock()
        self._stopped = threading.Event()
        self._threads: list[threading.Thread] = []
        self._sockets: list[socket.socket] = []
        self._acceptor = threading.Thread(target=self._accept, daemon=True)

    def start(self) -> None:
        self._acceptor.start()

    def stop(self) -> None:
        self._stopped.set()
        self._acceptor.join(5)
        for sock in list(self._sockets):
            with suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)
            sock.close()
        for thread in self._threads:
            thread.join(5)
        self._listener.close()

    def _accept(self) -> None:
        while not self._stopped.is_set():
            try:
                sock, _ = self._listener.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            self._sockets.append(sock)
            thread = threading.Thread(target=self._serve, args=(sock,), daemon=True)
            self._threads.append(thread)
            thread.start()

    def _serve(self, sock: socket.socket) -> None:
        sock.settimeout(10)
        reader = sock.makefile("rb")
        try:
            request = _read_request(reader)
            if request is None:
                return
            with self._lock:
                index = len(self.requests)
                self.requests.append(request)
            # One request per connection: every response says ``Connection: close``.
            self._handler(Connection(sock, request, index))
        except OSError:
            return
        finally:
            reader.close()
            with suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)
            sock.close()


def _read_request(reader: BinaryIO) -> RawRequest | None:
    line = reader.readline()
    if not line:
        return None
    method, path, _ = line.decode("latin-1").split(" ", 2)
    headers: dict[str, str] = {}
    while True:
        header = reader.readline()
        if header in (b"\r\n", b"\n", b""):
            break
        try:  # an event id travels as UTF-8 (WHATWG); anything else as bytes
            text = header.decode("utf-8")
        except UnicodeDecodeError:
            text = header.decode("latin-1")
        name, _, value = text.partition(":")
        headers[name.strip().lower()] = value.strip()
    length = int(headers.get("content-length", "0") or 0)
    body = reader.read(length) if length else b""
    return RawRequest(method, path, headers, body)


def http_head(
    status: int = 200,
    headers: Mapping[str, str] | None = None,
    *,
    reason: str = "OK",
) -> bytes:
    """A status line and headers (``Connection: close`` added), ending with the blank line."""
    lines = [f"HTTP/1.1 {status} {reason}"]
    merged = {"Connection": "close", **(headers or {})}
    lines += [f"{name}: {value}" for name, value in merged.items()]
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")


def http_response(
    status: int = 200,
    body: bytes = b"",
    headers: Mapping[str, str] | None = None,
    *,
    content_type: str = "application/json",
) -> bytes:
    """A whole response with a ``Content-Length`` body."""
    merged = {"Content-Type": content_type, "Content-Length": str(len(body)), **(headers or {})}
    return http_head(status, merged) + body


def sse_response(headers: Mapping[str, str] | None = None) -> bytes:
    """The head of an event stream whose body runs until the connection closes."""
    return http_head(200, {"Content-Type": "text/event-stream", **(headers or {})})


@contextmanager
def raw_server(handler: Handler) -> Iterator[RawServer]:
    """Serve ``handler`` on 127.0.0.1 for the duration of the block."""
    server = RawServer(handler)
    server.start()
    try:
        yield server
    finally:
        server.stop()
