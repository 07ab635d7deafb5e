"""Assembly of the ASGI application."""

from __future__ import annotations

from typing import TYPE_CHECKING

from starlette.applications import Starlette
from starlette.responses import PlainTextResponse

from ._core import Core
from ._gateway import Gateway
from .routes import api_routes

if TYPE_CHECKING:
    from starlette.types import Receive, Scope, Send

__all__ = ["build_app"]


async def _page_not_found(scope: Scope, receive: Receive, send: Send) -> None:
    # Unknown routes answer like the real gateway: plain text, not the JSON envelope.
    await PlainTextResponse("404 page not found", status_code=404)(scope, receive, send)


def build_app(core: Core) -> Gateway:
    """The emulator's ASGI app: the gateway in front of every endpoint router."""
    app = Starlette(routes=api_routes(core))
    app.router.redirect_slashes = False
    app.router.default = _page_not_found
    app.state.core = core
    return Gateway(app, core)
