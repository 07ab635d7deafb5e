"""EnvironmentWorker against the emulator: serving sessions end to end, a takeover after a
worker dies, a lost lease (412)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import anyio
import pytest

import qoder_async as qa
from qoder_async.testing import Emulator, TurnContext

pytestmark = pytest.mark.anyio

TOKEN = "qoder-worker-token-5ecret"


def tool(name: str, **args: Any) -> dict[str, Any]:
    return {"type": "agent.tool_use", "name": name, "input": args, "evaluated_permission": "allow"}


def script(text: str, context: TurnContext) -> Iterator[dict[str, Any]]:
    yield tool("Write", file_path="note.txt", content=f"{text}\n")
    yield tool("Bash", command="cat note.txt | tr a-z A-Z")
    yield tool("Bash", command=text if text.startswith("sleep") else "true")
    yield {"type": "agent.message", "content": [{"type": "text", "text": "done"}]}


@pytest.fixture(scope="module")
def emu() -> Iterator[Emulator]:
    with Emulator(agent=script, work_min_ttl=0.6) as emulator:
        yield emulator


@pytest.fixture
async def client(emu: Emulator) -> AsyncIterator[qa.AsyncQoder]:
    async with qa.AsyncQoder(TOKEN, emu.base_url, retry_policy=qa.RetryPolicy.instant()) as c:
        yield c


async def self_hosted(client: qa.AsyncQoder) -> str:
    env = await client.environments.create(name="own-hosts", config={"type": "self_hosted"})
    return env.id


async def start_session(client: qa.AsyncQoder, environment_id: str, text: str) -> str:
    agent = await client.agents.create(name="tooling", model="ultimate")
    session = await client.sessions.create(agent=agent.id, environment_id=environment_id)
    await session.send(text)
    return session.id


def answers(emu: Emulator, session_id: str) -> dict[str, list[dict[str, Any]]]:
    log = emu.log(session_id)
    uses = [e["id"] for e in log if e["type"] == "agent.tool_use"]
    return {
        use: [e for e in log if e["type"] == "user.tool_result" and e["tool_use_id"] == use]
        for use in uses
    }


def text_of(result: dict[str, Any]) -> str:
    return "".join(block["text"] for block in result["content"])


async def wait_for(condition: Any) -> None:
    with anyio.fail_after(15):
        while not condition():  # noqa: ASYNC110  (the emulator's thread cannot set an anyio.Event)
            await anyio.sleep(0.05)


async def test_a_worker_serves_two_sessions_end_to_end(
    emu: Emulator, client: qa.AsyncQoder, tmp_path: Path
) -> None:
    environment_id = await self_hosted(client)
    first = await start_session(client, environment_id, "first")
    second = await start_session(client, environment_id, "second")
    worker = qa.EnvironmentWorker(
        client,
        environment_id,
        worker_id="host-1",
        executor=qa.LocalExecutor(tmp_path),
        ttl_seconds=2,
    )
    async with anyio.create_task_group() as group:
        group.start_soon(worker.run)
        await wait_for(
            lambda: [i["state"] for i in emu.work_items(environment_id)] == ["stopped"] * 2
        )
        worker.shutdown()
    for session_id, word in ((first, "FIRST"), (second, "SECOND")):
        results = answers(emu, session_id)
        assert [len(r) for r in results.values()] == [1, 1, 1]
        assert text_of(list(results.values())[1][0]).strip() == word
        assert (tmp_path / session_id / "note.txt").read_text() == word.lower() + "\n"
        assert emu.session(session_id)["status"] == "idle"
    assert worker.stats().served == 2
    assert worker.stats().active == 0


class DyingExecutor:
    """Answers the first call, then kills its worker's connection mid-call."""

    def __init__(self, inner: qa.Executor, client: qa.AsyncQoder) -> None:
        self.inner, self.client, self.calls = inner, client, []  # type: ignore[var-annotated]

    async def run(self, call: qa.ToolCall) -> qa.ToolOutput:
        self.calls.append(call.id)
        if len(self.calls) == 2:
            await self.client.aclose()  # the worker is gone: no beat, no post, no stop
            await anyio.sleep_forever()
        return await self.inner.run(call)


async def test_a_second_worker_takes_over_with_no_tool_call_answered_twice(
    emu: Emulator, client: qa.AsyncQoder, tmp_path: Path
) -> None:
    environment_id = await self_hosted(client)
    session_id = await start_session(client, environment_id, "takeover")
    doomed = qa.AsyncQoder(TOKEN, emu.base_url, retry_policy=qa.RetryPolicy.instant())
    dying = DyingExecutor(qa.LocalExecutor(tmp_path), doomed)
    first = qa.EnvironmentWorker(
        doomed, environment_id, worker_id="host-1", executor=dying, ttl_seconds=1
    )
    second_executor = qa.LocalExecutor(tmp_path)
    second = qa.EnvironmentWorker(
        client, environment_id, worker_id="host-2", executor=second_executor, ttl_seconds=1
    )

    async def die() -> None:
        with pytest.raises(qa.ClientClosedError):
            await first.run()

    async with anyio.create_task_group() as group:
        group.start_soon(die)
        await wait_for(lambda: len(dying.calls) == 2)
        group.start_soon(second.run)
        await wait_for(lambda: [i["state"] for i in emu.work_items(environment_id)] == ["stopped"])
        second.shutdown()
    assert first.stats().lost == 1
    results = answers(emu, session_id)
    assert [len(r) for r in results.values()] == [1, 1, 1]
    assert second.stats().served == 1
    assert emu.session(session_id)["status"] == "idle"


async def test_a_412_stops_the_work_at_once(
    emu: Emulator, client: qa.AsyncQoder, tmp_path: Path
) -> None:
    environment_id = await self_hosted(client)
    session_id = await start_session(client, environment_id, "sleep 30")
    worker = qa.EnvironmentWorker(
        client,
        environment_id,
        worker_id="host-1",
        executor=qa.LocalExecutor(tmp_path),
        ttl_seconds=3,
    )
    async with anyio.create_task_group() as group:
        group.start_soon(worker.run)
        await wait_for(lambda: len(answers(emu, session_id)) == 3)  # the sleep is running
        (item,) = emu.work_items(environment_id)
        # Another worker takes the lease with an unconditional beat.
        await client.environments.work.heartbeat(
            environment_id, item["id"], expected_last_heartbeat=None, worker_id="host-2"
        )
        started = anyio.current_time()
        await wait_for(lambda: worker.stats().lost == 1)
        lost_after = anyio.current_time() - started
        worker.shutdown()
    assert lost_after < 2.5  # a beat every ttl/3 = 1 s notices it, the sleep 30 is cut
    assert [len(r) for r in answers(emu, session_id).values()] == [1, 1, 0]
    assert emu.work_items(environment_id)[0]["state"] == "active"  # not ours to stop


async def test_stats_report_capacity(client: qa.AsyncQoder, tmp_path: Path) -> None:
    environment_id = await self_hosted(client)
    worker = qa.EnvironmentWorker(
        client, environment_id, concurrency=3, executor=qa.LocalExecutor(tmp_path)
    )
    assert worker.stats() == qa.WorkerStats(
        active=0, capacity=3, served=0, lost=0, tool_calls=0, errors=0, draining=False
    )


async def test_a_poll_reads_only_what_is_new_in_a_long_history(
    emu: Emulator, client: qa.AsyncQoder, tmp_path: Path
) -> None:
    environment_id = await self_hosted(client)
    agent = await client.agents.create(name="tooling", model="ultimate")
    session = await client.sessions.create(agent=agent.id, environment_id=environment_id)
    emu.append_events(session.id, [{"type": "agent.thinking"}] * 350)  # four pages of 100
    await session.send("long")
    worker = qa.EnvironmentWorker(
        client, environment_id, executor=qa.LocalExecutor(tmp_path), ttl_seconds=2
    )
    async with anyio.create_task_group() as group:
        group.start_soon(worker.run)
        await wait_for(lambda: [i["state"] for i in emu.work_items(environment_id)] == ["stopped"])
        worker.shutdown()
    reads = [r for r in emu.requests if r.path.endswith(f"/sessions/{session.id}/events")]
    later_pages = [r for r in reads if r.method == "GET" and "page=" in r.query]
    assert len(reads) > 5  # it polled, and re-read before each answer
    assert len(later_pages) <= 3  # the history was paged through once, not at every poll
    assert [len(r) for r in answers(emu, session.id).values()] == [1, 1, 1]
