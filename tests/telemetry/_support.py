"""What the telemetry tests share: tools, a session maker, span and metric look-ups."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import pytest
from opentelemetry.sdk.metrics.export import HistogramDataPoint, InMemoryMetricReader
from opentelemetry.sdk.trace import ReadableSpan
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

import qoder_async as qa
from qoder_async.testing import Emulator
from qoder_async.testing._faults import RequestFault

CONTENT = "OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT"


@qa.tool
def add(a: int, b: int) -> int:
    """Add two numbers.

    Args:
        a: the first.
        b: the second.
    """
    return a + b


@qa.tool
def broken(a: int, b: int) -> int:
    """A tool that always raises.

    Args:
        a: the first.
        b: the second.
    """
    raise ValueError(f"cannot add {a} and {b}")


async def new_session(client: qa.AsyncQoder, tools: Sequence[qa.Tool[Any]] = ()) -> qa.AsyncSession:
    made = await client.agents.create(name="helper", model="ultimate", tools=list(tools))
    env = await client.environments.create(name="telemetry-env")
    return await client.sessions.create(agent=made.id, environment_id=env.id)


async def a_failed_turn(client: qa.AsyncQoder, emu: Emulator) -> None:
    """A turn whose message gets a 500 on every attempt, so that ``ask()`` raises."""
    session = await new_session(client)
    emu.request_faults(
        [RequestFault(status=500, method="POST", path_prefix=f"/sessions/{session.id}", times=3)]
    )
    with pytest.raises(qa.InternalServerError):
        await session.ask("hello")


def named(exporter: InMemorySpanExporter, name: str) -> list[ReadableSpan]:
    """The finished spans called ``name``, oldest first."""
    return [span for span in exporter.get_finished_spans() if span.name == name]


def points(reader: InMemoryMetricReader, name: str) -> list[HistogramDataPoint]:
    """The data points of the histogram ``name`` collected so far."""
    data = reader.get_metrics_data()
    found: list[HistogramDataPoint] = []
    for resource in data.resource_metrics if data is not None else ():
        for scope in resource.scope_metrics:
            for metric in scope.metrics:
                if metric.name == name:
                    found.extend(
                        p for p in metric.data.data_points if isinstance(p, HistogramDataPoint)
                    )
    return found
