"""``client.vaults`` and ``client.vaults.credentials``: credentials for MCP servers and
sandboxes, injected into the sessions that list a vault in ``vault_ids``.

Path ids are positional in path order: ``credentials.retrieve(vault_id, credential_id)``
(the official SDK takes ``credential_id`` first and ``vault_id`` by keyword).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from functools import cached_property
from typing import Any

from .._config import NOT_GIVEN, NotGiven
from .._errors import InvalidInputError
from .._models._content import JSONObject
from .._models._convert import converter
from .._models._credentials import CredentialAuthParam
from .._models._objects import DeletedObject
from .._models._vaults import CredentialValidation, Vault, VaultCredential
from ._endpoints import Resource, endpoint
from ._pagination import AsyncPager

__all__ = ["VaultCredentials", "Vaults", "check_auth"]

MAX_DISPLAY_NAME = 256
SECRET_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*\Z")

# auth.type -> fields a create must carry
_REQUIRED = {
    "static_bearer": ("mcp_server_url", "token"),
    "mcp_oauth": ("mcp_server_url", "access_token"),
    "environment_variable": ("secret_name", "secret_value"),
}
_REFRESH_REQUIRED = ("client_id", "refresh_token", "token_endpoint", "token_endpoint_auth")
_IMMUTABLE = ("mcp_server_url", "secret_name")
_IMMUTABLE_REFRESH = ("client_id", "token_endpoint", "resource")


def _text(value: Any) -> bool:
    return isinstance(value, str) and bool(value.strip())


def _check_refresh(refresh: Any, *, update: bool) -> None:
    if not isinstance(refresh, Mapping):
        raise InvalidInputError("auth.refresh must be an object")
    if update:
        fixed = [name for name in _IMMUTABLE_REFRESH if name in refresh]
        if fixed:
            raise InvalidInputError(f"auth.refresh.{fixed[0]} cannot be changed")
    else:
        missing = [name for name in _REFRESH_REQUIRED if not refresh.get(name)]
        if missing:
            raise InvalidInputError(f"auth.refresh.{missing[0]} is required")
    method = refresh.get("token_endpoint_auth")
    if method is None:
        return
    kind = method.get("type") if isinstance(method, Mapping) else None
    allowed = ("client_secret_basic", "client_secret_post")
    if kind not in (allowed if update else ("none", *allowed)):
        raise InvalidInputError(f"auth.refresh.token_endpoint_auth.type {kind!r} is not allowed")
    if kind != "none" and not update and not _text(method.get("client_secret")):
        raise InvalidInputError(f"auth.refresh.token_endpoint_auth ({kind}) needs client_secret")


def check_auth(auth: CredentialAuthParam | JSONObject, *, update: bool = False) -> JSONObject:
    """Check a credential's ``auth`` against the reference's rules; return its JSON form.

    On create every type needs its URL or name and its secret; on update ``type`` is
    required and the immutable fields (``mcp_server_url``, ``secret_name``, the refresh's
    ``client_id``, ``token_endpoint``, ``resource``) may not be sent. An ``auth.type`` this
    version does not know is sent unchecked.

    Raises:
        InvalidInputError: the rules are broken; the message never quotes a secret.
    """
    body = converter.unstructure(auth)
    if not isinstance(body, dict) or not _text(body.get("type")):
        raise InvalidInputError("auth must be an object with a 'type'")
    kind = body["type"]
    if kind not in _REQUIRED:
        return body
    if update:
        fixed = [name for name in _IMMUTABLE if name in body]
        if fixed:
            raise InvalidInputError(f"auth.{fixed[0]} cannot be changed; make a new credential")
    else:
        missing = [name for name in _REQUIRED[kind] if not _text(body.get(name))]
        if missing:
            raise InvalidInputError(f"auth.{missing[0]} is required for {kind} credentials")
    name = body.get("secret_name")
    if name is not None and not (isinstance(name, str) and SECRET_NAME.match(name)):
        raise InvalidInputError("auth.secret_name must match [A-Za-z_][A-Za-z0-9_]*")
    if body.get("refresh") is not None:
        _check_refresh(body["refresh"], update=update)
    return body


def _check_display_name(value: Any, *, required: bool) -> None:
    if value is None and not required:
        return
    if not _text(value) or len(value) > MAX_DISPLAY_NAME:
        raise InvalidInputError(f"display_name must be 1 to {MAX_DISPLAY_NAME} characters")


def _check_vault_create(args: Mapping[str, Any]) -> None:
    _check_display_name(args.get("display_name"), required=True)


def _check_credential_create(args: Mapping[str, Any]) -> None:
    _check_display_name(args.get("display_name"), required=False)
    check_auth(args["auth"])


def _check_credential_update(args: Mapping[str, Any]) -> None:
    auth = args.get("auth", NOT_GIVEN)
    if not isinstance(auth, NotGiven):
        check_auth(auth, update=True)


class VaultCredentials(Resource):
    """``client.vaults.credentials``: the credentials of a vault. Their secrets are
    write-only: no read returns them."""

    @endpoint("POST", "/vaults/{vault_id}/credentials", check=_check_credential_create)
    async def create(
        self,
        vault_id: str,
        /,
        *,
        auth: CredentialAuthParam | JSONObject,
        display_name: str | None = None,
        metadata: dict[str, str] | None = None,
        idempotency_key: str | None = None,
    ) -> VaultCredential:
        """Add a credential: ``auth=qa.StaticBearerAuth(mcp_server_url, token)``,
        :class:`MCPOAuthAuth` or :class:`EnvironmentVariableAuth` (or the same as a dict).

        Raises ``InvalidInputError`` before sending when a required field is missing or a
        ``secret_name`` is malformed; ``NotFoundError`` for an unknown vault.
        """

    @endpoint("GET", "/vaults/{vault_id}/credentials")
    def list(
        self,
        vault_id: str,
        /,
        *,
        limit: int | None = None,
        page: str | None = None,
        include_archived: bool | None = None,
        name: str | None = None,
    ) -> AsyncPager[VaultCredential]:
        """The vault's credentials, page by page; ``name`` matches the MCP server URL."""

    @endpoint("GET", "/vaults/{vault_id}/credentials/{credential_id}")
    async def retrieve(self, vault_id: str, credential_id: str, /) -> VaultCredential:
        """One credential (archived ones too), without its secret."""

    @endpoint(
        "POST",
        "/vaults/{vault_id}/credentials/{credential_id}",
        check=_check_credential_update,
        retry=False,
    )
    async def update(
        self,
        vault_id: str,
        credential_id: str,
        /,
        *,
        auth: JSONObject | NotGiven = NOT_GIVEN,
        metadata: dict[str, str | None] | NotGiven | None = NOT_GIVEN,
    ) -> VaultCredential:
        """Rotate a secret or change metadata; omitted fields are kept.

        ``auth`` needs the stored ``type`` and only the fields to change
        (``{"type": "static_bearer", "token": "…"}``). ``metadata`` is a patch (``None``
        clears it, a ``None`` value deletes a key).

        Never retried automatically, whatever ``max_retries`` says: after a failure,
        re-read the credential and decide.
        """

    @endpoint("POST", "/vaults/{vault_id}/credentials/{credential_id}/archive")
    async def archive(self, vault_id: str, credential_id: str, /) -> VaultCredential:
        """Archive a credential (it stays readable); a second archive gives ``ConflictError``."""

    @endpoint("DELETE", "/vaults/{vault_id}/credentials/{credential_id}")
    async def delete(self, vault_id: str, credential_id: str, /) -> DeletedObject:
        """Delete a credential for good."""

    @endpoint(
        "POST", "/vaults/{vault_id}/credentials/{credential_id}/mcp_oauth_validate", retry=False
    )
    async def mcp_oauth_validate(
        self, vault_id: str, credential_id: str, /
    ) -> CredentialValidation:
        """Probe the MCP server with the stored token and try the refresh grant.

        Not retried automatically: the refresh grant may rotate the stored refresh token.
        """


class Vaults(Resource):
    """``client.vaults``: create, list, retrieve, archive, delete (no update: a vault's
    ``display_name`` and ``metadata`` are fixed at creation)."""

    @cached_property
    def credentials(self) -> VaultCredentials:
        """The credentials of a vault."""
        return VaultCredentials(self._client)

    @endpoint("POST", "/vaults", check=_check_vault_create)
    async def create(
        self,
        *,
        display_name: str,
        metadata: dict[str, str] | None = None,
        idempotency_key: str | None = None,
    ) -> Vault:
        """Create an empty vault; add credentials with ``vaults.credentials.create``.

        Raises ``InvalidInputError`` for an empty or over-long ``display_name``.
        """

    @endpoint("GET", "/vaults")
    def list(
        self,
        *,
        limit: int | None = None,
        page: str | None = None,
        include_archived: bool | None = None,
        name: str | None = None,
    ) -> AsyncPager[Vault]:
        """Vaults, page by page; archived ones only with ``include_archived=True``."""

    @endpoint("GET", "/vaults/{vault_id}")
    async def retrieve(self, vault_id: str, /) -> Vault:
        """One vault."""

    @endpoint("POST", "/vaults/{vault_id}/archive")
    async def archive(self, vault_id: str, /) -> Vault:
        """Archive a vault (it stays readable)."""

    @endpoint("DELETE", "/vaults/{vault_id}")
    async def delete(self, vault_id: str, /) -> DeletedObject:
        """Delete a vault and its credentials for good."""
