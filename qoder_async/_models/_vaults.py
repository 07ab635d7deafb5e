"""Vaults and their credentials, as the API returns them.

Reads never carry a credential's secrets (tokens, refresh tokens, client secrets, secret
values): they are write-only. A server that echoed one anyway would only put it in ``raw``,
which no ``repr`` shows. ``type`` and ``status`` values are open strings.
"""

from __future__ import annotations

from attrs import field, frozen

from ._content import JSONObject

__all__ = ["CredentialAuth", "CredentialValidation", "Vault", "VaultCredential"]


@frozen(kw_only=True)
class Vault:
    """A vault: credentials injected into the sessions that list it in ``vault_ids``.

    ``display_name`` and ``metadata`` are fixed at creation (there is no vault update).
    """

    id: str
    type: str = "vault"
    display_name: str = ""
    metadata: dict[str, str] = field(factory=dict)
    status: str | None = None
    created_at: str | None = None
    updated_at: str | None = None
    archived_at: str | None = None
    raw: JSONObject = field(factory=dict, repr=False, eq=False)


@frozen(kw_only=True)
class CredentialAuth:
    """The read-safe part of a credential's ``auth``: what it is for, never its secret.

    ``type`` is ``static_bearer``, ``mcp_oauth`` or ``environment_variable`` (open).
    ``refresh`` (OAuth) holds ``client_id``, ``token_endpoint``, ``token_endpoint_auth``
    (``{type}``), ``resource`` and ``scope``.
    """

    type: str = ""
    mcp_server_url: str | None = None
    expires_at: str | None = None
    secret_name: str | None = None
    refresh: JSONObject | None = None
    networking: JSONObject | None = None
    injection_location: JSONObject | None = None
    raw: JSONObject = field(factory=dict, repr=False, eq=False)


@frozen(kw_only=True)
class VaultCredential:
    """A credential of a vault (``vcred_…``). Old flat list rows (``mcp_server_url`` and
    ``protocol`` at the top level) are read into ``auth`` too."""

    id: str
    type: str = "vault_credential"
    vault_id: str | None = None
    display_name: str | None = None
    auth: CredentialAuth | None = None
    metadata: dict[str, str] = field(factory=dict)
    status: str | None = None
    created_at: str | None = None
    updated_at: str | None = None
    archived_at: str | None = None
    raw: JSONObject = field(factory=dict, repr=False, eq=False)


@frozen(kw_only=True)
class CredentialValidation:
    """What ``mcp_oauth_validate`` found: ``status`` (open), the MCP probe and the refresh
    attempt (each ``{..., "http_response": {status_code, content_type, body, ...}}``)."""

    type: str = "credential_validation"
    credential_id: str | None = None
    vault_id: str | None = None
    status: str | None = None
    has_refresh_token: bool | None = None
    mcp_probe: JSONObject | None = None
    refresh: JSONObject | None = None
    validated_at: str | None = None
    raw: JSONObject = field(factory=dict, repr=False, eq=False)
