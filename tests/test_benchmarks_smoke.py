"""The benchmark suite still runs: its in-memory decode rows on a few hundred events."""

from __future__ import annotations

import pytest

decode = pytest.importorskip("benchmarks.decode", reason="run from the repository root")


@pytest.mark.parametrize("variant", ["mixed", "deltas"])
def test_decode_benchmark_rows_agree_on_the_events(variant: str) -> None:
    timings = decode.run(variant, 300, repeat=1)
    assert [t.name for t in timings] == [name for name, _ in decode.ROWS]
    assert {t.count for t in timings[1:]} == {300}


def test_telemetry_benchmark_rows_pass_every_event_through() -> None:
    telemetry = pytest.importorskip("benchmarks.telemetry", reason="run from the repository root")
    rows = [
        telemetry._row(300, None),
        telemetry._row(300, telemetry._without_opentelemetry()),
        telemetry._row(300, telemetry.Telemetry()),
        telemetry._row(300, telemetry._with_sdk()),
    ]
    assert [row() for row in rows] == [300] * 4
