"""Models (§4.8): a fixed catalogue paged by id cursors."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from .._pagination import paginate
from .._responses import api, json_response

__all__ = ["MODELS", "routes"]


def _capabilities(*, thinking: bool, images: bool) -> dict[str, Any]:
    def supported(flag: bool) -> dict[str, bool]:
        return {"supported": flag}

    return {
        "thinking": {"supported": thinking, "types": {"enabled": supported(thinking)}},
        "effort": {"supported": True},
        "image_input": supported(images),
        "pdf_input": supported(images),
        "citations": supported(True),
        "code_execution": supported(True),
        "structured_outputs": supported(True),
        "batch": supported(False),
        "context_management": {"supported": True},
    }


def _model(
    model_id: str,
    display_name: str,
    *,
    price_factor: float,
    context: int,
    is_new: bool = False,
    thinking: bool = True,
) -> dict[str, Any]:
    return {
        "id": model_id,
        "type": "model",
        "display_name": display_name,
        "created_at": "2026-04-01T00:00:00Z",
        "is_enabled": True,
        "is_new": is_new,
        "source": "qoder",
        "max_input_tokens": context,
        "max_tokens": 64_000,
        "default_context_window": context,
        "available_context_windows": sorted({200_000, context}),
        "efforts": ["low", "medium", "high"],
        "default_effort": "medium",
        "allowed_fallback_models": [],
        "price_factor": price_factor,
        "capabilities": _capabilities(thinking=thinking, images=True),
    }


MODELS: list[dict[str, Any]] = [
    _model("ultimate", "Ultimate", price_factor=1.0, context=1_000_000),
    _model("qoder-best", "Qoder Best", price_factor=1.5, context=1_000_000, is_new=True),
    _model("qoder-sonnet-latest", "Qoder Sonnet (latest)", price_factor=0.6, context=200_000),
    _model(
        "qoder-haiku-latest",
        "Qoder Haiku (latest)",
        price_factor=0.2,
        context=200_000,
        thinking=False,
    ),
]


@api
async def list_models(request: Request) -> Response:
    """GET /models."""
    return json_response(paginate(MODELS, request.query_params, allow_order=False))


def routes(prefix: str) -> list[Route]:
    """The model routes under ``prefix``."""
    return [Route(f"{prefix}/models", list_models, methods=["GET"])]
