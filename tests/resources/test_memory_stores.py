"""client.memory_stores, .memories and .memory_versions, through the emulator."""

from __future__ import annotations

import hashlib
import uuid

import pytest

import qoder_async as qa

pytestmark = pytest.mark.anyio

UNREACHABLE = "http://127.0.0.1:9/api/v1/cloud"


async def new_store(client: qa.AsyncQoder) -> qa.MemoryStore:
    return await client.memory_stores.create(
        name=f"store-{uuid.uuid4().hex[:12]}", description="What the user prefers"
    )


async def test_a_new_store_is_active_and_empty(client: qa.AsyncQoder) -> None:
    store = await new_store(client)
    assert (store.status, store.entry_count, store.total_size) == ("active", 0, 0)
    assert await client.memory_stores.retrieve(store.id) == store


async def test_store_list_is_newest_first_past_two_pages(client: qa.AsyncQoder) -> None:
    prefix = f"paged-{uuid.uuid4().hex[:12]}"
    made = [(await client.memory_stores.create(name=f"{prefix}-{n}")).id for n in range(5)]
    pager = client.memory_stores.list(name=prefix.upper(), limit=2)
    pages = [page async for page in pager.pages()]
    assert [s.id for page in pages for s in page] == made[::-1]
    assert len(pages) == 3


async def test_page_and_after_id_together_are_refused_before_sending() -> None:
    async with qa.AsyncQoder("t", UNREACHABLE, max_retries=0) as offline:
        with pytest.raises(qa.InvalidInputError, match="after_id"):
            offline.memory_stores.list(page="page_x", after_id="memstore_x")


async def test_an_update_renames_and_patches_metadata(client: qa.AsyncQoder) -> None:
    store = await client.memory_stores.create(name="old", metadata={"a": "1"})
    updated = await client.memory_stores.update(
        store.id, name="new", description=None, metadata={"a": None, "b": "2"}
    )
    assert (updated.name, updated.description, updated.metadata) == ("new", "", {"b": "2"})


async def test_an_archived_store_is_readable_but_not_writable(client: qa.AsyncQoder) -> None:
    store = await new_store(client)
    archived = await client.memory_stores.archive(store.id)
    assert (archived.status, archived.archived_at is not None) == ("archived", True)
    with pytest.raises(qa.ConflictError):
        await client.memory_stores.memories.create(store.id, path="a.md", content="x")
    with pytest.raises(qa.ConflictError):
        await client.memory_stores.archive(store.id)


async def test_deleting_a_store_removes_its_memories(client: qa.AsyncQoder) -> None:
    store = await new_store(client)
    memory = await client.memory_stores.memories.create(store.id, path="a.md", content="x")
    deleted = await client.memory_stores.delete(store.id)
    assert (deleted.id, deleted.type) == (store.id, "memory_store_deleted")
    with pytest.raises(qa.NotFoundError):
        await client.memory_stores.memories.retrieve(store.id, memory.id)


# --- memories -------------------------------------------------------------------------------


async def test_a_memory_shows_its_content_only_in_the_full_view(client: qa.AsyncQoder) -> None:
    store = await new_store(client)
    memory = await client.memory_stores.memories.create(
        store.id, path="notes/today.md", content="tea, not coffee"
    )
    assert memory.content is None
    assert memory.content_sha256 == hashlib.sha256(b"tea, not coffee").hexdigest()
    full = await client.memory_stores.memories.retrieve(store.id, memory.id, view="full")
    assert (full.path, full.content, full.content_size_bytes) == (
        "notes/today.md",
        "tea, not coffee",
        15,
    )
    assert (await client.memory_stores.retrieve(store.id)).entry_count == 1


async def test_memory_list_walks_past_two_pages_without_content(client: qa.AsyncQoder) -> None:
    store = await new_store(client)
    for n in range(5):
        await client.memory_stores.memories.create(store.id, path=f"n/{n}.md", content="x")
    await client.memory_stores.memories.create(store.id, path="other.md", content="x")
    listed = [
        m async for m in client.memory_stores.memories.list(store.id, path_prefix="n/", limit=2)
    ]
    assert [m.path for m in listed] == [f"n/{n}.md" for n in range(5)]
    assert {m.content for m in listed} == {None}


async def test_a_duplicate_path_is_a_conflict(client: qa.AsyncQoder) -> None:
    store = await new_store(client)
    await client.memory_stores.memories.create(store.id, path="a.md", content="x")
    with pytest.raises(qa.ConflictError):
        await client.memory_stores.memories.create(store.id, path="a.md", content="y")


@pytest.mark.parametrize("path", ["/etc/passwd", "", "  "])
async def test_an_absolute_or_empty_path_is_refused_before_sending(path: str) -> None:
    async with qa.AsyncQoder("t", UNREACHABLE, max_retries=0) as offline:
        with pytest.raises(qa.InvalidInputError, match="path"):
            await offline.memory_stores.memories.create("memstore_x", path=path, content="x")


async def test_an_update_with_a_stale_hash_is_a_conflict(client: qa.AsyncQoder) -> None:
    store = await new_store(client)
    memory = await client.memory_stores.memories.create(store.id, path="a.md", content="one")
    changed = await client.memory_stores.memories.update(
        store.id, memory.id, content="two", content_sha256=memory.content_sha256, view="full"
    )
    assert changed.content == "two"
    with pytest.raises(qa.ConflictError):
        await client.memory_stores.memories.update(
            store.id, memory.id, content="three", content_sha256=memory.content_sha256
        )


async def test_an_update_can_move_a_memory(client: qa.AsyncQoder) -> None:
    store = await new_store(client)
    memory = await client.memory_stores.memories.create(store.id, path="a.md", content="x")
    moved = await client.memory_stores.memories.update(store.id, memory.id, path="b/a.md")
    assert moved.path == "b/a.md"


async def test_a_delete_with_a_stale_hash_is_a_conflict(client: qa.AsyncQoder) -> None:
    store = await new_store(client)
    memory = await client.memory_stores.memories.create(store.id, path="a.md", content="x")
    with pytest.raises(qa.ConflictError):
        await client.memory_stores.memories.delete(
            store.id, memory.id, expected_content_sha256="0" * 64
        )
    deleted = await client.memory_stores.memories.delete(
        store.id, memory.id, expected_content_sha256=memory.content_sha256
    )
    assert deleted == qa.DeletedObject(id=memory.id, type="memory_deleted")


async def test_an_unknown_memory_is_not_found(client: qa.AsyncQoder) -> None:
    store = await new_store(client)
    with pytest.raises(qa.NotFoundError):
        await client.memory_stores.memories.retrieve(
            store.id, "mem_00000000000000000000000000000000"
        )


# --- versions -------------------------------------------------------------------------------


async def test_every_change_writes_a_version(client: qa.AsyncQoder) -> None:
    store = await new_store(client)
    memory = await client.memory_stores.memories.create(store.id, path="a.md", content="one")
    await client.memory_stores.memories.update(store.id, memory.id, content="two")
    await client.memory_stores.memories.delete(store.id, memory.id)
    versions = [v async for v in client.memory_stores.memory_versions.list(store.id, limit=2)]
    assert [v.operation for v in versions] == ["deleted", "modified", "created"]
    assert (versions[0].content_sha256, versions[0].content_size_bytes) == ("", 0)
    assert {v.memory_id for v in versions} == {memory.id}


async def test_versions_filter_by_operation(client: qa.AsyncQoder) -> None:
    store = await new_store(client)
    memory = await client.memory_stores.memories.create(store.id, path="a.md", content="one")
    await client.memory_stores.memories.update(store.id, memory.id, content="two")
    modified = [
        v.operation
        async for v in client.memory_stores.memory_versions.list(store.id, operation="modified")
    ]
    assert modified == ["modified"]


async def test_a_redacted_version_loses_its_content_but_keeps_its_hash(
    client: qa.AsyncQoder,
) -> None:
    store = await new_store(client)
    memory = await client.memory_stores.memories.create(store.id, path="a.md", content="pin 1234")
    assert memory.memory_version_id is not None
    versions = client.memory_stores.memory_versions
    before = await versions.retrieve(store.id, memory.memory_version_id, view="full")
    assert (before.content, before.redacted) == ("pin 1234", False)
    redacted = await versions.redact(store.id, memory.memory_version_id)
    after = await versions.retrieve(store.id, memory.memory_version_id, view="full")
    assert (after.content, after.redacted, after.redacted_by) == (
        None,
        True,
        redacted.redacted_by,
    )
    assert after.content_sha256 == before.content_sha256


# --- sessions -------------------------------------------------------------------------------


async def test_a_store_mounts_into_a_new_session(client: qa.AsyncQoder) -> None:
    store = await new_store(client)
    agent = await client.agents.create(name="memo", model="ultimate")
    environment = await client.environments.create(name="memo-env")
    session = await client.sessions.create(
        agent=agent.id,
        environment_id=environment.id,
        resources=[qa.MemoryStoreResource(store.id, access="read_only", instructions="Check it.")],
    )
    assert session.info is not None
    (mounted,) = session.info.resources
    assert (mounted.type, mounted.memory_store_id, mounted.access) == (
        "memory_store",
        store.id,
        "read_only",
    )
    assert mounted.raw["instructions"] == "Check it."


async def test_the_agent_reads_a_memory_of_a_mounted_store(client: qa.AsyncQoder) -> None:
    store = await new_store(client)
    await client.memory_stores.memories.create(store.id, path="prefs.md", content="Likes tea")
    agent = await client.agents.create(name="reader", model="ultimate")
    environment = await client.environments.create(name="reader-env")
    session = await client.sessions.create(
        agent=agent.id,
        environment_id=environment.id,
        resources=[qa.MemoryStoreResource(store.id, access="read_only")],
    )
    answer = await session.ask("What do I like?")
    assert "Likes tea" in answer.text


async def test_over_long_instructions_are_refused() -> None:
    with pytest.raises(qa.InvalidInputError, match="4096"):
        qa.MemoryStoreResource("memstore_x", instructions="x" * 4097)
