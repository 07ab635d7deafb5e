"""What a followed stream tells its ``on_reconnect`` hook when its connection changes."""

from __future__ import annotations

from collections.abc import Callable
from typing import Literal

from attrs import frozen

__all__ = ["OnReconnect", "Reconnect"]


@frozen(kw_only=True)
class Reconnect:
    """A change in an :class:`EventStream`'s connection, given to ``on_reconnect`` at once.

    The stream reconnects by itself; the hook only lets a program say so (``qoder-async
    tail`` prints a line for each). When ``failures`` reaches ``max_failures`` the stream
    gives up and raises :class:`StreamError` instead of calling the hook again.

    Attributes:
        state: ``"disconnected"``: the connection ended, or an attempt to open one failed,
            and the stream tries again in ``delay`` seconds; ``"reconnected"``: a new
            connection is open and the stream goes on after ``last_event_id``.
        url: where the stream connects (the API's address and the stream's path).
        error: why the connection ended or could not be opened; ``None`` when the server
            closed the stream, or for ``"reconnected"``.
        failures: the attempts that failed in a row so far (0 when a connection that had
            been delivering events dropped).
        max_failures: the retry policy's ``stream_max_failures``.
        delay: seconds until the next attempt (0 for ``"reconnected"``).
        last_event_id: where the stream resumes.
    """

    state: Literal["disconnected", "reconnected"]
    url: str
    error: BaseException | None = None
    failures: int = 0
    max_failures: int = 0
    delay: float = 0.0
    last_event_id: str | None = None


OnReconnect = Callable[[Reconnect], None]
"""``on_reconnect(change)``: a plain function called from the task that reads the stream,
so it should return quickly; what it raises ends the iteration."""
