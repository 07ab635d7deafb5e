"""The same client under trio: qoder_async is built on anyio, so trio needs nothing special.

    python examples/trio_example.py

Two sessions stream a turn side by side in a trio nursery, then one more question runs
under a trio deadline. With QODER_ACCESS_TOKEN (or QODER_PAT) set it talks to the API;
without, to a local emulator.
"""

from __future__ import annotations

import os

try:
    import trio
except ModuleNotFoundError as exc:  # say what to install, not just what is missing
    raise SystemExit(f"trio_example.py needs {exc.name}: pip install trio") from None

import qoder_async as qa


async def watch(name: str, session: qa.AsyncSession, question: str) -> None:
    """Stream one turn, printing tool calls as they happen and the message once written."""
    live = qa.LiveText()
    async for event in session.turn(question, deltas=True):
        preview = live.update(event)
        if isinstance(event, qa.AgentToolUse):
            print(f"[{name}] tool {event.name} {event.input}")
        elif preview is not None and preview.final and preview.event_type == "agent.message":
            print(f"[{name}] {preview.text.splitlines()[0]}")


async def main(base_url: str | None = None, token: str | None = None) -> None:
    async with qa.AsyncQoder(token, base_url) as client:
        agent = await client.agents.create(name="trio-example", model="ultimate")
        environment = await client.environments.create(name="trio-example")
        first, second = [
            await client.sessions.create(agent=agent.id, environment_id=environment.id)
            for _ in range(2)
        ]
        async with trio.open_nursery() as nursery:
            nursery.start_soon(watch, "first", first, "Which files are mounted?")
            nursery.start_soon(watch, "second", second, "Say hello from trio.")
        with trio.fail_after(60):
            result = await first.ask("One more question, with a deadline.")
        stop = result.stop_reason.type if result.stop_reason else "?"
        print(f"[first] {stop}, {result.credits} credits")
    print(f"ran on trio {trio.__version__}")


if __name__ == "__main__":
    if os.environ.get("QODER_ACCESS_TOKEN") or os.environ.get("QODER_PAT"):
        trio.run(main)
    else:
        from qoder_async.testing import Emulator

        with Emulator() as emulator:
            trio.run(main, emulator.base_url, "emulator")
