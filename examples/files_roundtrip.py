"""Files in and out: upload a file, mount it, ask the agent about it, download what it wrote.

    python examples/files_roundtrip.py [FILE]

Uploads FILE (default: this script), asks the agent about it, and saves the files the agent
produced under ./downloads/. With QODER_ACCESS_TOKEN (or QODER_PAT) set it talks to the API;
without, it runs against the local emulator (``pip install 'qoder-async[emulator]'``).
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import anyio

import qoder_async as qa


async def roundtrip(client: qa.AsyncQoder, upload: Path, downloads: Path) -> None:
    agent = await client.agents.create(name="reader", model="ultimate")
    env = await client.environments.create(name="files-example")
    async with await client.sessions.create(agent=agent.id, environment_id=env.id) as session:
        # 1. Upload and mount in one call (streamed from disk, never read whole).
        mounted = await session.upload_and_mount(upload, mount_path=f"inputs/{upload.name}")
        print("mounted at", mounted.mount_path)

        # 2. Ask the agent about it.
        result = await session.ask(f"Summarise {mounted.mount_path} and save it as a file.")
        print(result.text)

        # 3. Download every file the agent produced in this session.
        await anyio.Path(downloads).mkdir(exist_ok=True)
        async for produced in session.files():
            saved = await client.files.download(produced.id, to=downloads / produced.filename)
            print("saved", saved)


async def main(upload: Path, base_url: str | None, token: str | None) -> None:
    async with qa.AsyncQoder(token, base_url) as client:
        await roundtrip(client, upload, Path("downloads"))


if __name__ == "__main__":
    upload = Path(sys.argv[1] if len(sys.argv) > 1 else __file__)
    if os.environ.get("QODER_ACCESS_TOKEN") or os.environ.get("QODER_PAT"):
        anyio.run(main, upload, None, None)
    else:
        from qoder_async.testing import Emulator

        with Emulator() as emulator:
            anyio.run(main, upload, emulator.base_url, "emulator")
