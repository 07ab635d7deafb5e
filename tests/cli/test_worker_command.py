"""``qoder-async worker ENVIRONMENT_ID``: serves a self-hosted environment until SIGTERM."""

from __future__ import annotations

import signal
import time
from pathlib import Path

import anyio

import qoder_async as qa
from qoder_async.testing import Emulator

from ._support import CLI, TOKEN


async def _session_in_a_self_hosted_environment(emulator: Emulator) -> tuple[str, str]:
    async with qa.AsyncQoder(TOKEN, emulator.base_url) as client:
        env = await client.environments.create(name="cli-hosts", config={"type": "self_hosted"})
        agent = await client.agents.create(name="cli-worker", model="ultimate")
        session = await client.sessions.create(agent=agent.id, environment_id=env.id)
        await session.send("hello from the cli")
        return env.id, session.id


def test_the_worker_command_serves_a_session_and_drains_on_sigterm(
    cli_process: CLI, emulator: Emulator, tmp_path: Path
) -> None:
    environment_id, session_id = anyio.run(_session_in_a_self_hosted_environment, emulator)
    process = cli_process.popen(
        "worker", environment_id, "--worker-id", "cli-host", "--workdir", str(tmp_path)
    )
    try:
        deadline = time.monotonic() + 30
        while [i["state"] for i in emulator.work_items(environment_id)] != ["stopped"]:
            assert time.monotonic() < deadline, "the worker did not finish the item"
            assert process.poll() is None, process.stderr.read() if process.stderr else ""
            time.sleep(0.05)
        process.send_signal(signal.SIGTERM)
        _, stderr = process.communicate(timeout=15)
    finally:
        if process.poll() is None:
            process.kill()
    assert process.returncode == 0, stderr
    assert "worker cli-host serving" in stderr
    assert "stopped: 1 served, 0 lost, 1 tool calls" in stderr
    log = emulator.log(session_id)
    (glob,) = [e for e in log if e["type"] == "agent.tool_use"]
    (result,) = [e for e in log if e["type"] == "user.tool_result"]
    assert result["tool_use_id"] == glob["id"]
    assert (tmp_path / session_id).is_dir()
