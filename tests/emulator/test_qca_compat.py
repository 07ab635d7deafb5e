"""The official SDK (``qca.managed``) works against the emulator unchanged."""

from __future__ import annotations

from typing import Any

import anyio
import pytest

from qoder_async.testing import Emulator, StreamFault

qca_managed = pytest.importorskip("qca.managed")
qca_errors = pytest.importorskip("qca.common._exceptions")


async def full_flow(emu: Emulator) -> None:
    client = qca_managed.AsyncManaged(
        access_token="pat_official_sdk",
        base_url=emu.base_url,
        max_retries=0,
        _strict_response_validation=True,
    )
    async with client:
        agent = await client.agents.create(name="sdk-agent", model="ultimate", system="Be brief.")
        assert agent.id.startswith("agent_")
        assert agent.version == 1
        environment = await client.environments.create(name="sdk-env")
        upload = await client.files.upload(
            file=("spec.md", b"# Spec\nAC1: exports\n", "text/markdown")
        )
        assert upload.status == "ready"
        session = await client.sessions.create(agent=agent.id, environment_id=environment.id)
        assert session.status == "idle"
        mounted = await client.sessions.resources.add(
            session.id, file_id=upload.id, mount_path="inputs/spec.md", type="file"
        )
        assert mounted.mount_path == "/data/inputs/spec.md"

        stream = await client.sessions.events.stream(session.id, event_deltas=["agent.message"])
        sent = await client.sessions.events.send(
            session.id,
            events=[{"type": "user.message", "content": [{"type": "text", "text": "Summarise"}]}],
        )
        assert sent.data[0].type == "user.message"

        with pytest.raises(qca_errors.ConflictError) as conflict:
            await client.sessions.events.send(
                session.id,
                events=[{"type": "user.message", "content": [{"type": "text", "text": "again"}]}],
            )
        assert conflict.value.status_code == 409
        assert conflict.value.type == "conflict_error"
        assert conflict.value.request_id

        seen: list[str] = []
        message_text = ""
        async for event in stream:
            seen.append(event.type)
            if event.type == "agent.message":
                message_text = event.content[0].text
            if event.type == "session.status_idle":
                assert event.stop_reason.type == "end_turn"
                break
        await stream.close()
        assert seen[0] == "user.message"
        assert "event_delta" in seen
        assert seen.index("event_start") < seen.index("agent.message")
        assert "Summarise" in message_text
        assert "/data/inputs/spec.md" in message_text

        with pytest.raises(qca_errors.NotFoundError) as missing:
            await client.sessions.retrieve("sess_00000000000000000000000000000000")
        assert missing.value.status_code == 404
        assert "was not found" in str(missing.value)

        history = [event.type async for event in client.sessions.events.list(session.id, limit=5)]
        assert history[-1] == "session.status_idle"
        assert "event_delta" not in history
        models = [model.id async for model in client.models.list(limit=2)]
        assert models[:3] == ["ultimate", "qoder-best", "qoder-sonnet-latest"]
        threads = await client.sessions.threads.list(session.id)
        assert threads.data[0].session_id == session.id
        finished = await client.sessions.retrieve(session.id)
        assert finished.status == "idle"
        assert finished.usage.total_credits > 0
        cancel = await client.sessions.cancel(session.id)
        assert cancel.status == "canceling"
        deleted = await client.sessions.delete(session.id)
        assert deleted.type == "session_deleted"


def test_official_sdk_on_asyncio() -> None:
    # A paced turn, so the second message really arrives while the first turn runs.
    with Emulator(pace=0.02) as emu:
        anyio.run(full_flow, emu)
        assert emu.open_streams == 0


def test_official_sdk_on_trio_with_resumable_stream() -> None:
    async def resume(emu: Emulator) -> None:
        client = qca_managed.AsyncManaged(access_token="pat", base_url=emu.base_url)
        async with client:
            session_id = emu.new_session()["id"]
            emu.stream_faults(session_id, [StreamFault(drop_after=3)])
            sent = await client.sessions.events.send(
                session_id,
                events=[{"type": "user.message", "content": [{"type": "text", "text": "hi"}]}],
            )
            # The documented flow (§8.6): resume from the id of the sent user.message.
            stream = client.sessions.events.resumable_stream(
                session_id, last_event_id=sent.data[0].id
            )
            ids: list[str] = []
            async for event in stream:
                ids.append(event.id)
                if event.type == "session.status_idle":
                    break
            await stream.close()
            # The first connection broke after 3 frames; the SDK resumed without gap or dup.
            assert ids == [e["id"] for e in emu.log(session_id)][1:]

    with Emulator(pace=0.01) as emu:
        anyio.run(resume, emu, backend="trio")
        streams = [r for r in emu.requests if r.path.endswith("/events/stream")]
        assert len(streams) == 2
        assert streams[1].headers["last-event-id"] != streams[0].headers["last-event-id"]


def test_official_sdk_downloads_through_a_link() -> None:
    async def download(emu: Emulator) -> None:
        client = qca_managed.AsyncManaged(access_token="pat", base_url=emu.base_url)
        async with client:
            upload = await client.files.upload(file=("a.txt", b"payload", "text/plain"))
            response = await client.files.download(upload.id)
            assert await response.read() == b"payload"

    with Emulator(file_download="url") as emu:
        anyio.run(download, emu)


def official_client(emu: Emulator) -> object:
    return qca_managed.AsyncManaged(
        access_token="pat_official_sdk",
        base_url=emu.base_url,
        max_retries=0,
        _strict_response_validation=True,
    )


SKILL_MD = b"---\nname: reporter\ndescription: Writes reports\n---\n# Reporter\n"


def test_official_sdk_skills_on_an_agent() -> None:
    async def scenario(emu: Emulator) -> None:
        client: Any = official_client(emu)
        async with client:
            skill = await client.skills.create(
                files=[
                    ("reporter/SKILL.md", SKILL_MD, "text/markdown"),
                    ("reporter/templates/week.md", b"## Week\n", "text/markdown"),
                ],
                display_title="Reporter",
            )
            assert skill.id.startswith("skill_")
            assert skill.latest_version == "1"
            version = await client.skills.versions.create(
                skill.id, files=[("reporter/SKILL.md", SKILL_MD, "text/markdown")]
            )
            assert version.version == "2"
            assert version.name == "reporter"
            fetched = await client.skills.versions.retrieve("2", skill_id=skill.id)
            assert fetched.directory == "reporter"
            listed = [v.version async for v in client.skills.versions.list(skill.id)]
            assert listed == ["2", "1"]
            content = await client.skills.versions.download("1", skill_id=skill.id)
            assert (await content.read())[:2] == b"PK"
            agent = await client.agents.create(
                name="writer",
                model="ultimate",
                skills=[{"type": "custom", "skill_id": skill.id, "version": "1"}],
            )
            assert agent.skills[0].skill_id == skill.id
            assert [s.id async for s in client.skills.list(limit=1)] == [skill.id]
            deleted = await client.skills.versions.delete("2", skill_id=skill.id)
            assert deleted.type == "skill_version_deleted"
            assert (await client.skills.delete(skill.id)).type == "skill_deleted"
            with pytest.raises(qca_errors.NotFoundError):
                await client.skills.retrieve(skill.id)

    with Emulator() as emu:
        anyio.run(scenario, emu)


def test_official_sdk_deployment_run_polls_its_session() -> None:
    async def scenario(emu: Emulator) -> None:
        client: Any = official_client(emu)
        async with client:
            agent = await client.agents.create(name="nightly", model="ultimate")
            environment = await client.environments.create(name="nightly-env")
            deployment = await client.deployments.create(
                name="nightly",
                agent=agent.id,
                environment_id=environment.id,
                initial_events=[
                    {"type": "user.message", "content": [{"type": "text", "text": "Report"}]}
                ],
                schedule={"type": "cron", "expression": "0 9 * * *", "timezone": "UTC"},
            )
            assert deployment.status == "active"
            assert deployment.schedule.expression == "0 9 * * *"
            paused = await client.deployments.pause(deployment.id)
            assert paused.paused_reason.type == "manual"
            with pytest.raises(qca_errors.ConflictError):
                await client.deployments.run(deployment.id)
            await client.deployments.unpause(deployment.id)
            run = await client.deployments.run(deployment.id)
            assert run.deployment_id == deployment.id
            types: list[str] = []
            with anyio.fail_after(10):
                while "session.status_idle" not in types:
                    await anyio.sleep(0.05)
                    types = [e.type async for e in client.sessions.events.list(run.session_id)]
            assert "agent.message" in types
            scoped = [r.id async for r in client.deployments.runs.list(deployment.id)]
            assert scoped == [run.id]
            again = await client.deployments.runs.retrieve(run.id, deployment_id=deployment.id)
            assert again.session_id == run.session_id
            everywhere = client.deployment_runs.list(deployment_id=deployment.id)
            assert [r.id async for r in everywhere] == [run.id]
            assert (await client.deployment_runs.retrieve(run.id)).id == run.id
            updated = await client.deployments.update(deployment.id, description="daily")
            assert updated.description == "daily"
            listed = [d.id async for d in client.deployments.list(agent_id=agent.id)]
            assert listed == [deployment.id]
            archived = await client.deployments.archive(deployment.id)
            assert archived.archived_at is not None
            assert (await client.deployments.retrieve(deployment.id)).name.startswith("nightly_")

    with Emulator() as emu:
        anyio.run(scenario, emu)


def test_official_sdk_dream_is_polled_then_archived() -> None:
    async def scenario(emu: Emulator) -> None:
        client: Any = official_client(emu)
        async with client:
            inputs = [{"type": "memory_store", "memory_store_id": "memstore_notes"}]
            dream = await client.dreams.create(
                inputs=inputs, model={"id": "auto", "speed": "fast"}, instructions="Merge"
            )
            assert dream.status == "pending"
            with pytest.raises(qca_errors.ConflictError):
                await client.dreams.create(inputs=inputs, model="auto")
            with anyio.fail_after(10):
                while dream.status in ("pending", "running"):
                    await anyio.sleep(0.05)
                    dream = await client.dreams.retrieve(dream.id)
            assert dream.status == "completed"
            assert dream.outputs[0].memory_store_id
            assert dream.usage.output_tokens
            archived = await client.dreams.archive(dream.id)
            assert archived.archived_at is not None
            second = await client.dreams.create(inputs=inputs, model="auto")
            canceled = await client.dreams.cancel(second.id)
            assert canceled.status == "canceled"
            listed = [d.id async for d in client.dreams.list(statuses=["canceled"])]
            assert listed == [second.id]

    with Emulator() as emu:
        anyio.run(scenario, emu, backend="trio")


def test_official_sdk_custom_tool_loop_gets_the_final_answer() -> None:
    async def loop(emu: Emulator) -> str:
        client = qca_managed.AsyncManaged(
            access_token="pat_official_sdk", base_url=emu.base_url, max_retries=0
        )
        tool = {
            "type": "custom",
            "name": "get_weather",
            "description": "The weather in a city.",
            "input_schema": {
                "type": "object",
                "properties": {"city": {"type": "string"}},
                "required": ["city"],
            },
        }
        async with client:
            agent = await client.agents.create(name="sdk-tools", model="ultimate", tools=[tool])
            environment = await client.environments.create(name="sdk-tools-env")
            session = await client.sessions.create(agent=agent.id, environment_id=environment.id)
            stream = await client.sessions.events.stream(session.id)
            text = [{"type": "text", "text": "Weather for city=Oslo?"}]
            await client.sessions.events.send(
                session.id, events=[{"type": "user.message", "content": text}]
            )
            calls: dict[str, str] = {}
            with anyio.fail_after(20):
                async for event in stream:
                    if event.type == "agent.custom_tool_use":
                        calls[event.id] = event.input["city"]
                    if event.type == "agent.message":
                        answer = event.content[0].text
                    if event.type == "session.status_idle":
                        if event.stop_reason.type != "requires_action":
                            break
                        results = [
                            {
                                "type": "user.custom_tool_result",
                                "custom_tool_use_id": call_id,
                                "content": [{"type": "text", "text": f"sunny in {city}"}],
                            }
                            for call_id, city in calls.items()
                            if call_id in event.stop_reason.event_ids
                        ]
                        await client.sessions.events.send(session.id, events=results)
            await stream.close()
            return answer

    with Emulator() as emu:
        assert "get_weather said: sunny in Oslo" in anyio.run(loop, emu)


async def memory_flow(emu: Emulator) -> None:
    client = qca_managed.AsyncManaged(
        access_token="pat_official_sdk",
        base_url=emu.base_url,
        max_retries=0,
        _strict_response_validation=True,
    )
    async with client:
        store = await client.memory_stores.create(
            name="user-prefs", description="What the user told us to remember"
        )
        assert (store.status, store.entry_count) == ("active", 0)
        memories = client.memory_stores.memories
        index = await memories.create(
            store.id, path="MEMORY.md", content="- prefs.md: preferences\n", view="full"
        )
        assert index.content == "- prefs.md: preferences\n"
        prefs = await memories.create(store.id, path="prefs.md", content="Answer in French.")
        agent = await client.agents.create(name="memo", model="ultimate")
        environment = await client.environments.create(name="memo-env")
        session = await client.sessions.create(
            agent=agent.id,
            environment_id=environment.id,
            resources=[
                {
                    "type": "memory_store",
                    "memory_store_id": store.id,
                    "access": "read_write",
                    "instructions": "Check MEMORY.md first.",
                }
            ],
        )
        assert session.resources[0].type == "memory_store"
        listed = [m.path async for m in memories.list(store.id, path_prefix="p")]
        assert listed == ["prefs.md"]
        updated = await memories.update(
            prefs.id,
            memory_store_id=store.id,
            content="Answer in German.",
            precondition={"type": "content_sha256", "content_sha256": prefs.content_sha256},
            view="full",
        )
        assert updated.content == "Answer in German."
        with pytest.raises(qca_errors.ConflictError):
            await memories.update(
                prefs.id,
                memory_store_id=store.id,
                content="stale",
                content_sha256=prefs.content_sha256,
            )
        versions = [
            v async for v in client.memory_stores.memory_versions.list(store.id, memory_id=prefs.id)
        ]
        assert [v.operation for v in versions] == ["modified", "created"]
        redacted = await client.memory_stores.memory_versions.redact(
            versions[1].id, memory_store_id=store.id
        )
        assert redacted.redacted_at is not None
        assert redacted.content is None
        deleted = await memories.delete(prefs.id, memory_store_id=store.id)
        assert deleted.type == "memory_deleted"
        archived = await client.memory_stores.archive(store.id)
        assert archived.status == "archived"
        gone = await client.memory_stores.delete(store.id)
        assert gone.id == store.id


def test_official_sdk_memory_store_scenario() -> None:
    with Emulator() as emu:
        anyio.run(memory_flow, emu)
