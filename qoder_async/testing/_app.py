"""Assembly of the ASGI application."""

from __future__ import annotations

from typing import TYPE_CHECKING

from starlette.applications import Starlette

from ._core import Core
from ._errors import ApiError
from ._gateway import Gateway
from ._responses import error_response, request_id_of
from .routes import api_routes

if TYPE_CHECKING:
    from starlette.types import Receive, Scope, Send

__all__ = ["build_app"]


async def _page_not_found(scope: Scope, receive: Receive, send: Send) -> None:
    # An unknown route under the API's base path answers with the API's error envelope.
    method, path = scope.get("method", "GET"), scope.get("path", "")
    error = ApiError(404, f"No route for {method} {path}.")
    await error_response(request_id_of(scope), error)(scope, receive, send)


def build_app(core: Core) -> Gateway:
    """The emulator's ASGI app: the gateway in front of every endpoint router."""
    app = Starlette(routes=api_routes(core))
    app.router.redirect_slashes = False
    app.router.default = _page_not_found
    app.state.core = core
    return Gateway(app, core)
