"""The workload: realistic SSE bytes from ``shared/bench/workload.py``, generated once per run."""

from __future__ import annotations

import functools
import importlib.util
import sys
from pathlib import Path
from types import ModuleType

WORKLOAD = Path(__file__).resolve().parents[2] / "shared" / "bench" / "workload.py"


@functools.cache
def workload() -> ModuleType:
    """The shared generator, imported from its file (it is data, not part of the package)."""
    spec = importlib.util.spec_from_file_location("qoder_bench_workload", WORKLOAD)
    if spec is None or spec.loader is None:
        raise FileNotFoundError(WORKLOAD)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up by name
    spec.loader.exec_module(module)
    return module


@functools.cache
def wire(variant: str, n: int) -> bytes:
    """``n`` events of ``variant`` ("mixed" or "deltas") as the server sends them."""
    w = workload()
    return bytes(w.wire(w.events(variant, n)))


@functools.cache
def frames(variant: str, n: int) -> tuple[tuple[str, str, bytes], ...]:
    """The events one by one: (id, type, JSON bytes)."""
    return tuple((e.id, e.type, e.data) for e in workload().events(variant, n))


def chunks(data: bytes, size: int = 64 * 1024) -> list[bytes]:
    """``data`` cut into reads of ``size`` bytes, as a socket would hand them over."""
    return [data[i : i + size] for i in range(0, len(data), size)]
