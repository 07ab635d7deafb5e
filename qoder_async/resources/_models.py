"""``client.models``: the models agents can use."""

from __future__ import annotations

from .._models._objects import ModelInfo
from ._endpoints import Resource, endpoint
from ._pagination import AsyncPager

__all__ = ["Models"]


class Models(Resource):
    """``client.models``."""

    @endpoint("GET", "/models", cursor="id")
    def list(
        self,
        *,
        limit: int | None = None,
        after_id: str | None = None,
        before_id: str | None = None,
    ) -> AsyncPager[ModelInfo]:
        """Available models, page by page (id cursor)."""
