"""With httpx's instrumentation, without an SDK, and without OpenTelemetry at all."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import httpx
import pytest
from opentelemetry import trace
from opentelemetry.instrumentation.httpx import HTTPXClientInstrumentor
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

import qoder_async as qa
from qoder_async.testing import Emulator
from tests.telemetry._support import named, new_session

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.anyio
async def test_the_turns_span_is_the_parent_of_the_http_spans(
    emu: Emulator, tracer_provider: TracerProvider, exporter: InMemorySpanExporter, token: str
) -> None:
    http = httpx.AsyncClient()
    HTTPXClientInstrumentor.instrument_client(http, tracer_provider=tracer_provider)
    async with (
        http,
        qa.AsyncQoder(
            token, emu.base_url, http_client=http, tracer_provider=tracer_provider
        ) as client,
    ):
        session = await new_session(client)
        exporter.clear()
        await session.ask("hello")
    (turn,) = named(exporter, "invoke_agent helper")
    assert turn.context is not None
    children = [
        span.name
        for span in exporter.get_finished_spans()
        if span.parent is not None and span.parent.span_id == turn.context.span_id
    ]
    # The stream's GET and the message's POST, made by httpx under the turn.
    assert sorted(children) == ["GET", "POST"]


@pytest.mark.anyio
async def test_nothing_is_recorded_when_no_sdk_is_configured(
    client: qa.AsyncQoder,
) -> None:
    assert isinstance(trace.get_tracer_provider(), trace.ProxyTracerProvider)
    seen: list[bool] = []

    @qa.tool
    def add(a: int, b: int) -> int:
        """Add two numbers.

        Args:
            a: the first.
            b: the second.
        """
        seen.append(trace.get_current_span().is_recording())
        return a + b

    session = await new_session(client, [add])
    result = await session.ask("add a=2 and b=3", tools=[add])
    assert result.stop_reason is not None
    assert result.stop_reason.type == "end_turn"
    assert seen == [False]
    # The package never configures an SDK (nor a global provider) of its own.
    assert isinstance(trace.get_tracer_provider(), trace.ProxyTracerProvider)


def _run(code: str, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code), *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_importing_the_package_imports_no_opentelemetry() -> None:
    done = _run(
        """
        import sys
        import qoder_async as qa
        assert "opentelemetry" not in sys.modules
        qa.AsyncQoder("t").session("sess_1").events()
        assert "opentelemetry" not in sys.modules, "a client and a stream imported it"
        """
    )
    assert done.returncode == 0, done.stderr


@pytest.mark.parametrize("loop", ["asyncio", "trio"])
def test_everything_works_when_opentelemetry_is_not_installed(loop: str) -> None:
    done = _run(
        """
        import sys
        sys.modules["opentelemetry"] = None  # as if the package were not installed

        import anyio
        import qoder_async as qa
        from qoder_async.testing import Emulator

        @qa.tool
        def add(a: int, b: int) -> int:
            '''Add two numbers.

            Args:
                a: the first.
                b: the second.
            '''
            return a + b

        async def main() -> None:
            with Emulator(pace=0.0) as emu:
                async with qa.AsyncQoder("t", emu.base_url) as client:
                    agent = await client.agents.create(name="a", model="ultimate", tools=[add])
                    env = await client.environments.create(name="e")
                    session = await client.sessions.create(agent=agent.id, environment_id=env.id)
                    result = await session.ask("add a=2 and b=3", tools=[add])
                    assert "5" in result.text, result.text
                    async for event in session.turn("hello"):
                        pass

        anyio.run(main, backend=sys.argv[1])
        print("ok")
        """,
        loop,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "ok"
