"""The public API's types, pinned down. mypy checks this file; it is never run."""

from __future__ import annotations

from collections.abc import Coroutine
from pathlib import Path
from typing import Any, Literal

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
        assert_type(result.credits, float)
        assert_type(result.tokens, "qa.ModelUsage | None")
        assert_type(result.usage, "qa.SessionUsage | None")
        async with session:
            pass


async def lists_and_options(client: qa.AsyncQoder) -> None:
    async for agent in client.agents.list(limit=50):
        assert_type(agent, qa.Agent)
    page = await client.sessions.list(statuses=["idle"])
    assert_type(page, qa.Page[qa.Session])
    assert_type(client.with_options(max_retries=0, timeout=5.0), qa.AsyncQoder)
    live = qa.LiveText()

    def told(change: qa.Reconnect) -> None:
        assert_type(change.state, Literal["disconnected", "reconnected"])
        assert_type(change.error, "BaseException | None")

    on_reconnect: qa.OnReconnect = told
    async for event in client.session("sess_1").events(deltas=True, on_reconnect=on_reconnect):
        preview = live.update(event)
        assert_type(preview, "qa.Preview | None")


def errors() -> None:
    try:
        pass
    except qa.APIStatusError as error:
        assert_type(error.status_code, int)
        assert_type(error.type, "str | None")
        assert_type(error.request_id, "str | None")


def unexpected_answers() -> None:
    try:
        pass
    except qa.UnexpectedResponseError as error:
        assert_type(error.status_code, int)
        assert_type(error.content_type, "str | None")
        assert_type(error.body_preview, str)
    except qa.ClientClosedError as error:
        assert_type(error, qa.ClientClosedError)


async def skills_deployments_and_dreams(client: qa.AsyncQoder) -> None:
    skill = await client.skills.create("./my-skill", display_title=None, metadata={"k": "v"})
    assert_type(skill, qa.Skill)
    assert_type(skill.latest_version, "str | None")
    version = await client.skills.versions.create(skill.id, {"my-skill/SKILL.md": b"---"})
    assert_type(version, qa.SkillVersion)
    assert_type(version.version, str)
    assert_type(await client.skills.versions.retrieve(skill.id, "1"), qa.SkillVersion)
    assert_type(await client.skills.versions.delete(skill.id, "1"), qa.DeletedObject)
    assert_type(client.skills.versions.content(skill.id, "1"), qa.SkillDownload)
    async for chunk in client.skills.versions.content(skill.id, "1"):
        assert_type(chunk, bytes)
    assert_type(await client.skills.versions.content(skill.id, "1", to="s.zip"), Path)
    assert_type(await client.skills.list(name="rep"), qa.Page[qa.Skill])
    async for each in client.skills.versions.list(skill.id):
        assert_type(each, qa.SkillVersion)

    deployment = await client.deployments.create(
        name="nightly",
        agent="agent_1",
        environment_id="env_1",
        initial_events=[qa.UserMessageParam("hi")],
        schedule={"type": "cron", "expression": "0 9 * * *", "timezone": "UTC"},
    )
    assert_type(deployment, qa.Deployment)
    assert_type(deployment.agent_id, "str | None")
    assert_type(await client.deployments.update(deployment.id, schedule=None), qa.Deployment)
    assert_type(await client.deployments.pause(deployment.id), qa.Deployment)
    assert_type(await client.deployments.unpause(deployment.id), qa.Deployment)
    assert_type(await client.deployments.archive(deployment.id), qa.Deployment)
    run = await client.deployments.run(deployment.id)
    assert_type(run, qa.DeploymentRun)
    assert_type(run.session_id, "str | None")
    assert_type(await client.deployments.runs.retrieve(deployment.id, run.id), qa.DeploymentRun)
    assert_type(await client.deployment_runs.retrieve(run.id), qa.DeploymentRun)
    async for each_run in client.deployment_runs.list(deployment_id=deployment.id, limit=1000):
        assert_type(each_run, qa.DeploymentRun)
    assert_type(await client.deployments.runs.list(deployment.id), qa.Page[qa.DeploymentRun])

    dream = await client.dreams.create(
        inputs=[{"type": "memory_store", "memory_store_id": "memstore_1"}], model="auto"
    )
    assert_type(dream, qa.Dream)
    assert_type(dream.active, bool)
    assert_type(dream.usage, "qa.DreamUsage | None")
    assert_type(await client.dreams.cancel(dream.id), qa.Dream)
    assert_type(await client.dreams.archive(dream.id), qa.Dream)
    assert_type(await client.dreams.list(statuses=["completed"]), qa.Page[qa.Dream])


async def tools_and_approvals(session: qa.AsyncSession) -> None:
    @qa.tool
    async def lookup_order(order_id: str, include_items: bool = False) -> str:
        """Look up an order."""
        return order_id

    @qa.tool(timeout=5)
    def slow(n: int) -> int:
        """Slow."""
        return n

    assert_type(lookup_order, qa.Tool[Coroutine[Any, Any, str]])  # calling it calls the function
    assert_type(slow, qa.Tool[int])
    assert_type(lookup_order.name, str)
    assert_type(lookup_order.description, str)
    assert_type(lookup_order.input_schema, dict[str, Any])
    assert_type(lookup_order.definition, dict[str, Any])

    async def approve(request: qa.PendingCall) -> bool | qa.Deny:
        assert_type(request.name, str)
        assert_type(request.input, dict[str, Any])
        assert_type(request.tool_use_id, str)
        return qa.Deny("why")

    result = await session.ask("hi", tools=[lookup_order, slow], on_permission=approve)
    assert_type(result.pending, tuple[qa.PendingCall, ...])
    async for event in session.turn("hi", tools=[lookup_order], on_permission=lambda r: True):
        assert_type(event, qa.Event)
    assert_type(await session.pending(), list[qa.PendingCall])
    assert_type(await session.answer(tools=[lookup_order]), list[qa.PendingCall])
    on_permission: qa.OnPermission = approve
    del on_permission


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


def telemetry_providers() -> None:
    from opentelemetry.metrics import get_meter_provider
    from opentelemetry.trace import get_tracer_provider

    qa.AsyncQoder(tracer_provider=get_tracer_provider(), meter_provider=get_meter_provider())
    qa.AsyncQoder(tracer_provider=None, meter_provider=None)
