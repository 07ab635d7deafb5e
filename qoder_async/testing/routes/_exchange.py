"""The service-account token exchange (managed-groups §8.1), on the emulator's own origin."""

from __future__ import annotations

import re

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from .._errors import ApiError, bad_request
from .._responses import api, core_of, json_response, read_json
from .._service_accounts import EXCHANGE_PATH

__all__ = ["routes"]

_BEARER = re.compile(r"^\s*bearer\s+(\S+)\s*$", re.IGNORECASE)


@api
async def exchange(request: Request) -> Response:
    """POST /api/v1/serviceToken/exchange: a service-account key for an access token."""
    match = _BEARER.match(request.headers.get("authorization", ""))
    body = await read_json(request)
    if body.get("grant_type") != "client_credentials" or body.get("audience") != "qoder":
        raise bad_request("grant_type must be client_credentials and audience qoder.")
    scope = body.get("scope")
    if not isinstance(scope, str) or not scope.split():
        raise bad_request("scope must name at least one scope.", "scope")
    ttl = body.get("ttl_seconds", 3600)
    if isinstance(ttl, bool) or not isinstance(ttl, int) or not 1 <= ttl <= 43200:
        raise bad_request("ttl_seconds must be an integer from 1 to 43200.", "ttl_seconds")
    issued = core_of(request).service_accounts.issue(match.group(1) if match else "", ttl)
    if issued is None:
        raise ApiError(401, "The service-account key is not valid.")
    token, lifetime = issued
    return json_response({"access_token": token, "token_type": "Bearer", "expires_in": lifetime})


def routes() -> list[Route]:
    """The exchange route (outside the API's base path)."""
    return [Route(EXCHANGE_PATH, exchange, methods=["POST"])]
