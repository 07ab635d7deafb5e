"""``qoder-async worker ENVIRONMENT_ID``: serve a self-hosted environment from this machine."""

# No ``from __future__ import annotations`` here: typer reads the annotations at run time.

import sys
from pathlib import Path
from typing import Annotated

import typer

import qoder_async as qa

from ._connect import connect
from ._errors import run_command

__all__ = ["register"]


def _say(text: str) -> None:
    print(text, file=sys.stderr, flush=True)


def worker(
    environment_id: Annotated[str, typer.Argument(help="The self-hosted environment (env_…).")],
    worker_id: Annotated[
        str | None, typer.Option("--worker-id", help="Sent as Worker-ID (default: host-pid).")
    ] = None,
    workdir: Annotated[
        Path, typer.Option("--workdir", help="One working directory per session under this.")
    ] = Path("qoder-work"),
    concurrency: Annotated[
        int, typer.Option("--concurrency", min=1, help="At most this many sessions at a time.")
    ] = 4,
    command_timeout: Annotated[
        float, typer.Option("--command-timeout", help="Seconds before a Bash command is killed.")
    ] = 120.0,
    base_url: Annotated[
        str | None, typer.Option("--base-url", help="The API's base URL (else QODER_BASE_URL).")
    ] = None,
    debug: Annotated[bool, typer.Option("--debug", help="Log requests; show tracebacks.")] = False,
) -> None:
    """Serve a self-hosted environment: run its sessions' tools here until SIGTERM or Ctrl-C
    (then finish the sessions in progress and exit)."""

    async def main() -> int:
        async with connect(base_url, embedded_allowed=False, notice=_say) as connection:
            runner = qa.EnvironmentWorker(
                connection.client,
                environment_id,
                worker_id=worker_id,
                executor=qa.LocalExecutor(workdir, timeout=command_timeout),
                concurrency=concurrency,
            )
            _say(f"worker {runner.worker_id} serving {environment_id} (tools in {workdir})")
            await runner.run(handle_signals=True)
            stats = runner.stats()
            _say(
                f"stopped: {stats.served} served, {stats.lost} lost, {stats.tool_calls} tool calls"
            )
        return 0

    raise typer.Exit(run_command(main, debug=debug))


def register(app: typer.Typer) -> None:
    """Add the ``worker`` command to ``app``."""
    app.command()(worker)
