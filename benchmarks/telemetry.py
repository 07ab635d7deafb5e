"""What a turn's telemetry adds per event, with and without an OpenTelemetry SDK.

    python -m benchmarks.telemetry [--events 200000] [--repeat 5]

A turn's events pass through ``Telemetry.turn`` (the ``invoke_agent`` span). The rows feed
the same in-memory events through it: without OpenTelemetry (what a client does when
``opentelemetry-api`` is not installed), with the API and no SDK (nothing recorded: the
default for an application that configured nothing), and with an SDK recording into an
in-memory exporter. No I/O, so the figures are the wrapper's own cost, to be read against
the ~10 µs a typed event costs end to end (``python -m benchmarks e2e``). Rows interleaved,
medians of ``--repeat``.
"""

from __future__ import annotations

import argparse
from collections.abc import AsyncGenerator, AsyncIterator, Callable

import anyio

import qoder_async as qa
from benchmarks._timing import interleave, table
from qoder_async._telemetry import Telemetry

EVENT = qa.AgentMessage(id="evt_1", content=(qa.TextBlock("a line of the answer"),))


async def _events(count: int) -> AsyncGenerator[qa.Event, None]:
    for _ in range(count):
        yield EVENT


def _row(count: int, telemetry: Telemetry | None) -> Callable[[], int]:
    async def consume() -> int:
        events = _events(count)
        stream: AsyncIterator[qa.Event] = events
        if telemetry is not None:
            stream = telemetry.turn(events, session_id="sess_1", agent=None, message=())
        seen = 0
        async for _ in stream:
            seen += 1
        return seen

    return lambda: anyio.run(consume)


def _without_opentelemetry() -> Telemetry:
    telemetry = Telemetry()
    telemetry._loaded = True  # as when ``import opentelemetry`` failed: nothing is recorded
    return telemetry


def _with_sdk() -> Telemetry:
    from opentelemetry.sdk.trace import TracerProvider
    from opentelemetry.sdk.trace.export import SimpleSpanProcessor
    from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

    provider = TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(InMemorySpanExporter()))
    return Telemetry(tracer_provider=provider)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=200_000)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    rows = [
        ("no wrapper (the events alone)", _row(args.events, None)),
        ("opentelemetry not installed", _row(args.events, _without_opentelemetry())),
        ("API installed, no SDK configured", _row(args.events, Telemetry())),
        ("SDK recording (in-memory exporter)", _row(args.events, _with_sdk())),
    ]
    timings = interleave(rows, args.repeat)
    base = timings[0].cpu_per_item_us
    print(
        table(
            ["row", "CPU µs/event", "added µs/event"],
            [
                (t.name, f"{t.cpu_per_item_us:.2f}", f"{t.cpu_per_item_us - base:.2f}")
                for t in timings
            ],
        )
    )


if __name__ == "__main__":
    main()
