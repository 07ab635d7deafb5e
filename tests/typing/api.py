"""The public API's types, pinned down. mypy checks this file; it is never run."""

from __future__ import annotations

from typing import Any

from typing_extensions import assert_type

import qoder_async as qa


async def the_core_contract() -> None:
    client = qa.AsyncQoder(token=None, base_url=None, max_retries=2, http_client=None)
    async with client:
        agent = await client.agents.create(name="n", model="ultimate", system=None, metadata=None)
        assert_type(agent, qa.Agent)
        session = await client.sessions.create(agent=agent.id, environment_id="env_1", title=None)
        assert_type(session, qa.AsyncSession)
        assert_type(client.session("sess_1"), qa.AsyncSession)
        assert_type(session.id, str)
        assert_type(session.info, "qa.Session | None")
        assert_type(
            await session.add_resources(
                qa.FileResource(file_id="file_1", path="inputs/spec.md"),
                qa.GitHubRepository(url="https://github.com/o/r"),
            ),
            list[qa.SessionResource],
        )
        assert_type(await session.send("hello"), qa.UserMessage)
        assert_type(await session.send([qa.TextBlock("a"), "b"], wait_idle=True), qa.UserMessage)
        assert_type(await session.interrupt(), list[qa.Event])
        assert_type(await session.define_outcome("done"), list[qa.Event])
        async for event in session.events(last_event_id=None, deltas=False):
            assert_type(event, qa.Event)
            if isinstance(event, qa.AgentMessage):
                assert_type(event.text, str)
            if isinstance(event, qa.UnknownEvent):
                assert_type(event.raw, dict[str, Any])
        async for event in session.turn("hello"):
            assert_type(event, qa.Event)
        result = await session.ask("hello")
        assert_type(result, qa.TurnResult)
        assert_type(result.text, str)
        assert_type(result.stop_reason, "qa.StopReason | None")
        async with session:
            pass


async def lists_and_options(client: qa.AsyncQoder) -> None:
    async for agent in client.agents.list(limit=50):
        assert_type(agent, qa.Agent)
    page = await client.sessions.list(statuses=["idle"])
    assert_type(page, qa.Page[qa.Session])
    assert_type(client.with_options(max_retries=0, timeout=5.0), qa.AsyncQoder)
    live = qa.LiveText()
    async for event in client.session("sess_1").events(deltas=True):
        preview = live.update(event)
        assert_type(preview, "qa.Preview | None")


def errors() -> None:
    try:
        pass
    except qa.APIStatusError as error:
        assert_type(error.status_code, int)
        assert_type(error.type, "str | None")
        assert_type(error.request_id, "str | None")


async def vaults_and_memory(client: qa.AsyncQoder) -> None:
    vault = await client.vaults.create(display_name="v", metadata=None)
    assert_type(vault, qa.Vault)
    credential = await client.vaults.credentials.create(
        vault.id, auth=qa.StaticBearerAuth("https://mcp.example", "t"), display_name=None
    )
    assert_type(credential, qa.VaultCredential)
    assert_type(credential.auth, "qa.CredentialAuth | None")
    assert_type(
        await client.vaults.credentials.update(
            vault.id, credential.id, auth={"type": "static_bearer", "token": "t2"}
        ),
        qa.VaultCredential,
    )
    assert_type(
        await client.vaults.credentials.mcp_oauth_validate(vault.id, credential.id),
        qa.CredentialValidation,
    )
    async for listed in client.vaults.credentials.list(vault.id, limit=10):
        assert_type(listed, qa.VaultCredential)
    assert_type(await client.vaults.delete(vault.id), qa.DeletedObject)
    store = await client.memory_stores.create(name="m", description=None)
    assert_type(store, qa.MemoryStore)
    memory = await client.memory_stores.memories.create(store.id, path="a.md", content="x")
    assert_type(memory, qa.Memory)
    assert_type(
        await client.memory_stores.memories.update(
            store.id, memory.id, content="y", content_sha256=memory.content_sha256 or ""
        ),
        qa.Memory,
    )
    async for version in client.memory_stores.memory_versions.list(store.id, operation="created"):
        assert_type(version, qa.MemoryVersion)
        assert_type(version.redacted, bool)
        assert_type(
            await client.memory_stores.memory_versions.redact(store.id, version.id),
            qa.MemoryVersion,
        )
    assert_type(qa.MemoryStoreResource(store.id, access="read_write"), qa.MemoryStoreResource)
