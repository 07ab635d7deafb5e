"""Fan out: many sessions at once in one task group, a bounded number at a time.

    python examples/fan_out.py [--sessions 100] [--concurrency 20]

Every session asks one question; a ``CapacityLimiter`` caps how many run together, a
progress bar counts the answers, and the answers are collected in order. With
QODER_ACCESS_TOKEN (or QODER_PAT) set it talks to the API; without, to a local emulator.
"""

from __future__ import annotations

import argparse
import os
import time

import anyio
from rich.progress import Progress

import qoder_async as qa


async def ask_all(client: qa.AsyncQoder, questions: list[str], concurrency: int) -> list[str]:
    """Ask each question in a session of its own; return the answers in question order."""
    agent = await client.agents.create(name="fan-out", model="ultimate")
    environment = await client.environments.create(name="fan-out")
    answers = [""] * len(questions)
    limiter = anyio.CapacityLimiter(concurrency)

    with Progress(transient=True) as progress:
        bar = progress.add_task("asking", total=len(questions))

        async def ask(index: int) -> None:
            async with limiter:
                session = await client.sessions.create(
                    agent=agent.id, environment_id=environment.id, title=f"question {index}"
                )
                async with session:
                    answers[index] = (await session.ask(questions[index])).text
                await session.archive()
            progress.advance(bar)

        async with anyio.create_task_group() as tasks:
            for index in range(len(questions)):
                tasks.start_soon(ask, index)
    return answers


async def main(
    sessions: int, concurrency: int, base_url: str | None = None, token: str | None = None
) -> None:
    questions = [f"What is {n} squared?" for n in range(sessions)]
    started = time.monotonic()
    async with qa.AsyncQoder(token, base_url) as client:
        answers = await ask_all(client, questions, concurrency)
    for question, answer in zip(questions[:3], answers[:3], strict=True):
        print(f"{question} -> {answer.splitlines()[0]}")
    elapsed = time.monotonic() - started
    print(f"{sum(1 for a in answers if a)} of {sessions} answered in {elapsed:.1f}s")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sessions", type=int, default=100)
    parser.add_argument("--concurrency", type=int, default=20)
    args = parser.parse_args()
    if os.environ.get("QODER_ACCESS_TOKEN") or os.environ.get("QODER_PAT"):
        anyio.run(main, args.sessions, args.concurrency)
    else:
        from qoder_async.testing import Emulator

        with Emulator() as emulator:
            anyio.run(main, args.sessions, args.concurrency, emulator.base_url, "emulator")
