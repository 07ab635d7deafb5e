"""Interleaved repetitions and medians: rows are timed A, B, C, A, B, C ... in one process."""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable, Sequence

from attrs import frozen


@frozen
class Timing:
    """Median wall and CPU seconds of one row, and what one repetition produced."""

    name: str
    wall: float
    cpu: float
    count: int

    @property
    def rate(self) -> float:
        """Items per wall second."""
        return self.count / self.wall

    @property
    def cpu_per_item_us(self) -> float:
        """CPU microseconds per item."""
        return self.cpu / self.count * 1e6


def interleave(rows: Sequence[tuple[str, Callable[[], int]]], repeat: int) -> list[Timing]:
    """Run every row ``repeat`` times, alternating rows; each call returns its item count."""
    walls: dict[str, list[float]] = {name: [] for name, _ in rows}
    cpus: dict[str, list[float]] = {name: [] for name, _ in rows}
    counts: dict[str, int] = {}
    for _ in range(repeat):
        for name, fn in rows:
            c0, t0 = time.process_time(), time.perf_counter()
            counts[name] = fn()
            walls[name].append(time.perf_counter() - t0)
            cpus[name].append(time.process_time() - c0)
    return [
        Timing(name, statistics.median(walls[name]), statistics.median(cpus[name]), counts[name])
        for name, _ in rows
    ]


def table(headers: Sequence[str], rows: Sequence[Sequence[object]]) -> str:
    """A Markdown table."""
    lines = ["| " + " | ".join(headers) + " |", "|" + "---|" * len(headers)]
    lines += ["| " + " | ".join(str(cell) for cell in row) + " |" for row in rows]
    return "\n".join(lines)
