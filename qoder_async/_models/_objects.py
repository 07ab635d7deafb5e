"""Resource models: what the API returns for agents, sessions, files and the rest.

Frozen attrs classes decoded by the one converter in ``_convert``. Fields the API may omit
default to ``None`` or empty; every model keeps the whole decoded object in ``raw``.
"""

from __future__ import annotations

from attrs import field, frozen

from ._content import JSONObject

__all__ = [
    "Agent",
    "DeletedObject",
    "Environment",
    "FileMetadata",
    "ModelInfo",
    "Session",
    "SessionResource",
    "SessionStats",
    "SessionThread",
    "SessionUsage",
]


@frozen(kw_only=True)
class Agent:
    """An agent: model, system prompt and tools, versioned (``version`` starts at 1)."""

    id: str
    type: str = "agent"
    name: str = ""
    model: str | JSONObject = ""
    system: str | None = None
    description: str | None = None
    tools: tuple[JSONObject, ...] = ()
    mcp_servers: tuple[JSONObject, ...] = ()
    skills: tuple[JSONObject, ...] = ()
    multiagent: JSONObject | None = None
    metadata: dict[str, str] = field(factory=dict)
    version: int = 1
    created_at: str | None = None
    updated_at: str | None = None
    archived_at: str | None = None
    raw: JSONObject = field(factory=dict, repr=False, eq=False)


@frozen(kw_only=True)
class Environment:
    """Where sessions run: a cloud container config (packages, networking, setup script)."""

    id: str
    type: str = "environment"
    name: str = ""
    description: str | None = None
    config: JSONObject | None = None
    scope: str | None = None
    metadata: dict[str, str] = field(factory=dict)
    created_at: str | None = None
    updated_at: str | None = None
    archived_at: str | None = None
    raw: JSONObject = field(factory=dict, repr=False, eq=False)


@frozen(kw_only=True)
class SessionUsage:
    """A cumulative usage snapshot of a session: tokens, credits and cost.

    ``total_credits`` is a snapshot: replace your copy, never add snapshots together.
    """

    input_tokens: int = 0
    output_tokens: int = 0
    cache_read_input_tokens: int = 0
    cache_creation: JSONObject | None = None
    model_credits: float | None = None
    sandbox_runtime_credits: float | None = None
    total_credits: float | None = None
    active_seconds: float | None = None
    list_cost: JSONObject | None = None
    server_tool_use: JSONObject | None = None


@frozen(kw_only=True)
class SessionStats:
    """Timing of a session or thread."""

    active_seconds: float | None = None
    duration_seconds: float | None = None
    startup_seconds: float | None = None


@frozen(kw_only=True)
class SessionResource:
    """A resource mounted into a session: a file, a repository or a memory store.

    ``mount_path`` is the normalised path (the API's ``path`` or ``mount_path``).
    """

    type: str
    id: str | None = None
    mount_path: str | None = None
    file_id: str | None = None
    url: str | None = None
    checkout: JSONObject | None = None
    memory_store_id: str | None = None
    access: str | None = None
    created_at: str | None = None
    updated_at: str | None = None
    raw: JSONObject = field(factory=dict, repr=False, eq=False)


@frozen(kw_only=True)
class Session:
    """A session: an agent at work in an environment. ``status`` is an open string
    (``idle``, ``running``, ``canceling``, ``terminated``, ...)."""

    id: str
    type: str = "session"
    status: str = "idle"
    title: str = ""
    agent: JSONObject | None = None
    environment_id: str | None = None
    resources: tuple[SessionResource, ...] = ()
    metadata: dict[str, str] = field(factory=dict)
    usage: SessionUsage | None = None
    stats: SessionStats | None = None
    budget: JSONObject | None = None
    vault_ids: tuple[str, ...] = ()
    deployment_id: str | None = None
    created_at: str | None = None
    updated_at: str | None = None
    archived_at: str | None = None
    raw: JSONObject = field(factory=dict, repr=False, eq=False)

    @property
    def agent_id(self) -> str | None:
        """The id of the bound agent."""
        if self.agent is not None and isinstance(self.agent.get("id"), str):
            return str(self.agent["id"])
        value = self.raw.get("agent_id")
        return value if isinstance(value, str) else None


@frozen(kw_only=True)
class FileMetadata:
    """An uploaded (or agent-produced) file. It must be ``ready`` before it is mounted."""

    id: str
    type: str = "file"
    filename: str = ""
    mime_type: str | None = None
    size_bytes: int | None = None
    status: str | None = None
    downloadable: bool | None = None
    metadata: dict[str, str] = field(factory=dict)
    scope: JSONObject | None = None
    created_at: str | None = None
    expires_at: str | None = None
    raw: JSONObject = field(factory=dict, repr=False, eq=False)


@frozen(kw_only=True)
class SessionThread:
    """A thread of a multi-agent session (the primary thread has no parent)."""

    id: str
    type: str = "session_thread"
    session_id: str | None = None
    parent_thread_id: str | None = None
    agent: JSONObject | None = None
    status: str | None = None
    stats: SessionStats | None = None
    usage: SessionUsage | None = None
    stop_reason: JSONObject | None = None
    created_at: str | None = None
    updated_at: str | None = None
    archived_at: str | None = None
    raw: JSONObject = field(factory=dict, repr=False, eq=False)


@frozen(kw_only=True)
class ModelInfo:
    """A model an agent can use."""

    id: str
    type: str = "model"
    display_name: str | None = None
    created_at: str | None = None
    is_enabled: bool | None = None
    max_input_tokens: int | None = None
    max_tokens: int | None = None
    efforts: tuple[str, ...] = ()
    default_effort: str | None = None
    capabilities: JSONObject | None = None
    raw: JSONObject = field(factory=dict, repr=False, eq=False)


@frozen(kw_only=True)
class DeletedObject:
    """The answer of a delete: the id and a ``type`` such as ``session_deleted``."""

    id: str
    type: str = ""
    raw: JSONObject = field(factory=dict, repr=False, eq=False)
