"""The emulator's endpoints, one router module per API group."""

from __future__ import annotations

from starlette.routing import BaseRoute

from .._core import Core
from . import (
    _agents,
    _deployments,
    _dreams,
    _environments,
    _events,
    _exchange,
    _files,
    _memory_stores,
    _models,
    _resources,
    _sessions,
    _skills,
    _threads,
    _vaults,
    _work,
)

__all__ = ["api_routes"]


def api_routes(core: Core) -> list[BaseRoute]:
    """Every route of the emulated API, under ``core.base_path``."""
    prefix = core.base_path
    return [
        *_agents.routes(prefix),
        *_environments.routes(prefix),
        *_work.routes(prefix),
        *_sessions.routes(prefix),
        *_events.routes(prefix, core),
        *_resources.routes(prefix),
        *_files.routes(prefix),
        *_threads.routes(prefix, core),
        *_models.routes(prefix),
        *_files.storage_routes(),
        *_skills.routes(prefix),
        *_deployments.routes(prefix),
        *_dreams.routes(prefix),
        *_vaults.routes(prefix),
        *_memory_stores.routes(prefix),
        *_exchange.routes(),
    ]
