"""client.skills and client.skills.versions against the emulator."""

from __future__ import annotations

import io
import zipfile
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest

import qoder_async as qa
from qoder_async.testing import Emulator
from tests.hostile._server import Connection, http_response, raw_server

pytestmark = pytest.mark.anyio

SKILL_MD = b"---\nname: report-writer\ndescription: Writes weekly reports\n---\n# Report\n"


def skill_dir(tmp_path: Path, name: str = "report-writer") -> Path:
    root = tmp_path / name
    (root / "templates").mkdir(parents=True)
    (root / "SKILL.md").write_bytes(SKILL_MD)
    (root / "templates" / "weekly.md").write_bytes(b"## Week {n}\n")
    return root


def skill_uploads(emulator: Emulator) -> int:
    return sum(1 for r in emulator.requests if r.method == "POST" and "/skills" in r.path)


async def archive_names(client: qa.AsyncQoder, skill_id: str, version: str) -> list[str]:
    data = b"".join([chunk async for chunk in client.skills.versions.content(skill_id, version)])
    return sorted(zipfile.ZipFile(io.BytesIO(data)).namelist())


async def test_a_directory_is_uploaded_with_its_layout(
    client: qa.AsyncQoder, tmp_path: Path
) -> None:
    skill = await client.skills.create(skill_dir(tmp_path), display_title="Reports")
    assert skill.id.startswith("skill_")
    assert skill.display_title == "Reports"
    assert skill.latest_version is not None
    assert await archive_names(client, skill.id, skill.latest_version) == [
        "report-writer/SKILL.md",
        "report-writer/templates/weekly.md",
    ]


async def test_each_file_travels_as_its_own_files_part(
    client: qa.AsyncQoder, emulator: Emulator, tmp_path: Path
) -> None:
    await client.skills.create(skill_dir(tmp_path))
    body = [r for r in emulator.requests if r.method == "POST" and r.path.endswith("/skills")][-1]
    assert body.body.count(b'name="files"; filename="report-writer/') == 2


async def test_a_mapping_of_names_to_bytes_and_paths_is_uploaded(
    client: qa.AsyncQoder, tmp_path: Path
) -> None:
    notes = tmp_path / "notes.md"
    notes.write_bytes(b"notes")
    skill = await client.skills.create(
        {"mini/SKILL.md": SKILL_MD, "mini/notes.md": notes}, metadata={"team": "ops"}
    )
    assert skill.metadata == {"team": "ops"}
    assert await archive_names(client, skill.id, "1") == ["mini/SKILL.md", "mini/notes.md"]


async def test_the_name_and_description_come_from_the_frontmatter(
    client: qa.AsyncQoder,
) -> None:
    skill = await client.skills.create({"mini/SKILL.md": SKILL_MD})
    version = await client.skills.versions.retrieve(skill.id, "1")
    assert (version.name, version.description) == ("report-writer", "Writes weekly reports")
    assert version.directory == "mini"
    assert version.skill_id == skill.id


@pytest.mark.parametrize(
    "files",
    [
        {},
        {"mini/README.md": b"no SKILL.md"},
        {"a/SKILL.md": SKILL_MD, "b/SKILL.md": SKILL_MD},
        {"SKILL.md": SKILL_MD},
        {"/abs/SKILL.md": SKILL_MD},
        {"../up/SKILL.md": SKILL_MD},
    ],
)
async def test_files_without_one_folder_holding_skill_md_are_refused_before_sending(
    client: qa.AsyncQoder, emulator: Emulator, files: dict[str, bytes]
) -> None:
    before = skill_uploads(emulator)
    with pytest.raises(qa.InvalidInputError):
        await client.skills.create(files)
    assert skill_uploads(emulator) == before


async def test_a_path_that_is_not_a_directory_is_refused(
    client: qa.AsyncQoder, tmp_path: Path
) -> None:
    (tmp_path / "SKILL.md").write_bytes(SKILL_MD)
    with pytest.raises(qa.InvalidInputError, match="not a directory"):
        await client.skills.create(tmp_path / "SKILL.md")


async def test_skill_md_without_frontmatter_is_a_400(client: qa.AsyncQoder) -> None:
    with pytest.raises(qa.InvalidRequestError, match="frontmatter"):
        await client.skills.create({"mini/SKILL.md": b"# no frontmatter\n"})


async def test_retrieve_and_delete(client: qa.AsyncQoder) -> None:
    skill = await client.skills.create({"mini/SKILL.md": SKILL_MD})
    assert (await client.skills.retrieve(skill.id)).id == skill.id
    deleted = await client.skills.delete(skill.id)
    assert (deleted.id, deleted.type) == (skill.id, "skill_deleted")
    with pytest.raises(qa.NotFoundError, match="was not found"):
        await client.skills.retrieve(skill.id)


async def test_list_pages_past_two_pages_newest_first(client: qa.AsyncQoder) -> None:
    prefix = f"pager-{id(client)}"
    md = SKILL_MD.replace(b"report-writer", prefix.encode())
    made = [(await client.skills.create({"s/SKILL.md": md})).id for _ in range(5)]
    pages = [page async for page in client.skills.list(limit=2, name=prefix.upper()).pages()]
    assert [len(page) for page in pages] == [2, 2, 1]
    assert [skill.id for page in pages for skill in page] == made[::-1]


async def test_list_refuses_two_cursors_before_sending(client: qa.AsyncQoder) -> None:
    with pytest.raises(qa.InvalidInputError, match="one of page"):
        await client.skills.list(page="page_x", after_id="skill_1")


async def test_a_new_version_becomes_the_latest(client: qa.AsyncQoder) -> None:
    skill = await client.skills.create({"mini/SKILL.md": SKILL_MD})
    version = await client.skills.versions.create(
        skill.id, {"mini/SKILL.md": SKILL_MD, "mini/extra.md": b"more"}
    )
    assert version.version == "2"
    assert (await client.skills.retrieve(skill.id)).latest_version == "2"
    assert await archive_names(client, skill.id, "2") == ["mini/SKILL.md", "mini/extra.md"]


async def test_versions_list_pages_newest_first(client: qa.AsyncQoder) -> None:
    skill = await client.skills.create({"mini/SKILL.md": SKILL_MD})
    for _ in range(4):
        await client.skills.versions.create(skill.id, {"mini/SKILL.md": SKILL_MD})
    pages = [page async for page in client.skills.versions.list(skill.id, limit=2).pages()]
    assert [v.version for page in pages for v in page] == ["5", "4", "3", "2", "1"]
    assert len(pages) == 3


async def test_deleting_the_latest_version_falls_back_to_the_previous(
    client: qa.AsyncQoder,
) -> None:
    skill = await client.skills.create({"mini/SKILL.md": SKILL_MD})
    await client.skills.versions.create(skill.id, {"mini/SKILL.md": SKILL_MD})
    deleted = await client.skills.versions.delete(skill.id, "2")
    assert deleted.type == "skill_version_deleted"
    assert (await client.skills.retrieve(skill.id)).latest_version == "1"
    with pytest.raises(qa.NotFoundError):
        await client.skills.versions.retrieve(skill.id, "2")


async def test_content_is_saved_to_a_file(client: qa.AsyncQoder, tmp_path: Path) -> None:
    skill = await client.skills.create({"mini/SKILL.md": SKILL_MD})
    saved = await client.skills.versions.content(skill.id, "1", to=tmp_path / "skill.zip")
    assert zipfile.ZipFile(saved).read("mini/SKILL.md") == SKILL_MD


async def test_content_reports_its_type_once_connected(client: qa.AsyncQoder) -> None:
    skill = await client.skills.create({"mini/SKILL.md": SKILL_MD})
    async with client.skills.versions.content(skill.id, "1") as download:
        assert download.content_type == "application/zip"
        assert download.size is not None


async def test_content_of_an_unknown_version_is_not_found(client: qa.AsyncQoder) -> None:
    skill = await client.skills.create({"mini/SKILL.md": SKILL_MD})
    with pytest.raises(qa.NotFoundError):
        async with client.skills.versions.content(skill.id, "9"):
            pass


async def test_a_version_for_an_unknown_skill_is_not_found(client: qa.AsyncQoder) -> None:
    with pytest.raises(qa.NotFoundError, match="Skill 'skill_nope' was not found"):
        await client.skills.versions.create("skill_nope", {"mini/SKILL.md": SKILL_MD})


async def test_an_agent_binds_an_uploaded_skill(client: qa.AsyncQoder) -> None:
    skill = await client.skills.create({"mini/SKILL.md": SKILL_MD})
    agent = await client.agents.create(
        name="writer", model="ultimate", skills=[{"type": "custom", "skill_id": skill.id}]
    )
    assert agent.skills == ({"type": "custom", "skill_id": skill.id},)


async def test_json_where_multipart_is_required_is_a_400_envelope(
    emulator: Emulator, token: str
) -> None:
    async with httpx.AsyncClient(headers={"Authorization": f"Bearer {token}"}) as http:
        answer = await http.post(f"{emulator.base_url}/skills", json={"name": "x"})
    assert answer.status_code == 400
    assert answer.json()["type"] == "error"
    assert answer.json()["error"]["type"] == "invalid_request_error"


SKILL_JSON = b'{"id":"skill_1","type":"skill","latest_version":"1"}'


def unavailable_once(conn: Connection) -> None:
    if conn.index == 0:
        conn.send(http_response(503, b'{"type":"error","error":{"type":"api_error"}}'))
    else:
        conn.send(http_response(200, SKILL_JSON))


async def test_an_upload_from_paths_is_sent_again_whole_on_a_retry(tmp_path: Path) -> None:
    with raw_server(unavailable_once) as server:
        async with qa.AsyncQoder(
            "token", server.base_url, max_retries=2, retry_policy=qa.RetryPolicy.instant()
        ) as client:
            skill = await client.skills.create(skill_dir(tmp_path))
        assert skill.id == "skill_1"
        first, second = server.requests
        assert first.body == second.body
        assert int(first.headers["content-length"]) == len(first.body)
        assert b"## Week {n}" in first.body


async def test_an_upload_from_an_async_source_is_never_retried() -> None:
    async def chunks() -> AsyncIterator[bytes]:
        yield SKILL_MD

    with raw_server(unavailable_once) as server:
        async with qa.AsyncQoder(
            "token", server.base_url, max_retries=2, retry_policy=qa.RetryPolicy.instant()
        ) as client:
            # The raw server does not read a chunked body: the answer may be a 503 or a reset.
            with pytest.raises(qa.APIError):
                await client.skills.create({"mini/SKILL.md": chunks()})
        assert len(server.requests) == 1
