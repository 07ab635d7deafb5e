"""The official SDK (``qca.managed``) works against the emulator unchanged."""

from __future__ import annotations

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
