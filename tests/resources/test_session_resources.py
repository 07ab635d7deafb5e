"""``client.sessions.resources``: add, list, retrieve, update, delete."""

from __future__ import annotations

import pytest

import qoder_async as qa
from qoder_async.testing import Emulator

pytestmark = pytest.mark.anyio

REPO = qa.GitHubRepository("https://github.com/octo/hello", authorization_token="ghp_old")


async def test_add_mounts_a_file_under_data(
    client: qa.AsyncQoder, session: qa.AsyncSession, ready_file: qa.FileMetadata
) -> None:
    mounted = await client.sessions.resources.add(
        session.id, resources=[qa.FileResource(ready_file.id, "inputs/spec.md")]
    )
    assert [(r.type, r.file_id, r.mount_path) for r in mounted] == [
        ("file", ready_file.id, "/data/inputs/spec.md")
    ]


async def test_add_without_a_path_mounts_at_the_file_id(
    client: qa.AsyncQoder, session: qa.AsyncSession, ready_file: qa.FileMetadata
) -> None:
    mounted = await client.sessions.resources.add(
        session.id, resources=[qa.FileResource(ready_file.id)]
    )
    assert mounted[0].mount_path == f"/data/{ready_file.id}"


async def test_add_mounts_a_github_repository(
    client: qa.AsyncQoder, session: qa.AsyncSession
) -> None:
    mounted = await client.sessions.resources.add(session.id, resources=[REPO])
    assert [(r.type, r.url) for r in mounted] == [("github_repository", REPO.url)]


async def test_add_answers_every_resource_of_the_session(
    client: qa.AsyncQoder, session: qa.AsyncSession, ready_file: qa.FileMetadata
) -> None:
    await client.sessions.resources.add(session.id, resources=[REPO])
    mounted = await client.sessions.resources.add(
        session.id, resources=[qa.FileResource(ready_file.id)]
    )
    assert [r.type for r in mounted] == ["github_repository", "file"]


async def test_add_nothing_is_invalid(client: qa.AsyncQoder, session: qa.AsyncSession) -> None:
    with pytest.raises(qa.InvalidRequestError):
        await client.sessions.resources.add(session.id, resources=[])


async def test_add_the_same_file_twice_in_one_request_is_invalid(
    client: qa.AsyncQoder, session: qa.AsyncSession, ready_file: qa.FileMetadata
) -> None:
    twice = [qa.FileResource(ready_file.id, "a.md"), qa.FileResource(ready_file.id, "b.md")]
    with pytest.raises(qa.InvalidRequestError):
        await client.sessions.resources.add(session.id, resources=twice)


def test_a_path_outside_data_is_refused_before_sending() -> None:
    with pytest.raises(qa.InvalidInputError):
        qa.FileResource("file_x", "../etc/passwd")


async def test_add_an_unknown_file_is_not_found(
    client: qa.AsyncQoder, session: qa.AsyncSession
) -> None:
    missing = qa.FileResource("file_00000000000000000000000000000000")
    with pytest.raises(qa.NotFoundError):
        await client.sessions.resources.add(session.id, resources=[missing])


async def test_add_to_an_unknown_session_is_not_found(
    client: qa.AsyncQoder, ready_file: qa.FileMetadata
) -> None:
    with pytest.raises(qa.NotFoundError):
        await client.sessions.resources.add(
            "sess_00000000000000000000000000000000", resources=[qa.FileResource(ready_file.id)]
        )


async def test_add_a_file_already_mounted_conflicts(
    client: qa.AsyncQoder, session: qa.AsyncSession, ready_file: qa.FileMetadata
) -> None:
    await client.sessions.resources.add(session.id, resources=[qa.FileResource(ready_file.id)])
    with pytest.raises(qa.ConflictError):
        await client.sessions.resources.add(
            session.id, resources=[qa.FileResource(ready_file.id, "again.md")]
        )


async def test_add_to_a_taken_path_conflicts(
    client: qa.AsyncQoder, session: qa.AsyncSession, ready_file: qa.FileMetadata
) -> None:
    other = await client.files.upload(b"other", filename="other.md")
    await client.sessions.resources.add(session.id, resources=[qa.FileResource(ready_file.id, "x")])
    with pytest.raises(qa.ConflictError):
        await client.sessions.resources.add(session.id, resources=[qa.FileResource(other.id, "x")])


async def test_add_a_file_that_is_not_ready_conflicts(
    client: qa.AsyncQoder, session: qa.AsyncSession, emulator: Emulator
) -> None:
    processing = emulator.upload("big.csv", b"a,b\n", status="processing")
    with pytest.raises(qa.ConflictError):
        await client.sessions.resources.add(
            session.id, resources=[qa.FileResource(processing["id"])]
        )


async def test_add_to_an_archived_session_conflicts(
    client: qa.AsyncQoder, session: qa.AsyncSession, ready_file: qa.FileMetadata
) -> None:
    await client.sessions.archive(session.id)
    with pytest.raises(qa.ConflictError):
        await client.sessions.resources.add(session.id, resources=[qa.FileResource(ready_file.id)])


async def test_list_walks_more_than_two_pages(
    client: qa.AsyncQoder, session: qa.AsyncSession
) -> None:
    files = [await client.files.upload(f"{i}".encode(), filename=f"{i}.txt") for i in range(5)]
    await client.sessions.resources.add(
        session.id, resources=[qa.FileResource(f.id) for f in files]
    )
    pages = [page async for page in client.sessions.resources.list(session.id, limit=2).pages()]
    assert ([r.file_id for page in pages for r in page], len(pages)) == ([f.id for f in files], 3)


async def test_list_of_an_unknown_session_is_not_found(client: qa.AsyncQoder) -> None:
    with pytest.raises(qa.NotFoundError):
        await client.sessions.resources.list("sess_00000000000000000000000000000000")


async def test_retrieve_returns_the_resource(
    client: qa.AsyncQoder, session: qa.AsyncSession
) -> None:
    (mounted,) = await client.sessions.resources.add(session.id, resources=[REPO])
    assert mounted.id is not None
    assert await client.sessions.resources.retrieve(session.id, mounted.id) == mounted


async def test_retrieve_an_unknown_resource_is_not_found(
    client: qa.AsyncQoder, session: qa.AsyncSession
) -> None:
    with pytest.raises(qa.NotFoundError):
        await client.sessions.resources.retrieve(
            session.id, "sres_00000000000000000000000000000000"
        )


async def test_update_rotates_a_repository_token(
    client: qa.AsyncQoder, session: qa.AsyncSession
) -> None:
    (mounted,) = await client.sessions.resources.add(session.id, resources=[REPO])
    assert mounted.id is not None
    await client.sessions.resources.update(session.id, mounted.id, authorization_token="ghp_new")
    stored = await client.sessions.resources.retrieve(session.id, mounted.id)
    assert stored.raw["authorization_token"] == "ghp_new"


async def test_update_of_a_file_resource_is_invalid(
    client: qa.AsyncQoder, session: qa.AsyncSession, ready_file: qa.FileMetadata
) -> None:
    (mounted,) = await client.sessions.resources.add(
        session.id, resources=[qa.FileResource(ready_file.id)]
    )
    assert mounted.id is not None
    with pytest.raises(qa.InvalidRequestError):
        await client.sessions.resources.update(session.id, mounted.id, password="secret")


async def test_update_of_an_unknown_resource_is_not_found(
    client: qa.AsyncQoder, session: qa.AsyncSession
) -> None:
    with pytest.raises(qa.NotFoundError):
        await client.sessions.resources.update(
            session.id, "sres_00000000000000000000000000000000", authorization_token="t"
        )


async def test_delete_unmounts_the_resource(
    client: qa.AsyncQoder, session: qa.AsyncSession
) -> None:
    (mounted,) = await client.sessions.resources.add(session.id, resources=[REPO])
    assert mounted.id is not None
    assert (await client.sessions.resources.delete(session.id, mounted.id)).id == mounted.id
    assert [r async for r in client.sessions.resources.list(session.id)] == []


async def test_delete_on_an_archived_session_conflicts(
    client: qa.AsyncQoder, session: qa.AsyncSession
) -> None:
    (mounted,) = await client.sessions.resources.add(session.id, resources=[REPO])
    assert mounted.id is not None
    await client.sessions.archive(session.id)
    with pytest.raises(qa.ConflictError):
        await client.sessions.resources.delete(session.id, mounted.id)


async def test_delete_of_an_unknown_resource_is_not_found(
    client: qa.AsyncQoder, session: qa.AsyncSession
) -> None:
    with pytest.raises(qa.NotFoundError):
        await client.sessions.resources.delete(session.id, "sres_00000000000000000000000000000000")
