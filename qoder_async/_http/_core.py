"""HTTPCore: every request to the API, with its headers, retries and error mapping.

The resources and the streams talk to the API through this one object; the client builds
it and wires it to them. It owns no policy of its own beyond the API's rules (§2.3): what to
retry is :func:`should_retry`, how long to wait is the :class:`RetryPolicy`.
"""

from __future__ import annotations

import logging
import platform
import uuid
from collections.abc import AsyncIterable, AsyncIterator, Callable, Mapping, Sequence
from contextlib import asynccontextmanager
from typing import Any

import anyio
import httpx
from attrs import define, evolve, field

from .._config import DEFAULT_MAX_EVENT_SIZE, RetryPolicy, should_retry
from .._errors import (
    APIConnectionError,
    APITimeoutError,
    ClientClosedError,
    status_error,
    unexpected_response,
)
from .._telemetry import Telemetry
from .._version import __version__
from ._auth import TokenSource, current_token, token_rejected
from ._bodies import read_body, stream_preview
from ._headers import check_header, checked_headers

__all__ = ["HTTPCore"]

logger = logging.getLogger("qoder_async")

USER_AGENT = (
    f"qoder-async/{__version__} python/{platform.python_version()} httpx/{httpx.__version__}"
)


@define(kw_only=True)
class HTTPCore:
    """The connection pool, the token and the options every request is sent with.

    ``token`` is a string or a token provider (see :mod:`._auth`), asked before every
    attempt; ``telemetry`` is where spans and metrics go (retries are events on the
    current span). ``copy(**changes)`` gives a core with other options over the same pool; only
    the core that ``owns_pool`` closes it.
    """

    http: httpx.AsyncClient
    owns_pool: bool
    token: TokenSource = field(repr=False)
    base_url: str
    timeout: httpx.Timeout
    max_retries: int
    stream_idle_timeout: float
    max_event_size: int = DEFAULT_MAX_EVENT_SIZE
    retry_policy: RetryPolicy
    workspace_id: str | None = None
    betas: tuple[str, ...] = ()
    extra_headers: dict[str, str] = field(factory=dict)
    telemetry: Telemetry = field(factory=Telemetry, repr=False)
    _closed: bool = field(default=False, init=False, repr=False)

    def copy(self, **changes: Any) -> HTTPCore:
        """The same pool with other options; closing the copy leaves the pool open."""
        return evolve(self, owns_pool=False, **changes)

    # --- lifetime ------------------------------------------------------------------------

    async def aclose(self) -> None:
        """Refuse every request from now on; close the pool if this core owns it."""
        self._closed = True
        if self.owns_pool:
            await self.http.aclose()

    @property
    def is_closed(self) -> bool:
        """Whether this core was closed, or the pool it shares was."""
        return self._closed or self.http.is_closed

    def _check_open(self, method: str, path: str) -> None:
        if self.is_closed:
            raise ClientClosedError(f"{method} {path}: the client is closed")

    # --- requests ------------------------------------------------------------------------

    def url(self, path: str) -> str:
        """The absolute URL of an API path (``/agents``)."""
        return self.base_url + path

    async def current_token(self) -> str:
        """The token to send on the next attempt (a provider is asked each time).

        Raises:
            InvalidInputError: the provider's token cannot be sent in a header.
            QoderError: whatever the provider raised (a failed service-account exchange).
        """
        return check_header("Authorization", await current_token(self.token))

    def headers(
        self, extra: Mapping[str, str | bytes] | None = None, *, token: str
    ) -> httpx.Headers:
        """The headers of one attempt: auth, identification, workspace, betas, ``extra``."""
        headers: dict[str, str | bytes] = {
            "Authorization": f"Bearer {token}",
            "Accept": "application/json",
            "User-Agent": USER_AGENT,
            **self.extra_headers,
        }
        if self.workspace_id:
            headers["qoder-workspace-id"] = self.workspace_id
        if self.betas:
            headers["x-qoder-beta"] = ",".join(self.betas)
        if extra:
            headers.update(checked_headers(extra))
        # Checked above: str values are ASCII; bytes values are an event id in UTF-8.
        return httpx.Headers(
            [
                (name.encode(), value if isinstance(value, bytes) else value.encode())
                for name, value in headers.items()
            ]
        )

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
        every retry, which makes the write safe to retry. The token is asked for before each
        attempt; when the API answers 401 to a token its credential says has expired (see
        :func:`token_rejected`), the request is sent once more with a fresh token: a 401 means
        nothing was done, so this is safe for any method. ``content`` streams the body: it is
        called once per attempt for the body's bytes from the start. With ``stream=True`` a
        successful response is returned with its body unread: the caller must close it.

        Raises:
            APIStatusError: (a subclass per status) the API answered with an error.
            UnexpectedResponseError: the body could not be decoded (a corrupt gzip body).
            APIConnectionError / APITimeoutError: no answer after the retries.
            ClientClosedError: the client is closed.
            InvalidInputError: a header value (``idempotency_key``) cannot be sent.
        """
        self._check_open(method, path)
        extra = dict(headers or {})
        if method == "POST" and "Idempotency-Key" not in extra:
            extra["Idempotency-Key"] = idempotency_key or str(uuid.uuid4())
        safe = method in ("GET", "HEAD") or "Idempotency-Key" in extra
        retries = 0
        renewed = False
        while True:
            extra["X-Qoder-Retry-Count"] = str(retries)
            token = await self.current_token()
            request = self.http.build_request(
                method,
                self.url(path),
                params=tuple(params),
                json=json,
                files=files,
                data=data,
                content=content() if content is not None else None,
                headers=self.headers(extra, token=token),
                timeout=self.timeout,
            )
            try:
                response = await self._send(request)  # read below, where a decoding error is ours
                if not (stream and response.is_success):
                    await read_body(response)
            except httpx.TransportError as exc:
                self._check_open(method, path)
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
            if response.status_code == 401 and not renewed and token_rejected(self.token, token):
                logger.info("%s %s: the token expired; sending again with a new one", method, path)
                renewed = True
                continue
            if retries < self.max_retries and should_retry(
                safe=safe, status=response.status_code, headers=response.headers
            ):
                await self._backoff(
                    retries, response.headers, str(response.status_code), method, path
                )
                retries += 1
                continue
            raise status_error(response, retries=retries)

    async def _send(self, request: httpx.Request) -> httpx.Response:
        """Send; the body is left unread."""
        try:
            return await self.http.send(request, stream=True)
        except RuntimeError:
            # httpx's "Cannot send a request, as the client has been closed."
            self._check_open(request.method, request.url.path)
            raise

    async def _backoff(
        self, retry: int, headers: httpx.Headers | None, why: str, method: str, path: str
    ) -> None:
        delay = self.retry_policy.request_delay(retry, headers)
        logger.info(
            "retrying %s %s in %.2fs after %s (retry %d)", method, path, delay, why, retry + 1
        )
        self.telemetry.retry(method, path, retry, delay, why)
        await anyio.sleep(delay)

    # --- streams -------------------------------------------------------------------------

    @asynccontextmanager
    async def stream_response(
        self,
        path: str,
        *,
        params: Sequence[tuple[str, str]] = (),
        headers: Mapping[str, str | bytes] | None = None,
        idle_timeout: float | None = None,
    ) -> AsyncIterator[httpx.Response]:
        """Open one SSE connection; the response's headers are received, its body is not.

        The read timeout is the stream's idle timeout: a silence longer than that raises
        ``httpx.ReadTimeout`` from the body iterator. An error status is raised as
        :class:`APIStatusError` with its body read; a success that is not
        ``text/event-stream`` as :class:`UnexpectedResponseError` (never retried), and so is
        a body that cannot be decoded. Once the client is closed, :class:`ClientClosedError`.
        The token is asked for on every connection (so every reconnect), and a 401 to an
        expired credential's token is tried once more with a fresh one.
        """
        timeout = httpx.Timeout(
            connect=self.timeout.connect,
            read=idle_timeout if idle_timeout is not None else self.stream_idle_timeout,
            write=self.timeout.write,
            pool=self.timeout.pool,
        )
        self._check_open("GET", path)
        extra = {"Accept": "text/event-stream", **(headers or {})}
        renewed = False
        while True:
            token = await self.current_token()
            request = self.http.build_request(
                "GET",
                self.url(path),
                params=tuple(params),
                headers=self.headers(extra, token=token),
                timeout=timeout,
            )
            try:
                response = await self._send(request)
            except httpx.TransportError:
                self._check_open("GET", path)
                raise
            if response.status_code == 401 and not renewed and token_rejected(self.token, token):
                await response.aclose()
                renewed = True
                continue
            break
        try:
            if not response.is_success:
                await read_body(response)
                raise status_error(response)
            kind = response.headers.get("content-type", "").split(";")[0].strip().lower()
            if kind != "text/event-stream":
                shown = await stream_preview(response)
                raise unexpected_response(response, "an event stream", body_preview=shown)
            try:
                yield response
            except httpx.DecodingError as exc:
                raise unexpected_response(
                    response, "an event stream", why=f"{exc}", body_preview=""
                ) from exc
            except httpx.TransportError:
                self._check_open("GET", path)
                raise
        finally:
            await response.aclose()
