"""An agent, a session, a mounted file and one turn. Without a token: the local emulator."""

import os

import anyio

import qoder_async as qa


async def main(base_url: str | None = None, token: str | None = None) -> None:
    async with qa.AsyncQoder(token, base_url) as client:  # token: QODER_ACCESS_TOKEN
        agent = await client.agents.create(name="quickstart", model="ultimate")
        env = await client.environments.create(name="quickstart")
        session = await client.sessions.create(agent=agent.id, environment_id=env.id)
        notes = await client.files.upload(b"# Launch\n- ship on Friday\n", filename="notes.md")
        await session.add_resources(qa.FileResource.from_file(notes, "inputs/notes.md"))
        result = await session.ask("What do the notes in /data/inputs/notes.md say?")
        print(result.text)
        print(f"-- {len(result.events)} events, {result.credits} credits")


if __name__ == "__main__":
    if os.environ.get("QODER_ACCESS_TOKEN") or os.environ.get("QODER_PAT"):
        anyio.run(main)
    else:
        from qoder_async.testing import Emulator

        with Emulator() as emulator:
            anyio.run(main, emulator.base_url, "emulator")
