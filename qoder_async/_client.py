"""AsyncQoder: the client. It reads the settings, builds the HTTP core and wires the
resources to it; the work itself happens in the layers below."""

from __future__ import annotations

import os
from collections.abc import Mapping
from functools import cached_property
from typing import TYPE_CHECKING, Literal

import httpx

from ._auth import REGIONS, RegionName, check_region
from ._closing import AsyncCloseable
from ._config import (
    DEFAULT_MAX_EVENT_SIZE,
    DEFAULT_STREAM_IDLE_TIMEOUT,
    DEFAULT_TIMEOUT,
    NOT_GIVEN,
    NotGiven,
    RetryPolicy,
)
from ._errors import InvalidInputError, MissingTokenError
from ._http._auth import TokenSource
from ._http._core import HTTPCore
from ._http._headers import check_header, checked_headers
from ._http._transports import aiohttp_transport
from ._http._urls import DEFAULT_BASE_URL, check_base_url, path_segment
from ._telemetry import Telemetry
from .resources import (
    Agents,
    DeploymentRuns,
    Deployments,
    Dreams,
    Environments,
    Files,
    MemoryStores,
    Models,
    Sessions,
    Skills,
    Vaults,
)
from .resources._session import AsyncSession

if TYPE_CHECKING:
    from opentelemetry.metrics import MeterProvider
    from opentelemetry.trace import TracerProvider
    from typing_extensions import Self

__all__ = ["AsyncQoder"]

TOKEN_ENV_VARS = ("QODER_ACCESS_TOKEN", "QODER_PAT")


def _timeout(timeout: float | httpx.Timeout) -> httpx.Timeout:
    return timeout if isinstance(timeout, httpx.Timeout) else httpx.Timeout(timeout)


def _transport(
    transport: httpx.AsyncBaseTransport | Literal["httpx", "aiohttp"] | None,
) -> httpx.AsyncBaseTransport | None:
    if transport is None or transport == "httpx":
        return None
    if transport == "aiohttp":
        return aiohttp_transport()
    if not isinstance(transport, httpx.AsyncBaseTransport):
        raise InvalidInputError(
            f"transport must be an httpx.AsyncBaseTransport, got {type(transport).__name__}"
        )
    return transport


def _region_base_url(region: object) -> str | None:
    """The API's base URL in ``region`` (``None`` for none)."""
    if region is None:
        return None
    return REGIONS[check_region(expected=str(region)) or "global"].base_url


class AsyncQoder(AsyncCloseable):
    """The asynchronous client of the Qoder Cloud Agents API.

    Args:
        token: a Personal Access Token; else ``QODER_ACCESS_TOKEN``, then ``QODER_PAT``. Or
            a token provider, asked before every attempt (each retry, each stream reconnect):
            a callable or async callable returning the current token, or a credential such
            as :class:`ServiceAccountCredential`.
        base_url: else the one of ``region``, else ``QODER_BASE_URL``, else the one of the
            credential's region, else ``https://api.qoder.com/api/v1/cloud``.
        region: ``"global"`` or ``"cn"``; by default the credential's region, else Global.
            The region, the base URL and the credential's exchange must agree.
        timeout: seconds, or an ``httpx.Timeout`` with connect/read/write/pool values.
        max_retries: retries after a failed attempt (so ``max_retries + 1`` attempts).
        http_client: an ``httpx.AsyncClient`` to use (its pool is shared, not closed by us).
        transport: an ``httpx.AsyncBaseTransport`` for the client's pool; by default httpx's
            own (asyncio and trio). :func:`aiohttp_transport` gives httpx's API over
            aiohttp's C HTTP parser (the ``aiohttp`` extra, asyncio only), which costs less
            CPU per network read and pays off with hundreds of open streams;
            ``transport="aiohttp"`` is a short form of it.
        stream_idle_timeout: seconds an event stream may stay silent before it reconnects.
        max_event_size: the longest event (or line) a stream accepts, in bytes (16 MiB by
            default); a longer one ends the stream with :class:`EventTooLargeError`, so a
            server that never ends an event cannot fill memory.
        retry_policy: backoff settings (``RetryPolicy.instant()`` in tests).
        workspace_id: sent as ``qoder-workspace-id``.
        betas: beta features to opt into (``x-qoder-beta``).
        default_headers: extra headers sent with every request.
        tracer_provider: where the OpenTelemetry spans go (``invoke_agent`` per turn,
            ``create_agent``, ``execute_tool``); by default the global provider, which
            records nothing until the application configures an SDK. Needs the ``otel``
            extra; without it nothing is recorded.
        meter_provider: where the ``gen_ai.client.*`` histograms go; by default the global
            provider.

    Use it as ``async with AsyncQoder() as client:`` or call :meth:`aclose`.

    Raises:
        MissingTokenError: no token given and none in the environment.
        InvalidInputError: ``base_url`` is not an absolute http(s) URL, a header value
            (the token, ``workspace_id``, ``betas``, ``default_headers``) cannot be sent, or
            the region, the base URL and the credential name different regions.
    """

    def __init__(
        self,
        token: TokenSource | None = None,
        base_url: str | None = None,
        *,
        region: RegionName | None = None,
        timeout: float | httpx.Timeout = DEFAULT_TIMEOUT,
        max_retries: int = 2,
        http_client: httpx.AsyncClient | None = None,
        transport: httpx.AsyncBaseTransport | Literal["httpx", "aiohttp"] | None = None,
        stream_idle_timeout: float = DEFAULT_STREAM_IDLE_TIMEOUT,
        max_event_size: int = DEFAULT_MAX_EVENT_SIZE,
        retry_policy: RetryPolicy | None = None,
        workspace_id: str | None = None,
        betas: tuple[str, ...] = (),
        default_headers: Mapping[str, str] | None = None,
        tracer_provider: TracerProvider | None = None,
        meter_provider: MeterProvider | None = None,
    ) -> None:
        token = token or next((os.environ[v] for v in TOKEN_ENV_VARS if os.environ.get(v)), None)
        if not token:
            raise MissingTokenError(
                "No access token. Pass AsyncQoder(token=...) or set QODER_ACCESS_TOKEN "
                "(or QODER_PAT); create one at https://qoder.com/account/integrations."
            )
        if isinstance(token, str):
            check_header("Authorization", token)
        base_url = check_base_url(
            base_url
            or _region_base_url(region)
            or os.environ.get("QODER_BASE_URL")
            or _region_base_url(getattr(token, "region", None))
            or DEFAULT_BASE_URL
        )
        exchange_url = getattr(token, "exchange_url", None)
        check_region(
            ("base_url", base_url),
            *(
                [("the credential's exchange_url", exchange_url)]
                if isinstance(exchange_url, str)
                else []
            ),
            expected=region or getattr(token, "region", None),
        )
        if max_retries < 0:
            raise InvalidInputError("max_retries must be >= 0")
        if max_event_size < 1:
            raise InvalidInputError("max_event_size must be >= 1")
        if workspace_id is not None:
            check_header("qoder-workspace-id", workspace_id)
        if http_client is not None and transport not in (None, "httpx"):
            raise InvalidInputError("pass either http_client or transport, not both")
        timeout = _timeout(timeout)
        self._http = HTTPCore(
            # Every open event stream holds a connection: the pool must not cap them.
            http=http_client
            or httpx.AsyncClient(
                limits=httpx.Limits(max_connections=None, max_keepalive_connections=100),
                timeout=timeout,
                transport=_transport(transport),
            ),
            owns_pool=http_client is None,
            token=token,
            base_url=base_url,
            timeout=timeout,
            max_retries=max_retries,
            stream_idle_timeout=stream_idle_timeout,
            max_event_size=max_event_size,
            retry_policy=retry_policy or RetryPolicy(),
            workspace_id=workspace_id,
            betas=tuple(check_header("x-qoder-beta", beta) for beta in betas),
            extra_headers=checked_headers(default_headers or {}),
            telemetry=Telemetry(
                tracer_provider=tracer_provider, meter_provider=meter_provider, base_url=base_url
            ),
        )

    def __repr__(self) -> str:
        return f"AsyncQoder(base_url={self.base_url!r}, max_retries={self.max_retries})"

    # --- settings ------------------------------------------------------------------------

    @property
    def base_url(self) -> str:
        """The API's base URL, without a final slash."""
        return self._http.base_url

    @property
    def timeout(self) -> httpx.Timeout:
        """The timeouts of every request."""
        return self._http.timeout

    @property
    def max_retries(self) -> int:
        """Retries after a failed attempt."""
        return self._http.max_retries

    @property
    def stream_idle_timeout(self) -> float:
        """Seconds an event stream may stay silent before it reconnects."""
        return self._http.stream_idle_timeout

    @property
    def retry_policy(self) -> RetryPolicy:
        """The backoff settings."""
        return self._http.retry_policy

    @property
    def workspace_id(self) -> str | None:
        """Sent as ``qoder-workspace-id``."""
        return self._http.workspace_id

    @property
    def betas(self) -> tuple[str, ...]:
        """Beta features opted into (``x-qoder-beta``)."""
        return self._http.betas

    # --- resources -----------------------------------------------------------------------

    @cached_property
    def agents(self) -> Agents:
        """Agents: create, list, retrieve, update, archive, versions."""
        return Agents(self._http)

    @cached_property
    def sessions(self) -> Sessions:
        """Sessions, their events, resources and threads."""
        return Sessions(self._http)

    @cached_property
    def environments(self) -> Environments:
        """Environments: where sessions run."""
        return Environments(self._http)

    @cached_property
    def files(self) -> Files:
        """Files: upload, list, metadata, download, delete."""
        return Files(self._http)

    @cached_property
    def models(self) -> Models:
        """Models agents can use."""
        return Models(self._http)

    @cached_property
    def skills(self) -> Skills:
        """Skills: upload, list, retrieve, delete; versions and their content."""
        return Skills(self._http)

    @cached_property
    def deployments(self) -> Deployments:
        """Deployments: an agent run on a schedule or on demand; their runs."""
        return Deployments(self._http)

    @cached_property
    def deployment_runs(self) -> DeploymentRuns:
        """The runs of every deployment."""
        return DeploymentRuns(self._http)

    @cached_property
    def dreams(self) -> Dreams:
        """Dreams: memory-consolidation jobs."""
        return Dreams(self._http)

    @cached_property
    def vaults(self) -> Vaults:
        """Vaults and their credentials (for MCP servers and sandboxes)."""
        return Vaults(self._http)

    @cached_property
    def memory_stores(self) -> MemoryStores:
        """Memory stores, their memories and memory versions."""
        return MemoryStores(self._http)

    def session(self, session_id: str) -> AsyncSession:
        """An :class:`AsyncSession` bound to an existing session; sends no request."""
        path_segment(session_id, "session_id")
        return AsyncSession(self, session_id)

    # --- options and lifetime --------------------------------------------------------------

    def with_options(
        self,
        *,
        timeout: float | httpx.Timeout | NotGiven = NOT_GIVEN,
        max_retries: int | NotGiven = NOT_GIVEN,
        stream_idle_timeout: float | NotGiven = NOT_GIVEN,
        retry_policy: RetryPolicy | NotGiven = NOT_GIVEN,
        default_headers: Mapping[str, str] | NotGiven = NOT_GIVEN,
    ) -> Self:
        """A client with other options that shares this one's connection pool.

        ``await client.with_options(max_retries=0).agents.create(...)``. Closing the copy does
        not close the pool; closing the original does.
        """
        http = self._http
        return type(self)(
            http.token,
            http.base_url,
            timeout=http.timeout if isinstance(timeout, NotGiven) else timeout,
            max_retries=http.max_retries if isinstance(max_retries, NotGiven) else max_retries,
            http_client=http.http,
            max_event_size=http.max_event_size,
            stream_idle_timeout=(
                http.stream_idle_timeout
                if isinstance(stream_idle_timeout, NotGiven)
                else stream_idle_timeout
            ),
            retry_policy=http.retry_policy if isinstance(retry_policy, NotGiven) else retry_policy,
            workspace_id=http.workspace_id,
            betas=http.betas,
            default_headers=(
                http.extra_headers
                if isinstance(default_headers, NotGiven)
                else {**http.extra_headers, **default_headers}
            ),
            tracer_provider=http.telemetry.tracer_provider,
            meter_provider=http.telemetry.meter_provider,
        )

    async def aclose(self) -> None:
        """Close the connection pool (unless it was passed in as ``http_client``).

        Afterwards every request raises :class:`ClientClosedError`, and so do the streams
        that were open.
        """
        await self._http.aclose()

    @property
    def is_closed(self) -> bool:
        """Whether :meth:`aclose` was called (or the shared connection pool was closed)."""
        return self._http.is_closed
