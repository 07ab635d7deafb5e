"""ServiceAccountCredential: a service-account key exchanged for short-lived access tokens.

The key is used for one thing only, the exchange at the region's endpoint
(``POST {origin}/api/v1/serviceToken/exchange``); business calls carry the access token it
returns. Timings are measured from the start of the exchange, on a monotonic clock:

- the token is reused until ``ttl - min(60 s, 10 % of ttl)``, then exchanged again;
- it is never sent past ``ttl - min(5 s, 5 % of ttl)`` (a token that arrives already past
  that point is refused as an invalid answer);
- after a failed exchange no other is tried for ``cooldown`` seconds (or the 429's
  ``Retry-After``, if longer): a transient failure (no connection, 429, 5xx) keeps serving
  the cached token while it is safe, any other failure is raised again.
"""

from __future__ import annotations

import math
import os
import time
from collections import deque
from collections.abc import Callable, Sequence
from email.utils import parsedate_to_datetime
from types import TracebackType
from typing import TYPE_CHECKING, Any

import anyio
import httpx

from .._errors import (
    APIConnectionError,
    APIError,
    APIStatusError,
    APITimeoutError,
    ClientClosedError,
    InvalidInputError,
    MissingTokenError,
    UnexpectedResponseError,
    status_error,
)
from .._http._headers import check_header
from ._regions import RegionName, check_region, region as find_region

if TYPE_CHECKING:
    from typing_extensions import Self

__all__ = ["KEY_ENV_VAR", "ServiceAccountCredential"]

KEY_ENV_VAR = "QODER_SA_KEY"
REGION_ENV_VAR = "QODER_REGION"
DEFAULT_SCOPES = ("qca.access",)
MAX_TTL = 43200


def _scope(scopes: Sequence[str]) -> str:
    if isinstance(scopes, str) or not scopes:
        raise InvalidInputError("scopes must be a non-empty sequence of scope names")
    for scope in scopes:
        if not isinstance(scope, str) or not scope or any(c.isspace() for c in scope):
            raise InvalidInputError(f"{scope!r} is not a scope name (no spaces, not empty)")
    return " ".join(dict.fromkeys(scopes))


def _retry_after(response: httpx.Response | None) -> float:
    if response is None or response.status_code != 429:
        return 0.0
    value = response.headers.get("retry-after", "")
    try:
        delay = float(value)
    except ValueError:
        try:
            delay = parsedate_to_datetime(value).timestamp() - time.time()
        except (ValueError, TypeError, OverflowError):
            return 0.0
    return delay if math.isfinite(delay) and delay > 0 else 0.0


class ServiceAccountCredential:
    """Access tokens for a service account, exchanged from its key and cached.

    Pass it as the client's token; it is asked before every attempt, and one exchange is
    shared by every caller that needs a token at the same time::

        credential = qa.ServiceAccountCredential(key=sa_key, region="cn")
        async with credential, qa.AsyncQoder(token=credential, region="cn") as client:
            ...

    The client does not close the credential (one credential may serve several clients):
    use ``async with`` or :meth:`aclose`.

    Args:
        key: the service-account key (``QODER_SA_KEY`` with :meth:`from_env`).
        region: ``"global"`` or ``"cn"``: where the exchange happens.
        scopes: the scopes asked for; ``qca.access`` grants the Cloud Agents API.
        ttl_seconds: the lifetime asked for, 1 to 43200 seconds.
        exchange_url: the exchange endpoint; by default the region's (tests point it at the
            emulator's ``exchange_url``). An official URL of the other region is refused.
        timeout: seconds an exchange may take, in all.
        cooldown: seconds without a new exchange after a failed one.
        http_client: an ``httpx.AsyncClient`` for the exchange (not closed by the credential).

    Raises:
        InvalidInputError: an argument is invalid (the key is never quoted).
    """

    def __init__(
        self,
        key: str,
        *,
        region: RegionName = "global",
        scopes: Sequence[str] = DEFAULT_SCOPES,
        ttl_seconds: int = 3600,
        exchange_url: str | None = None,
        timeout: float = 30.0,
        cooldown: float = 5.0,
        http_client: httpx.AsyncClient | None = None,
    ) -> None:
        if not isinstance(key, str) or not key.strip():
            raise InvalidInputError("the service-account key must be a non-empty string")
        check_header("Authorization", key)
        endpoints = find_region(region)
        url = exchange_url or endpoints.exchange_url
        check_region(("exchange_url", url), expected=region)
        if isinstance(ttl_seconds, bool) or not isinstance(ttl_seconds, int):
            raise InvalidInputError("ttl_seconds must be an integer")
        if not 1 <= ttl_seconds <= MAX_TTL:
            raise InvalidInputError(f"ttl_seconds must be from 1 to {MAX_TTL}")
        if not (math.isfinite(timeout) and timeout > 0) or not cooldown >= 0:
            raise InvalidInputError("timeout must be positive and cooldown >= 0")
        self._key = key
        self._region: RegionName = endpoints.name
        self._scope = _scope(scopes)
        self._ttl = ttl_seconds
        self._url = url
        self._timeout = timeout
        self._cooldown = cooldown
        self._clock: Callable[[], float] = time.monotonic  # seconds; tests may move it
        self._http = http_client
        self._owns_http = http_client is None
        self._lock = anyio.Lock()
        self._token: str | None = None
        self._refresh_at = self._safe_until = self._retry_at = 0.0
        self._failure: APIError | None = None
        self._transient = False
        self._closed = False
        self._exchanges = 0
        self._issued: deque[str] = deque(maxlen=16)

    @classmethod
    def from_env(
        cls,
        *,
        region: RegionName | None = None,
        scopes: Sequence[str] = DEFAULT_SCOPES,
        **options: Any,
    ) -> Self:
        """A credential from ``QODER_SA_KEY`` (and ``QODER_REGION`` when ``region`` is not
        given; else ``"global"``). ``options`` are those of the constructor.

        Raises:
            MissingTokenError: ``QODER_SA_KEY`` is not set.
        """
        key = os.environ.get(KEY_ENV_VAR, "")
        if not key.strip():
            raise MissingTokenError(f"No service-account key: set {KEY_ENV_VAR}.")
        chosen = region or os.environ.get(REGION_ENV_VAR) or "global"
        return cls(key, region=chosen, scopes=scopes, **options)  # type: ignore[arg-type]  # checked by the constructor

    def __repr__(self) -> str:
        return f"ServiceAccountCredential(region={self._region!r}, credentials=redacted)"

    @property
    def region(self) -> RegionName:
        """``"global"`` or ``"cn"``."""
        return self._region

    @property
    def exchange_url(self) -> str:
        """Where the key is exchanged."""
        return self._url

    @property
    def exchanges(self) -> int:
        """How many exchanges were sent so far (successful or not)."""
        return self._exchanges

    # --- tokens ----------------------------------------------------------------------------

    async def get_token(self) -> str:
        """The current access token, exchanged anew when the cached one is due for renewal.

        Raises:
            AuthenticationError / PermissionDeniedError / APIStatusError: the exchange was
                refused (the message names only the server's error code and request id).
            UnexpectedResponseError: the answer was not a valid token.
            APIConnectionError / APITimeoutError: the exchange got no answer in time.
            ClientClosedError: the credential is closed.
        """
        async with self._lock:
            if self._closed:
                raise ClientClosedError("the service-account credential is closed")
            now = self._clock()
            if now < self._retry_at:
                return self._after_failure()
            if self._token is not None and now < self._refresh_at:
                return self._token
            return await self._exchange()

    def token_rejected(self, token: str) -> bool:
        """The API refused ``token`` with 401: forget it, so the next call exchanges again.

        Returns whether ``token`` was one of this credential's recent tokens (only then is a
        request worth sending once more: a fresh token is, or will be, there).
        """
        if token == self._token:
            self._token = None
            self._refresh_at = self._safe_until = 0.0
        return token in self._issued

    async def _exchange(self) -> str:
        started = self._clock()
        self._exchanges += 1
        response: httpx.Response | None = None
        try:
            with anyio.fail_after(self._timeout):
                response = await self._client().post(
                    self._url,
                    headers={
                        "Authorization": f"Bearer {self._key}",
                        "Accept": "application/json",
                    },
                    json={
                        "grant_type": "client_credentials",
                        "audience": "qoder",
                        "scope": self._scope,
                        "ttl_seconds": self._ttl,
                    },
                    follow_redirects=False,
                )
            return self._accept(response, started)
        except (httpx.TransportError, TimeoutError) as exc:
            timed_out = isinstance(exc, (httpx.TimeoutException, TimeoutError))
            error_cls = APITimeoutError if timed_out else APIConnectionError
            what = "timed out" if timed_out else f"got no answer ({type(exc).__name__})"
            return self._failed(error_cls(f"the token exchange {what}", request=self._safe()))
        except APIError as error:
            return self._failed(error, response)

    def _client(self) -> httpx.AsyncClient:
        if self._http is None:
            self._http = httpx.AsyncClient(timeout=self._timeout, follow_redirects=False)
        return self._http

    def _safe(self) -> httpx.Request:
        """A stand-in for the exchange request with no credential in it, for errors."""
        return httpx.Request("POST", self._url)

    def _hide(self, value: object) -> str | None:
        if not isinstance(value, str):
            return None
        text: str = value
        for secret in (self._key, self._token):
            if secret:
                text = text.replace(secret, "[redacted]")
        return text[:200]

    def _accept(self, response: httpx.Response, started: float) -> str:
        """The token of a successful answer; else raise an error that shows no secret."""
        try:
            body = response.json()
        except ValueError:
            body = None
        detail = body.get("error", body) if isinstance(body, dict) else None
        code = (
            self._hide(detail.get("code") or detail.get("type"))
            if isinstance(detail, dict)
            else None
        )
        request_id = self._hide(
            response.headers.get("x-request-id")
            or response.headers.get("request-id")
            or (body.get("request_id") if isinstance(body, dict) else None)
        )
        safe = httpx.Response(
            response.status_code,
            json={
                "error": {
                    "type": code,
                    "message": "the service-account token exchange was refused",
                }
            },
            headers={"x-request-id": request_id} if request_id else {},
            request=self._safe(),
        )
        if not response.is_success:
            raise status_error(safe)
        token, ttl = self._token_of(body)
        safe_until = started + ttl - min(5.0, ttl * 0.05)
        if token is None or ttl <= 0 or self._clock() >= safe_until:
            raise UnexpectedResponseError(
                f"POST {self._safe().url.path}: the token exchange answered "
                f"{response.status_code} without a valid, unexpired bearer token",
                response=safe,
                body_preview="",
            )
        self._token = token
        self._issued.append(token)
        self._safe_until = safe_until
        self._refresh_at = started + ttl - min(60.0, ttl * 0.1)
        self._retry_at = 0.0
        self._failure = None
        return token

    @staticmethod
    def _token_of(body: Any) -> tuple[str | None, int]:
        if not isinstance(body, dict):
            return None, 0
        token, kind, ttl = body.get("access_token"), body.get("token_type"), body.get("expires_in")
        if isinstance(ttl, str) and ttl.isascii() and ttl.isdecimal():
            ttl = int(ttl)
        if (
            not isinstance(token, str)
            or not token.strip()
            or not isinstance(kind, str)
            or kind.lower() != "bearer"
            or isinstance(ttl, bool)
            or not isinstance(ttl, int)
            or not 1 <= ttl <= MAX_TTL
        ):
            return None, 0
        return token, ttl

    def _failed(self, error: APIError, response: httpx.Response | None = None) -> str:
        self._failure = error
        self._transient = isinstance(error, APIConnectionError) or (
            isinstance(error, APIStatusError)
            and (error.status_code == 429 or error.status_code >= 500)
        )
        self._retry_at = self._clock() + max(self._cooldown, _retry_after(response))
        return self._after_failure()

    def _after_failure(self) -> str:
        """During the cooldown: the cached token if the failure was transient and the token
        is still safe to send, else the failure again."""
        if self._transient and self._token is not None and self._clock() < self._safe_until:
            return self._token
        assert self._failure is not None
        raise self._failure

    # --- lifetime --------------------------------------------------------------------------

    async def aclose(self) -> None:
        """Forget the token and close the exchange's connection pool (if the credential
        made it)."""
        async with self._lock:
            self._closed = True
            self._token = None
            if self._owns_http and self._http is not None:
                await self._http.aclose()

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        await self.aclose()
