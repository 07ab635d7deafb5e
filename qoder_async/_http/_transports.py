"""Transports: httpx's own, or httpx's API over aiohttp's C HTTP parser (asyncio only)."""

from __future__ import annotations

import asyncio  # this transport is asyncio's only; nothing else in the library imports it

import httpx

from .._errors import InvalidInputError

__all__ = ["aiohttp_transport"]


def aiohttp_transport() -> httpx.AsyncBaseTransport:
    """httpx's API over aiohttp's C HTTP parser: less CPU per network read, which pays off
    with hundreds of open streams (``benchmarks/RESULTS.md``). Needs the ``aiohttp`` extra;
    runs on asyncio only and says so plainly on trio.

    ``qa.AsyncQoder(transport=qa.aiohttp_transport())``

    Raises:
        InvalidInputError: the ``aiohttp`` extra is not installed.
    """
    try:
        import aiohttp
        from httpx_aiohttp import AiohttpTransport
    except ImportError as exc:
        raise InvalidInputError(
            "the aiohttp transport needs the aiohttp extra: pip install 'qoder-async[aiohttp]'"
        ) from exc
    # aiohttp's pool holds 100 connections unless told otherwise; every open stream holds one.
    return _AsyncioOnly(
        AiohttpTransport(
            client=lambda: aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=0))
        )
    )


class _AsyncioOnly(httpx.AsyncBaseTransport):
    """A transport that runs on asyncio only, saying so plainly elsewhere (aiohttp on trio
    would fail with "no running event loop")."""

    def __init__(self, inner: httpx.AsyncBaseTransport) -> None:
        self._inner = inner

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        try:
            asyncio.get_running_loop()
        except RuntimeError:
            raise InvalidInputError(
                "the aiohttp transport runs on asyncio only; on trio use the default transport"
            ) from None
        return await self._inner.handle_async_request(request)

    async def aclose(self) -> None:
        await self._inner.aclose()
