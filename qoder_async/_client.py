"""AsyncQoder: the client. It owns the HTTP connection pool, the token and the retry loop."""

from __future__ import annotations

import logging
import os
import platform
import sys
import uuid
from collections.abc import AsyncIterable, AsyncIterator, Callable, Mapping, Sequence
from contextlib import asynccontextmanager
from functools import cached_property
from typing import TYPE_CHECKING, Any, Literal
from urllib.parse import quote, urlsplit

import anyio
import httpx

from ._closing import AsyncCloseable
from ._config import (
    DEFAULT_MAX_EVENT_SIZE,
    DEFAULT_STREAM_IDLE_TIMEOUT,
    DEFAULT_TIMEOUT,
    NOT_GIVEN,
    NotGiven,
    RetryPolicy,
    should_retry,
)
from ._errors import (
    APIConnectionError,
    APITimeoutError,
    InvalidInputError,
    MissingTokenError,
    status_error,
)
from ._version import __version__

if TYPE_CHECKING:
    from ._session import AsyncSession
    from .resources import Agents, Environments, Files, Models, Sessions

__all__ = ["AsyncQoder"]

logger = logging.getLogger("qoder_async")

DEFAULT_BASE_URL = "https://api.qoder.com/api/v1/cloud"
TOKEN_ENV_VARS = ("QODER_ACCESS_TOKEN", "QODER_PAT")

_USER_AGENT = (
    f"qoder-async/{__version__} python/{platform.python_version()} httpx/{httpx.__version__}"
)


def _check_base_url(url: str) -> str:
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise InvalidInputError(f"base_url must be an absolute http(s) URL, got {url!r}")
    if parts.username or parts.password or parts.query or parts.fragment:
        raise InvalidInputError("base_url must not carry credentials, a query or a fragment")
    return url.rstrip("/")


def _transport(name: str) -> httpx.AsyncBaseTransport | None:
    """The transport named by ``AsyncQoder(transport=...)``; None is httpx's own."""
    if name == "httpx":
        return None
    if name != "aiohttp":
        raise InvalidInputError(f"transport must be 'httpx' or 'aiohttp', got {name!r}")
    try:
        import aiohttp
        from httpx_aiohttp import AiohttpTransport
    except ImportError as exc:
        raise InvalidInputError(
            "transport='aiohttp' needs the aiohttp extra: pip install 'qoder-async[aiohttp]'"
        ) from exc
    # aiohttp's pool holds 100 connections unless told otherwise; every open stream holds one.
    return _AsyncioOnly(
        AiohttpTransport(
            client=lambda: aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=0))
        )
    )


def _running_on_trio() -> bool:
    trio = sys.modules.get("trio")  # never imported here: if absent, this is not trio
    if trio is None:
        return False
    try:
        trio.lowlevel.current_task()
    except RuntimeError:
        return False
    return True


class _AsyncioOnly(httpx.AsyncBaseTransport):
    """A transport that runs on asyncio only, saying so plainly elsewhere (aiohttp on trio
    would fail with "no running event loop")."""

    def __init__(self, inner: httpx.AsyncBaseTransport) -> None:
        self._inner = inner

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        if _running_on_trio():
            raise InvalidInputError(
                "transport='aiohttp' runs on asyncio only; on trio use the default transport"
            )
        return await self._inner.handle_async_request(request)

    async def aclose(self) -> None:
        await self._inner.aclose()


def path_segment(value: str, name: str = "id") -> str:
    """Check an id used in a URL path and percent-encode it as one segment."""
    if not isinstance(value, str) or value in ("", ".", "..") or "/" in value:
        raise InvalidInputError(f"{name} {value!r} is not a valid id")
    return quote(value, safe="")


class AsyncQoder(AsyncCloseable):
    """The asynchronous client of the Qoder Cloud Agents API.

    Args:
        token: a Personal Access Token; else ``QODER_ACCESS_TOKEN``, then ``QODER_PAT``.
        base_url: else ``QODER_BASE_URL``, else ``https://api.qoder.com/api/v1/cloud``.
        timeout: seconds, or an ``httpx.Timeout`` with connect/read/write/pool values.
        max_retries: retries after a failed attempt (so ``max_retries + 1`` attempts).
        http_client: an ``httpx.AsyncClient`` to use (its pool is shared, not closed by us).
        transport: ``"httpx"`` (the default, on asyncio and trio) or ``"aiohttp"``: httpx's
            API over aiohttp's C HTTP parser (the ``aiohttp`` extra, asyncio only), which
            costs less CPU per network read; it pays off with hundreds of open streams.
        stream_idle_timeout: seconds an event stream may stay silent before it reconnects.
        max_event_size: the longest event (or line) a stream accepts, in bytes (16 MiB by
            default); a longer one ends the stream with :class:`EventTooLargeError`, so a
            server that never ends an event cannot fill memory.
        retry_policy: backoff settings (``RetryPolicy.instant()`` in tests).
        workspace_id: sent as ``qoder-workspace-id``.
        betas: beta features to opt into (``x-qoder-beta``).
        default_headers: extra headers sent with every request.

    Use it as ``async with AsyncQoder() as client:`` or call :meth:`aclose`.

    Raises:
        MissingTokenError: no token given and none in the environment.
        InvalidInputError: ``base_url`` is not an absolute http(s) URL.
    """

    def __init__(
        self,
        token: str | None = None,
        base_url: str | None = None,
        *,
        timeout: float | httpx.Timeout = DEFAULT_TIMEOUT,
        max_retries: int = 2,
        http_client: httpx.AsyncClient | None = None,
        transport: Literal["httpx", "aiohttp"] = "httpx",
        stream_idle_timeout: float = DEFAULT_STREAM_IDLE_TIMEOUT,
        max_event_size: int = DEFAULT_MAX_EVENT_SIZE,
        retry_policy: RetryPolicy | None = None,
        workspace_id: str | None = None,
        betas: tuple[str, ...] = (),
        default_headers: Mapping[str, str] | None = None,
    ) -> None:
        token = token or next((os.environ[v] for v in TOKEN_ENV_VARS if os.environ.get(v)), None)
        if not token:
            raise MissingTokenError(
                "No access token. Pass AsyncQoder(token=...) or set QODER_ACCESS_TOKEN "
                "(or QODER_PAT); create one at https://qoder.com/account/integrations."
            )
        self._token = token
        self.base_url = _check_base_url(
            base_url or os.environ.get("QODER_BASE_URL") or DEFAULT_BASE_URL
        )
        self.timeout = timeout if isinstance(timeout, httpx.Timeout) else httpx.Timeout(timeout)
        if max_retries < 0:
            raise InvalidInputError("max_retries must be >= 0")
        self.max_retries = max_retries
        self.stream_idle_timeout = stream_idle_timeout
        if max_event_size < 1:
            raise InvalidInputError("max_event_size must be >= 1")
        self.max_event_size = max_event_size
        self.retry_policy = retry_policy or RetryPolicy()
        self.workspace_id = workspace_id
        self.betas = tuple(betas)
        self._extra_headers = dict(default_headers or {})
        if http_client is not None and transport != "httpx":
            raise InvalidInputError("pass either http_client or transport, not both")
        self._owns_http = http_client is None
        self._http = http_client or httpx.AsyncClient(
            # Every open event stream holds a connection: the pool must not cap them.
            limits=httpx.Limits(max_connections=None, max_keepalive_connections=100),
            timeout=self.timeout,
            transport=_transport(transport),
        )

    def __repr__(self) -> str:
        return f"AsyncQoder(base_url={self.base_url!r}, max_retries={self.max_retries})"

    # --- resources -----------------------------------------------------------------------

    @cached_property
    def agents(self) -> Agents:
        """Agents: create, list, retrieve, update, archive, versions."""
        from .resources import Agents

        return Agents(self)

    @cached_property
    def sessions(self) -> Sessions:
        """Sessions, their events, resources and threads."""
        from .resources import Sessions

        return Sessions(self)

    @cached_property
    def environments(self) -> Environments:
        """Environments: where sessions run."""
        from .resources import Environments

        return Environments(self)

    @cached_property
    def files(self) -> Files:
        """Files: upload, list, metadata, download, delete."""
        from .resources import Files

        return Files(self)

    @cached_property
    def models(self) -> Models:
        """Models agents can use."""
        from .resources import Models

        return Models(self)

    def session(self, session_id: str) -> AsyncSession:
        """An :class:`AsyncSession` bound to an existing session; sends no request."""
        from ._session import AsyncSession

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
    ) -> AsyncQoder:
        """A client with other options that shares this one's connection pool.

        ``await client.with_options(max_retries=0).agents.create(...)``. Closing the copy does
        not close the pool; closing the original does.
        """
        clone = object.__new__(AsyncQoder)
        clone.__dict__.update(
            {k: v for k, v in self.__dict__.items() if k not in _CACHED_RESOURCES}
        )
        clone._owns_http = False
        if not isinstance(timeout, NotGiven):
            clone.timeout = (
                timeout if isinstance(timeout, httpx.Timeout) else httpx.Timeout(timeout)
            )
        if not isinstance(max_retries, NotGiven):
            clone.max_retries = max_retries
        if not isinstance(stream_idle_timeout, NotGiven):
            clone.stream_idle_timeout = stream_idle_timeout
        if not isinstance(retry_policy, NotGiven):
            clone.retry_policy = retry_policy
        if not isinstance(default_headers, NotGiven):
            clone._extra_headers = {**self._extra_headers, **default_headers}
        return clone

    async def aclose(self) -> None:
        """Close the connection pool (unless it was passed in as ``http_client``)."""
        if self._owns_http:
            await self._http.aclose()

    # --- the HTTP layer ----------------------------------------------------------------------

    def _url(self, path: str) -> str:
        return self.base_url + path

    def _headers(self, extra: Mapping[str, str] | None = None) -> dict[str, str]:
        headers = {
            "Authorization": f"Bearer {self._token}",
            "Accept": "application/json",
            "User-Agent": _USER_AGENT,
            **self._extra_headers,
        }
        if self.workspace_id:
            headers["qoder-workspace-id"] = self.workspace_id
        if self.betas:
            headers["x-qoder-beta"] = ",".join(self.betas)
        if extra:
            headers.update(extra)
        return headers

    async def request(
        self,
        method: str,
        path: str,
        *,
        params: Sequence[tuple[str, str]] = (),
        json: Any = None,
        files: Any = None,
        data: Mapping[str, Any] | None = None,
        content: Callable[[], AsyncIterable[bytes]] | None = None,
        headers: Mapping[str, str] | None = None,
        idempotency_key: str | None = None,
        stream: bool = False,
    ) -> httpx.Response:
        """Send a request with retries; return the successful response (body read).

        Every POST carries an ``Idempotency-Key`` (the caller's, or one made here), the same on
        every retry, which makes the write safe to retry. ``content`` streams the body: it is
        called once per attempt for the body's bytes from the start. With ``stream=True`` a
        successful response is returned with its body unread: the caller must close it.

        Raises:
            APIStatusError: (a subclass per status) the API answered with an error.
            APIConnectionError / APITimeoutError: no answer after the retries.
        """
        extra = dict(headers or {})
        if method == "POST" and "Idempotency-Key" not in extra:
            extra["Idempotency-Key"] = idempotency_key or str(uuid.uuid4())
        safe = method in ("GET", "HEAD") or "Idempotency-Key" in extra
        retries = 0
        while True:
            extra["X-Qoder-Retry-Count"] = str(retries)
            request = self._http.build_request(
                method,
                self._url(path),
                params=tuple(params),
                json=json,
                files=files,
                data=data,
                content=content() if content is not None else None,
                headers=self._headers(extra),
                timeout=self.timeout,
            )
            try:
                response = await self._http.send(request, stream=stream)
                if not (stream and response.is_success):
                    await response.aread()
            except httpx.TransportError as exc:
                if retries < self.max_retries and should_retry(
                    safe=safe, status=None, headers=None
                ):
                    await self._backoff(retries, None, f"{type(exc).__name__}", method, path)
                    retries += 1
                    continue
                error_cls = (
                    APITimeoutError
                    if isinstance(exc, httpx.TimeoutException)
                    else APIConnectionError
                )
                raise error_cls(
                    f"{method} {path} failed: {type(exc).__name__}: {exc}",
                    request=request,
                    retries=retries,
                ) from exc
            if response.is_success:
                return response
            if retries < self.max_retries and should_retry(
                safe=safe, status=response.status_code, headers=response.headers
            ):
                await self._backoff(
                    retries, response.headers, str(response.status_code), method, path
                )
                retries += 1
                continue
            raise status_error(response, retries=retries)

    async def _backoff(
        self, retry: int, headers: httpx.Headers | None, why: str, method: str, path: str
    ) -> None:
        delay = self.retry_policy.request_delay(retry, headers)
        logger.info(
            "retrying %s %s in %.2fs after %s (retry %d)", method, path, delay, why, retry + 1
        )
        await anyio.sleep(delay)

    @asynccontextmanager
    async def stream_response(
        self,
        path: str,
        *,
        params: Sequence[tuple[str, str]] = (),
        headers: Mapping[str, str] | None = None,
        idle_timeout: float | None = None,
    ) -> AsyncIterator[httpx.Response]:
        """Open one SSE connection; the response's headers are received, its body is not.

        The read timeout is the stream's idle timeout: a silence longer than that raises
        ``httpx.ReadTimeout`` from the body iterator. An error status is raised as
        :class:`APIStatusError` with its body read.
        """
        timeout = httpx.Timeout(
            connect=self.timeout.connect,
            read=idle_timeout if idle_timeout is not None else self.stream_idle_timeout,
            write=self.timeout.write,
            pool=self.timeout.pool,
        )
        request = self._http.build_request(
            "GET",
            self._url(path),
            params=tuple(params),
            headers=self._headers({"Accept": "text/event-stream", **(headers or {})}),
            timeout=timeout,
        )
        response = await self._http.send(request, stream=True)
        try:
            if not response.is_success:
                await response.aread()
                raise status_error(response)
            yield response
        finally:
            await response.aclose()


_CACHED_RESOURCES = frozenset({"agents", "sessions", "environments", "files", "models"})
