"""Vaults and vault credentials (managed-groups §1).

A credential's secrets (``token``, ``access_token``, ``refresh_token``, ``client_secret``,
``secret_value``) are kept in ``store.credential_secrets`` and never rendered: no answer,
not even an error, carries one.
"""

from __future__ import annotations

import copy
import re
from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from .._errors import ApiError, bad_request, conflict, not_found
from .._ids import new_id, now_timestamp
from .._pagination import paginate
from .._params import (
    apply_metadata_patch,
    created_at_filter,
    matches_created_at,
    query_bool,
    require_string,
    validate_metadata,
)
from .._responses import api, core_of, json_response, read_json

__all__ = ["credentials_for", "routes"]

SECRETS = frozenset({"token", "access_token", "refresh_token", "client_secret", "secret_value"})
AUTH_TYPES = ("static_bearer", "mcp_oauth", "environment_variable")
SECRET_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*\Z")
REQUIRED_SECRET = {
    "static_bearer": "token",
    "mcp_oauth": "access_token",
    "environment_variable": "secret_value",
}
METHODS = ("none", "client_secret_basic", "client_secret_post")


def _without_secrets(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _without_secrets(v) for k, v in value.items() if k not in SECRETS}
    return copy.deepcopy(value)


def _string(raw: dict[str, Any], name: str, where: str) -> str:
    value = raw.get(name)
    if not isinstance(value, str) or not value:
        raise bad_request(
            f"Field '{name}' is required for {where}.", f"auth.{name}" if where else name
        )
    return value


def _networking(value: Any) -> dict[str, Any]:
    if value is None:
        return {"type": "unrestricted"}
    if not isinstance(value, dict) or value.get("type") not in ("unrestricted", "limited"):
        raise bad_request("auth.networking.type must be 'unrestricted' or 'limited'.")
    if value["type"] == "limited":
        hosts = value.get("allowed_hosts")
        if not isinstance(hosts, list) or not all(isinstance(h, str) for h in hosts):
            raise bad_request("auth.networking.allowed_hosts must be an array of strings.")
        return {"type": "limited", "allowed_hosts": list(hosts)}
    return {"type": "unrestricted"}


def _refresh(raw: Any, *, update: bool, current: dict[str, Any] | None) -> dict[str, Any]:
    if not isinstance(raw, dict):
        raise bad_request("auth.refresh must be an object.", "auth.refresh")
    refresh = copy.deepcopy(current) if current else {}
    if update:
        for fixed in ("client_id", "token_endpoint", "resource"):
            if fixed in raw:
                raise bad_request(f"auth.refresh.{fixed} cannot be changed.", "auth.refresh")
    else:
        for name in ("client_id", "refresh_token", "token_endpoint"):
            refresh[name] = _string(raw, name, "auth.refresh")
    if raw.get("refresh_token") is not None:
        refresh["refresh_token"] = _string(raw, "refresh_token", "auth.refresh")
    for name in ("resource", "scope"):
        if name in raw:
            refresh[name] = raw[name]
    method = raw.get("token_endpoint_auth")
    if method is None and not update:
        raise bad_request(
            "Field 'token_endpoint_auth' is required for auth.refresh.",
            "auth.refresh.token_endpoint_auth",
        )
    if method is not None:
        allowed = METHODS[1:] if update else METHODS
        if not isinstance(method, dict) or method.get("type") not in allowed:
            raise bad_request(
                "auth.refresh.token_endpoint_auth.type is not valid.",
                "auth.refresh.token_endpoint_auth.type",
            )
        stored: dict[str, Any] = {"type": method["type"]}
        if method["type"] != "none":
            secret = method.get("client_secret")
            if secret is None and update:
                secret = (refresh.get("token_endpoint_auth") or {}).get("client_secret")
            if not isinstance(secret, str) or not secret:
                raise bad_request(
                    "Field 'client_secret' is required for this token_endpoint_auth.",
                    "auth.refresh.token_endpoint_auth.client_secret",
                )
            stored["client_secret"] = secret
        refresh["token_endpoint_auth"] = stored
    return refresh


def _new_auth(raw: Any) -> dict[str, Any]:
    if not isinstance(raw, dict):
        raise bad_request("Missing required field: auth", "auth")
    kind = raw.get("type")
    if kind not in AUTH_TYPES:
        raise bad_request(f"auth.type must be one of {', '.join(AUTH_TYPES)}.", "auth.type")
    where = f"{kind} type"
    secret = REQUIRED_SECRET[kind]
    auth: dict[str, Any] = {"type": kind, secret: _string(raw, secret, where)}
    if kind == "environment_variable":
        name = _string(raw, "secret_name", where)
        if not SECRET_NAME.match(name):
            raise bad_request(
                "auth.secret_name must match [A-Za-z_][A-Za-z0-9_]*.", "auth.secret_name"
            )
        auth["secret_name"] = name
        auth["networking"] = _networking(raw.get("networking"))
        if raw.get("injection_location") is not None:
            auth["injection_location"] = copy.deepcopy(raw["injection_location"])
        return auth
    auth["mcp_server_url"] = _string(raw, "mcp_server_url", where)
    if kind == "mcp_oauth":
        auth["expires_at"] = raw.get("expires_at")
        if raw.get("refresh") is not None:
            auth["refresh"] = _refresh(raw["refresh"], update=False, current=None)
    return auth


def _updated_auth(current: dict[str, Any], raw: Any) -> dict[str, Any]:
    if not isinstance(raw, dict) or raw.get("type") != current["type"]:
        raise bad_request(
            f"auth.type must equal the credential's type ('{current['type']}').", "auth.type"
        )
    for fixed in ("mcp_server_url", "secret_name"):
        if fixed in raw:
            raise bad_request(f"auth.{fixed} cannot be changed.", f"auth.{fixed}")
    auth = copy.deepcopy(current)
    kind = current["type"]
    secret = REQUIRED_SECRET[kind]
    if raw.get(secret) is not None:
        auth[secret] = _string(raw, secret, f"{kind} type")
    if kind == "mcp_oauth":
        if "expires_at" in raw:
            auth["expires_at"] = raw["expires_at"]
        if raw.get("refresh") is not None:
            auth["refresh"] = _refresh(raw["refresh"], update=True, current=auth.get("refresh"))
    if kind == "environment_variable":
        if raw.get("networking") is not None:
            auth["networking"] = _networking(raw["networking"])
        if raw.get("injection_location") is not None:
            auth["injection_location"] = copy.deepcopy(raw["injection_location"])
    return auth


def _vault(request: Request) -> dict[str, Any]:
    vault_id = request.path_params["vault_id"]
    vault = core_of(request).store.vaults.get(vault_id)
    if vault is None:
        raise not_found("Vault", vault_id)
    return vault


def _credential(request: Request) -> dict[str, Any]:
    vault = _vault(request)
    credential_id = request.path_params["credential_id"]
    credential = core_of(request).store.credentials.get(credential_id)
    if credential is None or credential["vault_id"] != vault["id"]:
        raise not_found("Credential", credential_id)
    return credential


def _credential_view(request: Request, credential: dict[str, Any]) -> dict[str, Any]:
    view = copy.deepcopy(credential)
    auth = core_of(request).store.credential_secrets[credential["id"]]
    view["auth"] = _without_secrets(auth)
    return view


def credentials_for(store: Any, vault_ids: list[str]) -> list[dict[str, Any]]:
    """The active credentials of these vaults (404 for an unknown vault), secrets included,
    for the session runtime. Call with the store lock held."""
    found: list[dict[str, Any]] = []
    for vault_id in vault_ids:
        if vault_id not in store.vaults:
            raise not_found("Vault", vault_id)
        for credential in store.credentials.values():
            if credential["vault_id"] == vault_id and credential["archived_at"] is None:
                found.append(copy.deepcopy(store.credential_secrets[credential["id"]]))
    return found


def _listed(request: Request, items: list[dict[str, Any]], name_of: Any) -> list[dict[str, Any]]:
    query = request.query_params
    include_archived = query_bool(query, "include_archived")
    bounds = created_at_filter(query)
    name = query.get("name")
    return [
        item
        for item in sorted(items, key=lambda i: i["id"])
        if (include_archived or item["archived_at"] is None)
        and matches_created_at(item["created_at"], bounds)
        and (not name or name.lower() in (name_of(item) or "").lower())
    ]


@api
async def create_vault(request: Request) -> Response:
    """POST /vaults."""
    body = await read_json(request)
    now = now_timestamp()
    vault: dict[str, Any] = {
        "id": new_id("vault_"),
        "type": "vault",
        "display_name": require_string(body, "display_name", max_length=256),
        "metadata": validate_metadata(body.get("metadata")),
        "status": "active",
        "created_at": now,
        "updated_at": now,
        "archived_at": None,
    }
    store = core_of(request).store
    with store.lock:
        store.vaults[vault["id"]] = vault
        return json_response(copy.deepcopy(vault), 201)


@api
async def list_vaults(request: Request) -> Response:
    """GET /vaults."""
    store = core_of(request).store
    with store.lock:
        items = _listed(request, list(store.vaults.values()), lambda v: v["display_name"])
        return json_response(paginate(items, request.query_params))


@api
async def retrieve_vault(request: Request) -> Response:
    """GET /vaults/{vault_id}."""
    with core_of(request).store.lock:
        return json_response(copy.deepcopy(_vault(request)))


@api
async def archive_vault(request: Request) -> Response:
    """POST /vaults/{vault_id}/archive."""
    with core_of(request).store.lock:
        vault = _vault(request)
        if vault["archived_at"] is not None:
            raise conflict(f"Vault '{vault['id']}' is already archived.")
        vault["archived_at"] = vault["updated_at"] = now_timestamp()
        vault["status"] = "archived"
        return json_response(copy.deepcopy(vault))


@api
async def delete_vault(request: Request) -> Response:
    """DELETE /vaults/{vault_id}: the vault and its credentials, for good."""
    store = core_of(request).store
    with store.lock:
        vault = _vault(request)
        del store.vaults[vault["id"]]
        for credential_id in [
            c["id"] for c in store.credentials.values() if c["vault_id"] == vault["id"]
        ]:
            del store.credentials[credential_id]
            del store.credential_secrets[credential_id]
    return json_response({"id": vault["id"], "type": "vault_deleted"})


@api
async def create_credential(request: Request) -> Response:
    """POST /vaults/{vault_id}/credentials."""
    body = await read_json(request)
    store = core_of(request).store
    with store.lock:
        vault = _vault(request)
        if vault["archived_at"] is not None:
            raise conflict(f"Vault '{vault['id']}' is archived.")
        auth = _new_auth(body.get("auth"))
        display_name = body.get("display_name")
        if display_name is not None and not isinstance(display_name, str):
            raise bad_request("Field 'display_name' must be a string.", "display_name")
        now = now_timestamp()
        credential = {
            "id": new_id("vcred_"),
            "type": "vault_credential",
            "vault_id": vault["id"],
            "display_name": display_name,
            "metadata": validate_metadata(body.get("metadata")),
            "status": "active",
            "created_at": now,
            "updated_at": now,
            "archived_at": None,
        }
        store.credentials[credential["id"]] = credential
        store.credential_secrets[credential["id"]] = auth
        return json_response(_credential_view(request, credential), 201)


@api
async def list_credentials(request: Request) -> Response:
    """GET /vaults/{vault_id}/credentials; ``name`` matches the MCP server URL."""
    store = core_of(request).store
    with store.lock:
        vault = _vault(request)
        mine = [c for c in store.credentials.values() if c["vault_id"] == vault["id"]]
        items = _listed(
            request,
            mine,
            lambda c: store.credential_secrets[c["id"]].get("mcp_server_url"),
        )
        return json_response(
            paginate(items, request.query_params, render=lambda c: _credential_view(request, c))
        )


@api
async def retrieve_credential(request: Request) -> Response:
    """GET /vaults/{vault_id}/credentials/{credential_id}."""
    with core_of(request).store.lock:
        return json_response(_credential_view(request, _credential(request)))


@api
async def update_credential(request: Request) -> Response:
    """POST /vaults/{vault_id}/credentials/{credential_id}: rotate secrets, patch metadata."""
    body = await read_json(request)
    store = core_of(request).store
    with store.lock:
        credential = _credential(request)
        if credential["archived_at"] is not None:
            raise conflict(f"Credential '{credential['id']}' is archived.")
        auth = store.credential_secrets[credential["id"]]
        if body.get("auth") is not None:
            auth = _updated_auth(auth, body["auth"])
        metadata = credential["metadata"]
        if "metadata" in body:
            metadata = (
                {} if body["metadata"] is None else apply_metadata_patch(metadata, body["metadata"])
            )
        store.credential_secrets[credential["id"]] = auth
        credential["metadata"] = metadata
        credential["updated_at"] = now_timestamp()
        return json_response(_credential_view(request, credential))


@api
async def archive_credential(request: Request) -> Response:
    """POST …/credentials/{credential_id}/archive; twice gives 409."""
    with core_of(request).store.lock:
        credential = _credential(request)
        if credential["archived_at"] is not None:
            raise conflict(f"Credential '{credential['id']}' is already archived.")
        credential["archived_at"] = credential["updated_at"] = now_timestamp()
        credential["status"] = "archived"
        return json_response(_credential_view(request, credential))


@api
async def delete_credential(request: Request) -> Response:
    """DELETE …/credentials/{credential_id}."""
    store = core_of(request).store
    with store.lock:
        credential = _credential(request)
        del store.credentials[credential["id"]]
        del store.credential_secrets[credential["id"]]
    return json_response({"id": credential["id"], "type": "vault_credential_deleted"})


@api
async def validate_credential(request: Request) -> Response:
    """POST …/credentials/{credential_id}/mcp_oauth_validate: a simulated probe (the
    emulator reaches no MCP server) that reports what is stored."""
    with core_of(request).store.lock:
        credential = _credential(request)
        auth = core_of(request).store.credential_secrets[credential["id"]]
        if auth["type"] != "mcp_oauth":
            raise ApiError(400, "Only mcp_oauth credentials can be validated.", param="auth")
        ok = {"status_code": 200, "content_type": "application/json", "body": "{}"}
        has_refresh = auth.get("refresh") is not None
        return json_response(
            {
                "type": "credential_validation",
                "credential_id": credential["id"],
                "vault_id": credential["vault_id"],
                "status": "valid",
                "has_refresh_token": has_refresh,
                "mcp_probe": {
                    "method": "initialize",
                    "http_response": {**ok, "body_truncated": False},
                },
                "refresh": {
                    "status": "succeeded" if has_refresh else "skipped",
                    "http_response": {**ok, "body_truncated": False} if has_refresh else None,
                },
                "validated_at": now_timestamp(),
            }
        )


def routes(prefix: str) -> list[Route]:
    """The vault routes under ``prefix``."""
    vault = f"{prefix}/vaults/{{vault_id}}"
    credential = f"{vault}/credentials/{{credential_id}}"
    return [
        Route(f"{prefix}/vaults", create_vault, methods=["POST"]),
        Route(f"{prefix}/vaults", list_vaults, methods=["GET"]),
        Route(vault, retrieve_vault, methods=["GET"]),
        Route(vault, delete_vault, methods=["DELETE"]),
        Route(f"{vault}/archive", archive_vault, methods=["POST"]),
        Route(f"{vault}/credentials", create_credential, methods=["POST"]),
        Route(f"{vault}/credentials", list_credentials, methods=["GET"]),
        Route(credential, retrieve_credential, methods=["GET"]),
        Route(credential, update_credential, methods=["POST"]),
        Route(credential, delete_credential, methods=["DELETE"]),
        Route(f"{credential}/archive", archive_credential, methods=["POST"]),
        Route(f"{credential}/mcp_oauth_validate", validate_credential, methods=["POST"]),
    ]
