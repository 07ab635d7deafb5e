"""A self-hosted environment: its sessions' tools run on this machine, in ./qoder-work.

With a token: ``python self_hosted_worker.py ENVIRONMENT_ID`` serves that environment until
Ctrl-C or SIGTERM. Without one: the local emulator, a self-hosted environment, one session
whose tool calls the worker answers, then the worker drains and stops.
"""

import os
import sys
import tempfile

import anyio

import qoder_async as qa


async def serve(environment_id: str) -> None:
    async with qa.AsyncQoder() as client:
        worker = qa.EnvironmentWorker(
            client, environment_id, worker_id="host-1", executor=qa.LocalExecutor("qoder-work")
        )
        await worker.run(handle_signals=True)


async def demo(base_url: str, workdir: str) -> None:
    async with qa.AsyncQoder("emulator", base_url) as client:
        env = await client.environments.create(name="own", config={"type": "self_hosted"})
        agent = await client.agents.create(name="helper", model="ultimate")
        session = await client.sessions.create(agent=agent.id, environment_id=env.id)
        worker = qa.EnvironmentWorker(client, env.id, executor=qa.LocalExecutor(workdir))
        async with anyio.create_task_group() as group:
            group.start_soon(worker.run)
            result = await session.ask("What is mounted?")  # the worker runs its Glob
            worker.shutdown()  # drain, then run() returns
        for event in result.events:
            if isinstance(event, qa.UserToolResult):
                print(f"worker answered {event.tool_use_id}: error={event.is_error}")
        print(result.text.splitlines()[0])
        print(f"served {worker.stats().served}, tool calls {worker.stats().tool_calls}")


if __name__ == "__main__":
    if os.environ.get("QODER_ACCESS_TOKEN") or os.environ.get("QODER_PAT"):
        anyio.run(serve, sys.argv[1])
    else:
        from qoder_async.testing import Emulator

        with Emulator() as emulator, tempfile.TemporaryDirectory() as scratch:
            anyio.run(demo, emulator.base_url, scratch)
