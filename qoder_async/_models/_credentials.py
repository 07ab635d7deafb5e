"""What a client sends as a vault credential's ``auth``.

The secrets (``token``, ``access_token``, ``refresh_token``, ``client_secret``,
``secret_value``) are write-only on the API and never appear in these classes' ``repr``.
Each class checks on construction what it can; the full rules per ``auth.type`` are checked
again on the JSON form by ``client.vaults.credentials`` before anything is sent, so a plain
dict gets the same checks.
"""

from __future__ import annotations

from typing import ClassVar, Union

from attrs import Attribute, field, frozen

from .._errors import InvalidInputError
from ._content import JSONObject

__all__ = [
    "CredentialAuthParam",
    "EnvironmentVariableAuth",
    "MCPOAuthAuth",
    "OAuthRefresh",
    "StaticBearerAuth",
    "TokenEndpointAuth",
]


def _non_empty(_: object, attribute: Attribute[str], value: str) -> None:
    if not isinstance(value, str) or not value.strip():
        raise InvalidInputError(f"{attribute.name} must be a non-empty string")


@frozen
class StaticBearerAuth:
    """A bearer token for an MCP server: sent as ``Authorization: Bearer …`` to the server
    whose URL equals the agent's ``mcp_servers[].url``."""

    mcp_server_url: str = field(validator=_non_empty)
    token: str = field(validator=_non_empty, repr=False)
    type: ClassVar[str] = "static_bearer"


@frozen
class TokenEndpointAuth:
    """How the OAuth refresh grant authenticates: ``none``, ``client_secret_basic`` or
    ``client_secret_post`` (the last two with ``client_secret``)."""

    type: str = "none"
    client_secret: str | None = field(default=None, repr=False)


@frozen(kw_only=True)
class OAuthRefresh:
    """What the runtime needs to refresh an OAuth access token."""

    client_id: str = field(validator=_non_empty)
    refresh_token: str = field(validator=_non_empty, repr=False)
    token_endpoint: str = field(validator=_non_empty)
    token_endpoint_auth: TokenEndpointAuth = field(factory=TokenEndpointAuth)
    resource: str | None = None
    scope: str | None = None


@frozen
class MCPOAuthAuth:
    """An OAuth access token for an MCP server, optionally with a way to refresh it.
    ``expires_at`` is an RFC 3339 timestamp."""

    mcp_server_url: str = field(validator=_non_empty)
    access_token: str = field(validator=_non_empty, repr=False)
    expires_at: str | None = None
    refresh: OAuthRefresh | None = None
    type: ClassVar[str] = "mcp_oauth"


@frozen
class EnvironmentVariableAuth:
    """A secret handed to the sandbox as the variable ``secret_name``.

    ``networking`` is ``{"type": "unrestricted"}`` or ``{"type": "limited",
    "allowed_hosts": [...]}``; ``injection_location`` is ``{"header": bool, "body": bool}``.
    """

    secret_name: str = field(validator=_non_empty)
    secret_value: str = field(validator=_non_empty, repr=False)
    networking: JSONObject | None = None
    injection_location: JSONObject | None = None
    type: ClassVar[str] = "environment_variable"


CredentialAuthParam = Union[StaticBearerAuth, MCPOAuthAuth, EnvironmentVariableAuth]
"""A credential's ``auth`` on create (a JSON dict of the same shape is accepted too)."""
