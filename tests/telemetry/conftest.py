"""An OpenTelemetry SDK per test, in memory: spans in an exporter, metrics in a reader.

The global providers are never set (OpenTelemetry allows that once per process): every
client here is given its providers, as ``AsyncQoder(tracer_provider=, meter_provider=)``.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator

import pytest
from opentelemetry.sdk.metrics import MeterProvider
from opentelemetry.sdk.metrics.export import InMemoryMetricReader
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

import qoder_async as qa
from qoder_async.testing import Emulator, ScriptedAgent


@pytest.fixture
def exporter() -> InMemorySpanExporter:
    return InMemorySpanExporter()


@pytest.fixture
def tracer_provider(exporter: InMemorySpanExporter) -> Iterator[TracerProvider]:
    provider = TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    yield provider
    provider.shutdown()


@pytest.fixture
def reader() -> InMemoryMetricReader:
    return InMemoryMetricReader()


@pytest.fixture
def meter_provider(reader: InMemoryMetricReader) -> Iterator[MeterProvider]:
    provider = MeterProvider(metric_readers=[reader])
    yield provider
    provider.shutdown()


@pytest.fixture(scope="package")
def scripted() -> Iterator[tuple[Emulator, ScriptedAgent]]:
    """An emulator whose agent plays turns queued by the test (per session), else the
    default script."""
    agent = ScriptedAgent()
    with Emulator(agent=agent, pace=0.0) as emu:
        yield emu, agent


@pytest.fixture
def emu(scripted: tuple[Emulator, ScriptedAgent]) -> Iterator[Emulator]:
    yield scripted[0]
    scripted[0].clear_faults()


@pytest.fixture
def agent(scripted: tuple[Emulator, ScriptedAgent]) -> ScriptedAgent:
    return scripted[1]


@pytest.fixture
async def traced(
    emu: Emulator, tracer_provider: TracerProvider, meter_provider: MeterProvider, token: str
) -> AsyncIterator[qa.AsyncQoder]:
    """A client of the emulator that reports to this test's SDK."""
    async with qa.AsyncQoder(
        token,
        emu.base_url,
        retry_policy=qa.RetryPolicy.instant(),
        stream_idle_timeout=5.0,
        tracer_provider=tracer_provider,
        meter_provider=meter_provider,
    ) as client:
        yield client
