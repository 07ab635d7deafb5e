"""Files (§4.6) and session resources (§4.5), including what the agent reads and writes."""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest

from qoder_async.testing import Emulator

from ._helpers import Helpers

SPEC = b"# Export Service Spec\n\n## Goal\nLet users export a project.\n- AC1: 202\n"


def upload(client: httpx.Client, name: str = "spec.md", data: bytes = SPEC) -> dict[str, Any]:
    response = client.post(
        "/files",
        files={"file": (name, data, "text/markdown")},
        data={"metadata": json.dumps({"team": "docs"}), "expires_in_seconds": "3600"},
    )
    assert response.status_code == 200, response.text
    return dict(response.json())


def test_upload_and_download(client: httpx.Client) -> None:
    meta = upload(client)
    assert meta["id"].startswith("file_")
    assert meta["type"] == "file"
    assert meta["filename"] == "spec.md"
    assert meta["mime_type"] == "text/markdown"
    assert meta["size_bytes"] == len(SPEC)
    assert meta["status"] == "ready"
    assert meta["metadata"] == {"team": "docs"}
    assert meta["expires_at"] > meta["created_at"]
    assert client.get(f"/files/{meta['id']}").json() == meta
    content = client.get(f"/files/{meta['id']}/content")
    assert content.content == SPEC
    assert content.headers["content-type"].startswith("text/markdown")


def test_binary_upload_roundtrip_and_delete(client: httpx.Client) -> None:
    data = bytes(range(256)) * 64 + b"\r\n--not-a-boundary\r\n"
    meta = upload(client, "blob.bin", data)
    assert client.get(f"/files/{meta['id']}/content").content == data
    assert client.delete(f"/files/{meta['id']}").json() == {
        "id": meta["id"],
        "type": "file_deleted",
    }
    assert client.get(f"/files/{meta['id']}").status_code == 404


def test_upload_needs_a_file_part(client: httpx.Client) -> None:
    response = client.post("/files", files={"name": (None, b"x")})
    assert response.status_code == 400
    assert response.json()["error"]["param"] == "file"
    assert client.post("/files", json={"file": "x"}).status_code == 400


def test_list_files_filters(fresh_client: httpx.Client) -> None:
    first = upload(fresh_client, "a.md")
    second = upload(fresh_client, "b.md")
    ids = fresh_client.get("/files", params={"ids[]": [second["id"]]}).json()["data"]
    assert [f["id"] for f in ids] == [second["id"]]
    named = fresh_client.get("/files", params={"name": "a.md"}).json()["data"]
    assert [f["id"] for f in named] == [first["id"]]
    page = fresh_client.get("/files", params={"limit": 1}).json()
    assert page["has_more"] is True


def test_mount_and_the_agent_reads_it(emu: Emulator, client: httpx.Client, api: Helpers) -> None:
    meta = upload(client)
    session = api.session()
    added = client.post(
        f"/sessions/{session['id']}/resources",
        json={"resources": [{"type": "file", "file_id": meta["id"], "path": "inputs/spec.md"}]},
    )
    assert added.status_code == 200
    resources = added.json()["resources"]
    assert resources[0]["path"] == "/data/inputs/spec.md"
    assert resources[0]["id"].startswith("sres_")
    api.send(session["id"], "Summarise the spec")
    emu.wait_idle(session["id"])
    log = emu.log(session["id"])
    reads = [e for e in log if e["type"] == "agent.tool_use" and e["name"] == "Read"]
    assert reads[0]["input"] == {"file_path": "/data/inputs/spec.md"}
    result = next(e for e in log if e.get("tool_use_id") == reads[0]["id"])
    assert "     1\t# Export Service Spec\n" in result["content"][0]["text"]
    message = next(e for e in log if e["type"] == "agent.message")
    text = message["content"][0]["text"]
    assert "Summarise the spec" in text
    assert "/data/inputs/spec.md" in text
    assert "# Export Service Spec" in text
    produced = client.get("/files", params={"scope_id": session["id"]}).json()["data"]
    assert [f["filename"] for f in produced] == ["answer.md"]
    assert produced[0]["scope"] == {"type": "session", "id": session["id"]}
    answer = client.get(f"/files/{produced[0]['id']}/content").content.decode()
    assert answer.startswith('You asked: "Summarise the spec".')


@pytest.mark.parametrize(
    ("resource", "status"),
    [
        ({"type": "file", "file_id": "FILE", "path": "../etc/passwd"}, 400),
        ({"type": "file", "file_id": "FILE", "path": "/etc/passwd"}, 400),
        ({"type": "file", "file_id": "FILE", "path": "a" * 600}, 400),
        ({"type": "file", "file_id": "FILE", "path": "x.md", "mount_path": "y.md"}, 400),
        ({"type": "svn", "url": "https://example.com/r"}, 400),
        ({"type": "file"}, 400),
        ({"type": "file", "file_id": "file_missing"}, 404),
    ],
)
def test_resource_validation(
    client: httpx.Client, api: Helpers, resource: dict[str, Any], status: int
) -> None:
    meta = upload(client)
    session = api.session()
    body = {k: (meta["id"] if v == "FILE" else v) for k, v in resource.items()}
    response = client.post(f"/sessions/{session['id']}/resources", json={"resources": [body]})
    assert response.status_code == status, response.text


def test_resource_conflicts_and_lifecycle(client: httpx.Client, api: Helpers) -> None:
    meta = upload(client)
    session = api.session()
    path = f"/sessions/{session['id']}/resources"
    assert client.post(path, json={"resources": []}).status_code == 400
    twice = [{"file_id": meta["id"]}, {"file_id": meta["id"], "path": "other.md"}]
    assert client.post(path, json={"resources": twice}).status_code == 400
    added = client.post(path, json={"resources": [{"file_id": meta["id"]}]}).json()
    assert added["resources"][0]["path"] == f"/data/{meta['id']}"
    again = client.post(path, json={"resources": [{"file_id": meta["id"], "path": "b.md"}]})
    assert again.status_code == 409
    repo = client.post(
        path,
        json={
            "resources": [
                {
                    "type": "github_repository",
                    "url": "https://github.com/org/repo",
                    "authorization_token": "ghp_old",
                }
            ]
        },
    ).json()["resources"]
    assert [r["type"] for r in repo] == ["file", "github_repository"]
    repo_id = repo[1]["id"]
    assert repo[1]["mount_path"] == "/workspace/repo"
    rotated = client.post(f"{path}/{repo_id}", json={"authorization_token": "ghp_new"}).json()
    assert rotated["authorization_token"] == "ghp_new"
    assert client.get(f"{path}/{repo_id}").json()["authorization_token"] == "ghp_new"
    listed = client.get(path).json()
    assert [r["id"] for r in listed["data"]] == [r["id"] for r in repo]
    assert client.delete(f"{path}/{repo_id}").json() == {
        "id": repo_id,
        "type": "session_resource_deleted",
    }
    assert client.get(f"{path}/{repo_id}").status_code == 404
    assert client.get(f"/sessions/{session['id']}").json()["resources"][0]["file_id"] == meta["id"]


def test_single_object_add_like_the_python_sdk(client: httpx.Client, api: Helpers) -> None:
    meta = upload(client)
    session = api.session()
    response = client.post(
        f"/sessions/{session['id']}/resources",
        json={"type": "file", "file_id": meta["id"], "mount_path": "in/spec.md"},
    )
    assert response.json()["mount_path"] == "/data/in/spec.md"
    assert response.json()["id"].startswith("sres_")


def test_download_link_mode() -> None:
    with (
        Emulator(file_download="url") as emu,
        httpx.Client(base_url=emu.base_url, headers={"Authorization": "Bearer t"}) as client,
    ):
        meta = upload(client)
        link = client.get(f"/files/{meta['id']}/content").json()["url"]
        assert httpx.get(link).content == SPEC  # no auth header needed
        assert httpx.get(link.split("?")[0]).status_code == 404


def test_mounting_a_file_that_is_not_ready_conflicts(
    emu: Emulator, client: httpx.Client, api: Helpers
) -> None:
    pending = emu.upload("big.csv", b"a,b\n", status="processing")
    session = api.session()
    response = client.post(
        f"/sessions/{session['id']}/resources", json={"resources": [{"file_id": pending["id"]}]}
    )
    assert response.status_code == 409
    assert response.json()["error"]["type"] == "conflict_error"


def test_body_over_the_limit_is_413(client: httpx.Client) -> None:
    response = client.post("/files", content=b"x" * (32 * 1024 * 1024 + 1))
    assert response.status_code == 413
