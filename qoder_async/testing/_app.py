"""Assembly of the ASGI application."""

from __future__ import annotations

from typing import TYPE_CHECKING

from starlette.applications import Starlette
from starlette.responses import PlainTextResponse
from starlette.routing import BaseRoute

from . import (
    _api_agents,
    _api_environments,
    _api_events,
    _api_files,
    _api_models,
    _api_resources,
    _api_sessions,
    _api_threads,
)
from ._core import Core
from ._gateway import Gateway

if TYPE_CHECKING:
    from starlette.types import Receive, Scope, Send

__all__ = ["build_app"]


async def _page_not_found(scope: Scope, receive: Receive, send: Send) -> None:
    # Unknown routes answer like the real gateway: plain text, not the JSON envelope.
    await PlainTextResponse("404 page not found", status_code=404)(scope, receive, send)


def build_app(core: Core) -> Gateway:
    """The emulator's ASGI app: the gateway in front of every endpoint router."""
    prefix = core.base_path
    routes: list[BaseRoute] = [
        *_api_agents.routes(prefix),
        *_api_environments.routes(prefix),
        *_api_sessions.routes(prefix),
        *_api_events.routes(prefix, core),
        *_api_resources.routes(prefix),
        *_api_files.routes(prefix),
        *_api_threads.routes(prefix, core),
        *_api_models.routes(prefix),
        *_api_files.storage_routes(),
    ]
    app = Starlette(routes=routes)
    app.router.redirect_slashes = False
    app.router.default = _page_not_found
    app.state.core = core
    return Gateway(app, core)
