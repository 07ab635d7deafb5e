"""client.vaults and client.vaults.credentials, through the emulator."""

from __future__ import annotations

import uuid

import pytest

import qoder_async as qa
from qoder_async.testing import Emulator, RequestFault
from tests.hostile._server import http_response, raw_server

pytestmark = pytest.mark.anyio

MCP_URL = "https://mcp.example/mcp"
UNREACHABLE = "http://127.0.0.1:9/api/v1/cloud"


def unique(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:12]}"


async def new_credential(client: qa.AsyncQoder) -> tuple[qa.Vault, qa.VaultCredential]:
    vault = await client.vaults.create(display_name=unique("vault"))
    credential = await client.vaults.credentials.create(
        vault.id, auth=qa.StaticBearerAuth(MCP_URL, "bearer-5ecret")
    )
    return vault, credential


async def test_a_new_vault_is_active_and_can_be_retrieved(client: qa.AsyncQoder) -> None:
    vault = await client.vaults.create(display_name="team", metadata={"team": "docs"})
    again = await client.vaults.retrieve(vault.id)
    assert again == vault
    assert (vault.display_name, vault.metadata, vault.archived_at) == (
        "team",
        {"team": "docs"},
        None,
    )


async def test_vault_list_walks_past_two_pages(client: qa.AsyncQoder) -> None:
    name = unique("paged")
    made = [(await client.vaults.create(display_name=f"{name}-{n}")).id for n in range(5)]
    listed = [vault.id async for vault in client.vaults.list(name=name, limit=2)]
    assert sorted(listed) == sorted(made)


async def test_archived_vaults_are_listed_only_on_request(client: qa.AsyncQoder) -> None:
    name = unique("archived")
    vault = await client.vaults.create(display_name=name)
    archived = await client.vaults.archive(vault.id)
    assert archived.archived_at is not None
    assert [v.id async for v in client.vaults.list(name=name)] == []
    assert [v.id async for v in client.vaults.list(name=name, include_archived=True)] == [vault.id]


async def test_archiving_a_vault_twice_is_a_conflict(client: qa.AsyncQoder) -> None:
    vault = await client.vaults.create(display_name="twice")
    await client.vaults.archive(vault.id)
    with pytest.raises(qa.ConflictError):
        await client.vaults.archive(vault.id)


async def test_deleting_a_vault_removes_its_credentials(client: qa.AsyncQoder) -> None:
    vault, credential = await new_credential(client)
    deleted = await client.vaults.delete(vault.id)
    assert (deleted.id, deleted.type) == (vault.id, "vault_deleted")
    with pytest.raises(qa.NotFoundError):
        await client.vaults.credentials.retrieve(vault.id, credential.id)


async def test_an_unknown_vault_is_not_found(client: qa.AsyncQoder) -> None:
    with pytest.raises(qa.NotFoundError) as caught:
        await client.vaults.retrieve("vault_00000000000000000000000000000000")
    assert caught.value.type == "not_found_error"


async def test_an_empty_display_name_is_refused_before_sending() -> None:
    async with qa.AsyncQoder("t", UNREACHABLE, max_retries=0) as offline:
        with pytest.raises(qa.InvalidInputError, match="display_name"):
            await offline.vaults.create(display_name=" ")


async def test_a_bodiless_delete_answers_with_the_path_id(anyio_backend: str) -> None:
    with raw_server(lambda conn: conn.send(http_response(204, b""))) as server:
        async with qa.AsyncQoder("t", server.base_url + "/api/v1/cloud", max_retries=0) as client:
            deleted = await client.vaults.delete("vault_gone")
    assert deleted == qa.DeletedObject(id="vault_gone")


# --- credentials ------------------------------------------------------------------------------


async def test_a_credential_is_read_back_without_its_secret(client: qa.AsyncQoder) -> None:
    vault, credential = await new_credential(client)
    assert credential.auth is not None
    assert (credential.auth.type, credential.auth.mcp_server_url) == ("static_bearer", MCP_URL)
    response = await client._http.request("GET", f"/vaults/{vault.id}/credentials/{credential.id}")
    assert "bearer-5ecret" not in response.text
    assert "token" not in response.json()["auth"]


async def test_credential_list_walks_past_two_pages(client: qa.AsyncQoder) -> None:
    vault = await client.vaults.create(display_name=unique("many"))
    made = [
        (
            await client.vaults.credentials.create(
                vault.id,
                auth={"type": "static_bearer", "mcp_server_url": f"{MCP_URL}/{n}", "token": "t"},
            )
        ).id
        for n in range(5)
    ]
    listed = [c.id async for c in client.vaults.credentials.list(vault.id, limit=2)]
    assert sorted(listed) == sorted(made)


async def test_an_oauth_credential_keeps_its_refresh_settings(client: qa.AsyncQoder) -> None:
    vault = await client.vaults.create(display_name="oauth")
    auth = qa.MCPOAuthAuth(
        MCP_URL,
        "access-5ecret",
        refresh=qa.OAuthRefresh(
            client_id="app",
            refresh_token="refresh-5ecret",
            token_endpoint="https://auth.example/token",
            token_endpoint_auth=qa.TokenEndpointAuth("client_secret_post", "client-5ecret"),
        ),
    )
    credential = await client.vaults.credentials.create(vault.id, auth=auth)
    assert credential.auth is not None
    assert credential.auth.refresh is not None
    assert credential.auth.refresh["token_endpoint_auth"] == {"type": "client_secret_post"}
    validation = await client.vaults.credentials.mcp_oauth_validate(vault.id, credential.id)
    assert (validation.credential_id, validation.has_refresh_token) == (credential.id, True)


async def test_an_update_rotates_the_secret_and_patches_metadata(client: qa.AsyncQoder) -> None:
    vault, credential = await new_credential(client)
    await client.vaults.credentials.update(vault.id, credential.id, metadata={"a": "1"})
    updated = await client.vaults.credentials.update(
        vault.id,
        credential.id,
        auth={"type": "static_bearer", "token": "rotated"},
        metadata={"a": None, "b": "2"},
    )
    assert updated.metadata == {"b": "2"}
    assert updated.auth == credential.auth


async def test_an_update_of_another_auth_type_is_refused(client: qa.AsyncQoder) -> None:
    vault, credential = await new_credential(client)
    with pytest.raises(qa.InvalidRequestError) as caught:
        await client.vaults.credentials.update(
            vault.id, credential.id, auth={"type": "mcp_oauth", "access_token": "x"}
        )
    assert caught.value.param == "auth.type"


async def test_a_rotation_is_never_retried(client: qa.AsyncQoder, emulator: Emulator) -> None:
    vault, credential = await new_credential(client)
    path = f"/vaults/{vault.id}/credentials/{credential.id}"
    emulator.request_faults([RequestFault(status=503, method="POST", path_prefix=path, times=3)])
    patient = client.with_options(max_retries=5)
    with pytest.raises(qa.InternalServerError) as caught:
        await patient.vaults.credentials.update(
            vault.id, credential.id, auth={"type": "static_bearer", "token": "new"}
        )
    assert caught.value.retries == 0
    archived = await patient.vaults.credentials.archive(vault.id, credential.id)  # retried
    assert archived.archived_at is not None


async def test_archiving_a_credential_twice_is_a_conflict(client: qa.AsyncQoder) -> None:
    vault, credential = await new_credential(client)
    await client.vaults.credentials.archive(vault.id, credential.id)
    with pytest.raises(qa.ConflictError):
        await client.vaults.credentials.archive(vault.id, credential.id)


async def test_a_deleted_credential_is_gone(client: qa.AsyncQoder) -> None:
    vault, credential = await new_credential(client)
    deleted = await client.vaults.credentials.delete(vault.id, credential.id)
    assert deleted.type == "vault_credential_deleted"
    with pytest.raises(qa.NotFoundError):
        await client.vaults.credentials.retrieve(vault.id, credential.id)


@pytest.mark.parametrize(
    ("auth", "complaint"),
    [
        ({"type": "static_bearer", "mcp_server_url": MCP_URL}, "auth.token"),
        ({"type": "mcp_oauth", "access_token": "x"}, "auth.mcp_server_url"),
        (
            {"type": "environment_variable", "secret_name": "1BAD", "secret_value": "v"},
            "secret_name",
        ),
        (
            {
                "type": "mcp_oauth",
                "mcp_server_url": MCP_URL,
                "access_token": "x",
                "refresh": {"client_id": "c", "refresh_token": "r", "token_endpoint": "e"},
            },
            "token_endpoint_auth",
        ),
        ({"mcp_server_url": MCP_URL}, "type"),
    ],
)
async def test_a_credential_missing_what_its_type_needs_is_refused_before_sending(
    auth: dict[str, object], complaint: str
) -> None:
    async with qa.AsyncQoder("t", UNREACHABLE, max_retries=0) as offline:
        with pytest.raises(qa.InvalidInputError, match=complaint):
            await offline.vaults.credentials.create("vault_x", auth=auth)


async def test_an_update_may_not_change_the_server_url() -> None:
    async with qa.AsyncQoder("t", UNREACHABLE, max_retries=0) as offline:
        with pytest.raises(qa.InvalidInputError, match="mcp_server_url"):
            await offline.vaults.credentials.update(
                "vault_x",
                "vcred_x",
                auth={"type": "static_bearer", "mcp_server_url": "https://other"},
            )


async def test_a_session_needs_a_credential_for_each_mcp_server(client: qa.AsyncQoder) -> None:
    agent = await client.agents.create(
        name="with-mcp",
        model="ultimate",
        mcp_servers=[{"type": "url", "name": "docs", "url": MCP_URL}],
        tools=[{"type": "mcp_toolset", "mcp_server_name": "docs"}],
    )
    environment = await client.environments.create(name="mcp-env")
    empty = await client.vaults.create(display_name="empty")
    with pytest.raises(qa.InvalidRequestError, match="Unauthorized"):
        await client.sessions.create(
            agent=agent.id, environment_id=environment.id, vault_ids=[empty.id]
        )
    vault, _ = await new_credential(client)
    session = await client.sessions.create(
        agent=agent.id, environment_id=environment.id, vault_ids=[vault.id]
    )
    assert session.info is not None
    assert session.info.vault_ids == (vault.id,)
