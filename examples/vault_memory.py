"""An agent with an MCP server whose token lives in a vault, and a memory store that keeps a
user's preference from one session to the next. Without a token: the local emulator.

The MCP token comes from ``DOCS_MCP_TOKEN``; it is write-only on the API and never printed.
"""

import os

import anyio

import qoder_async as qa

MCP_URL = os.environ.get("DOCS_MCP_URL", "https://mcp.example.com/mcp")


async def main(base_url: str | None = None, token: str | None = None) -> None:
    async with qa.AsyncQoder(token, base_url) as client:
        vault = await client.vaults.create(display_name="docs-mcp")
        secret = os.environ.get("DOCS_MCP_TOKEN", "demo-token")
        await client.vaults.credentials.create(
            vault.id, auth=qa.StaticBearerAuth(MCP_URL, secret), display_name="docs"
        )
        agent = await client.agents.create(
            name="assistant",
            model="ultimate",
            system="Check the memory store for the user's preferences before answering.",
            mcp_servers=[{"type": "url", "name": "docs", "url": MCP_URL}],
            tools=[{"type": "mcp_toolset", "mcp_server_name": "docs"}],
        )
        env = await client.environments.create(name="vault-memory")
        memory = await client.memory_stores.create(
            name="user-42", description="Preferences user 42 asked us to remember"
        )

        async def conversation(message: str) -> str:
            session = await client.sessions.create(
                agent=agent.id,
                environment_id=env.id,
                vault_ids=[vault.id],
                resources=[qa.MemoryStoreResource(memory.id, access="read_write")],
            )
            answer = await session.ask(message)
            await session.archive()
            return answer.text

        print("session 1:", await conversation("Remember: I prefer metric units."))
        print("session 2:", await conversation("Which units should you use for me?"))
        async for entry in client.memory_stores.memories.list(memory.id):
            full = await client.memory_stores.memories.retrieve(memory.id, entry.id, view="full")
            print(f"memory {full.path}: {full.content!r}")


if __name__ == "__main__":
    if os.environ.get("QODER_ACCESS_TOKEN") or os.environ.get("QODER_PAT"):
        anyio.run(main)
    else:
        from qoder_async.testing import Emulator

        with Emulator() as emulator:
            anyio.run(main, emulator.base_url, "emulator")
