"""``client.files``: upload (streamed), list, retrieve_metadata, download, delete."""

from __future__ import annotations

import json
import os
import stat
import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import anyio
import pytest

import qoder_async as qa
from qoder_async.testing import Emulator, RecordedRequest, RequestFault

pytestmark = pytest.mark.anyio

UNKNOWN = "file_00000000000000000000000000000000"
TEXT = b"# Notes\nline two\n"


def last_upload(emulator: Emulator) -> RecordedRequest:
    return [r for r in emulator.requests if r.method == "POST" and r.path.endswith("/files")][-1]


def uploads(emulator: Emulator) -> int:
    return sum(1 for r in emulator.requests if r.method == "POST" and r.path.endswith("/files"))


async def chunks(*parts: bytes) -> AsyncIterator[bytes]:
    for part in parts:
        yield part


@pytest.fixture
def notes(tmp_path: Path) -> Path:
    path = tmp_path / "notes.md"
    path.write_bytes(TEXT)
    return path


@pytest.fixture(scope="module")
def url_emulator() -> Iterator[Emulator]:
    """An emulator that answers downloads with ``{"url": ...}`` to a storage URL."""
    with Emulator(file_download="url") as emu:
        yield emu


@pytest.fixture
async def url_client(url_emulator: Emulator) -> AsyncIterator[qa.AsyncQoder]:
    async with qa.AsyncQoder("token", url_emulator.base_url) as client:
        yield client


# --- upload --------------------------------------------------------------------------------


async def test_upload_bytes_returns_ready_metadata(
    client: qa.AsyncQoder, emulator: Emulator
) -> None:
    meta = await client.files.upload(TEXT, filename="notes.txt")
    assert (meta.id[:5], meta.filename, meta.size_bytes, meta.status) == (
        "file_",
        "notes.txt",
        len(TEXT),
        "ready",
    )
    assert emulator.file_content(meta.id) == TEXT


async def test_upload_a_path_names_the_file_after_it(
    client: qa.AsyncQoder, emulator: Emulator, notes: Path
) -> None:
    meta = await client.files.upload(notes)
    assert (meta.filename, emulator.file_content(meta.id)) == ("notes.md", TEXT)


async def test_upload_an_async_file_object(
    client: qa.AsyncQoder, emulator: Emulator, notes: Path
) -> None:
    async with await anyio.open_file(notes, "rb") as file:
        meta = await client.files.upload(file)
    assert (meta.filename, emulator.file_content(meta.id)) == ("notes.md", TEXT)


async def test_upload_an_async_iterator_of_bytes(client: qa.AsyncQoder, emulator: Emulator) -> None:
    meta = await client.files.upload(chunks(b"one ", b"two ", b"three"), filename="n.txt")
    assert emulator.file_content(meta.id) == b"one two three"


async def test_a_path_is_sent_with_its_content_length(
    client: qa.AsyncQoder, emulator: Emulator, notes: Path
) -> None:
    await client.files.upload(notes)
    request = last_upload(emulator)
    assert int(request.headers["content-length"]) == len(request.body)


async def test_an_async_iterator_is_streamed_in_chunks(
    client: qa.AsyncQoder, emulator: Emulator
) -> None:
    await client.files.upload(chunks(b"a", b"b"), filename="n.txt")
    request = last_upload(emulator)
    assert (request.headers.get("transfer-encoding"), "content-length" in request.headers) == (
        "chunked",
        False,
    )


async def test_the_content_type_is_guessed_from_the_filename(
    client: qa.AsyncQoder, emulator: Emulator
) -> None:
    await client.files.upload(b"{}", filename="data.json")
    assert b"Content-Type: application/json\r\n" in last_upload(emulator).body


async def test_an_unknown_extension_is_sent_as_octet_stream(
    client: qa.AsyncQoder, emulator: Emulator
) -> None:
    await client.files.upload(b"\x00\x01", filename="blob.qzx")
    assert b"Content-Type: application/octet-stream\r\n" in last_upload(emulator).body


async def test_an_explicit_content_type_wins(client: qa.AsyncQoder) -> None:
    meta = await client.files.upload(b"a,b", filename="t.txt", content_type="text/csv")
    assert meta.mime_type == "text/csv"


async def test_upload_sends_name_as_a_form_field(client: qa.AsyncQoder, emulator: Emulator) -> None:
    await client.files.upload(TEXT, filename="notes.md", name="Meeting notes")
    assert b'name="name"\r\n\r\nMeeting notes\r\n' in last_upload(emulator).body


async def test_upload_sends_metadata_as_a_json_string(client: qa.AsyncQoder) -> None:
    meta = await client.files.upload(TEXT, filename="n.md", metadata={"team": "docs"})
    assert meta.metadata == {"team": "docs"}


async def test_upload_with_an_expiry_sets_expires_at(client: qa.AsyncQoder) -> None:
    meta = await client.files.upload(TEXT, filename="n.md", expires_in_seconds=60)
    assert meta.expires_at is not None


async def test_upload_with_a_non_positive_expiry_is_invalid(client: qa.AsyncQoder) -> None:
    with pytest.raises(qa.InvalidRequestError):
        await client.files.upload(TEXT, filename="n.md", expires_in_seconds=0)


async def test_upload_with_too_much_metadata_is_invalid(client: qa.AsyncQoder) -> None:
    metadata = {f"k{i}": "v" for i in range(17)}
    with pytest.raises(qa.InvalidRequestError):
        await client.files.upload(TEXT, filename="n.md", metadata=metadata)


async def test_upload_over_32_mb_is_too_large(client: qa.AsyncQoder) -> None:
    megabyte = b"x" * (1024 * 1024)
    with pytest.raises(qa.RequestTooLargeError):
        await client.files.upload(chunks(*[megabyte] * 33), filename="huge.bin")


async def test_a_filename_with_quotes_survives(client: qa.AsyncQoder) -> None:
    meta = await client.files.upload(TEXT, filename='say "hi".md')
    assert meta.filename == "say %22hi%22.md"


async def test_a_sync_file_is_refused_before_sending(
    client: qa.AsyncQoder, emulator: Emulator, notes: Path
) -> None:
    before = uploads(emulator)
    with notes.open("rb") as file, pytest.raises(qa.InvalidInputError):
        await client.files.upload(file)  # type: ignore[arg-type]  # the wrong kind on purpose
    assert uploads(emulator) == before


async def test_a_missing_path_fails_before_sending(
    client: qa.AsyncQoder, emulator: Emulator, tmp_path: Path
) -> None:
    before = uploads(emulator)
    with pytest.raises(FileNotFoundError):
        await client.files.upload(tmp_path / "absent.txt")
    assert uploads(emulator) == before


async def test_a_path_upload_is_retried_with_the_same_body(
    client: qa.AsyncQoder, emulator: Emulator, notes: Path
) -> None:
    emulator.request_faults([RequestFault(status=503, method="POST", path_prefix="/files")])
    meta = await client.files.upload(notes)
    first, second = [r for r in emulator.requests if r.path.endswith("/files")][-2:]
    assert (first.body, first.headers["idempotency-key"]) == (
        second.body,
        second.headers["idempotency-key"],
    )
    assert emulator.file_content(meta.id) == TEXT


async def test_a_bytes_upload_is_retried(client: qa.AsyncQoder, emulator: Emulator) -> None:
    emulator.request_faults([RequestFault(status=503, method="POST", path_prefix="/files")])
    meta = await client.files.upload(TEXT, filename="n.md")
    assert emulator.file_content(meta.id) == TEXT


async def test_an_async_iterator_upload_is_never_retried(
    client: qa.AsyncQoder, emulator: Emulator
) -> None:
    emulator.request_faults([RequestFault(status=503, method="POST", path_prefix="/files")])
    before = uploads(emulator)
    with pytest.raises(qa.InternalServerError):
        await client.files.upload(chunks(TEXT), filename="n.md")
    assert uploads(emulator) == before + 1


# --- list, retrieve_metadata, delete -------------------------------------------------------


async def test_list_walks_more_than_two_pages(client: qa.AsyncQoder) -> None:
    made = [await client.files.upload(b"x", filename=f"{i}.txt") for i in range(5)]
    pager = client.files.list(ids=[f.id for f in made], limit=2)
    pages = [page async for page in pager.pages()]
    assert ([f.id for page in pages for f in page], len(pages)) == ([f.id for f in made], 3)


async def test_list_filters_by_name(client: qa.AsyncQoder) -> None:
    name = f"{uuid.uuid4().hex}.txt"
    meta = await client.files.upload(b"x", filename=name)
    assert [f.id async for f in client.files.list(name=name)] == [meta.id]


async def test_list_filters_by_the_session_that_produced_them(
    client: qa.AsyncQoder, session: qa.AsyncSession
) -> None:
    await session.ask("Write me an answer.")
    produced = [f async for f in client.files.list(scope_id=session.id)]
    assert [(f.filename, f.scope) for f in produced] == [
        ("answer.md", {"type": "session", "id": session.id})
    ]


async def test_list_limit_over_100_is_invalid(client: qa.AsyncQoder) -> None:
    with pytest.raises(qa.InvalidRequestError):
        await client.files.list(limit=101)


async def test_retrieve_metadata_returns_the_upload(client: qa.AsyncQoder) -> None:
    meta = await client.files.upload(TEXT, filename="n.md")
    assert await client.files.retrieve_metadata(meta.id) == meta


async def test_retrieve_metadata_of_an_unknown_file_is_not_found(client: qa.AsyncQoder) -> None:
    with pytest.raises(qa.NotFoundError):
        await client.files.retrieve_metadata(UNKNOWN)


async def test_delete_answers_the_deleted_id(client: qa.AsyncQoder) -> None:
    meta = await client.files.upload(TEXT, filename="n.md")
    assert (await client.files.delete(meta.id)).id == meta.id


async def test_a_deleted_file_is_gone(client: qa.AsyncQoder) -> None:
    meta = await client.files.upload(TEXT, filename="n.md")
    await client.files.delete(meta.id)
    with pytest.raises(qa.NotFoundError):
        await client.files.retrieve_metadata(meta.id)


async def test_delete_of_an_unknown_file_is_not_found(client: qa.AsyncQoder) -> None:
    with pytest.raises(qa.NotFoundError):
        await client.files.delete(UNKNOWN)


def test_file_resource_from_an_upload_mounts_that_file() -> None:
    meta = qa.FileMetadata(id="file_abc", filename="spec.md")
    assert qa.FileResource.from_file(meta, "in/spec.md") == qa.FileResource(
        "file_abc", "in/spec.md"
    )


# --- download ------------------------------------------------------------------------------


async def test_download_streams_the_bytes(client: qa.AsyncQoder) -> None:
    meta = await client.files.upload(TEXT, filename="n.md")
    assert b"".join([chunk async for chunk in client.files.download(meta.id)]) == TEXT


async def test_download_to_a_path_writes_the_file(client: qa.AsyncQoder, tmp_path: Path) -> None:
    meta = await client.files.upload(TEXT, filename="n.md")
    written = await client.files.download(meta.id, to=tmp_path / "copy.md")
    assert (written, written.read_bytes()) == (tmp_path / "copy.md", TEXT)


async def test_download_into_a_pipe_keeps_the_pipe(client: qa.AsyncQoder, tmp_path: Path) -> None:
    meta = await client.files.upload(TEXT, filename="n.md")
    pipe = tmp_path / "pipe"
    os.mkfifo(pipe)
    received: list[bytes] = []
    async with anyio.create_task_group() as tg:
        tg.start_soon(anyio.to_thread.run_sync, lambda: received.append(pipe.read_bytes()))
        await client.files.download(meta.id, to=pipe)
    assert (received, stat.S_ISFIFO(pipe.stat().st_mode)) == ([TEXT], True)


async def test_download_tells_the_content_type_once_open(client: qa.AsyncQoder) -> None:
    meta = await client.files.upload(b"{}", filename="d.json")
    async with client.files.download(meta.id) as content:
        assert (content.content_type, content.size) == ("application/json", 2)


async def test_download_of_an_unknown_file_is_not_found(client: qa.AsyncQoder) -> None:
    with pytest.raises(qa.NotFoundError):
        async with client.files.download(UNKNOWN):
            pass


async def test_a_failed_download_leaves_no_file(client: qa.AsyncQoder, tmp_path: Path) -> None:
    with pytest.raises(qa.NotFoundError):
        await client.files.download(UNKNOWN, to=tmp_path / "copy.md")
    assert [path async for path in anyio.Path(tmp_path).iterdir()] == []


async def test_a_download_is_read_only_once(client: qa.AsyncQoder) -> None:
    meta = await client.files.upload(TEXT, filename="n.md")
    content = client.files.download(meta.id)
    assert [chunk async for chunk in content]
    with pytest.raises(qa.QoderError):
        [chunk async for chunk in content]


async def test_download_follows_a_storage_url(url_client: qa.AsyncQoder) -> None:
    meta = await url_client.files.upload(TEXT, filename="n.md")
    assert b"".join([chunk async for chunk in url_client.files.download(meta.id)]) == TEXT


async def test_the_storage_url_is_fetched_without_the_token(
    url_client: qa.AsyncQoder, url_emulator: Emulator, tmp_path: Path
) -> None:
    meta = await url_client.files.upload(TEXT, filename="n.md")
    await url_client.files.download(meta.id, to=tmp_path / "copy.md")
    storage = [r for r in url_emulator.requests if meta.id in r.path][-1]
    assert "/files/" in storage.path
    assert "authorization" not in storage.headers


async def test_a_json_file_served_directly_is_not_taken_for_a_url(client: qa.AsyncQoder) -> None:
    body = json.dumps({"url": "not a link"}).encode()
    meta = await client.files.upload(body, filename="data.json")
    assert b"".join([chunk async for chunk in client.files.download(meta.id)]) == body
