"""The one cattrs converter: every hook, and the tagged unions on ``type``.

Decoding is on the hot path of every stream, so each class's hook is generated once, by
cattrs, the first time the class is met (generating them all at import would slow
``import qoder_async`` for classes most programs never see), and events are dispatched on
their wire ``type`` with a dict lookup. Optional fields and tuples get hooks that look their
inner hook up once instead of on every value. Unknown types
become :class:`UnknownEvent` / :class:`UnknownBlock`; unknown fields are ignored by the hooks
and kept in ``raw``. JSON text is parsed by :func:`loads`: orjson when it is installed (the
``speed`` extra), else the standard library.
"""

from __future__ import annotations

import functools
import json
import math
import types
from collections.abc import Callable
from typing import Any, Union, get_args, get_origin

import attrs
import cattrs
from cattrs.gen import make_dict_structure_fn, make_dict_unstructure_fn, override

from ._content import BLOCK_TYPES, ContentBlock, JSONObject, SearchResultBlock, UnknownBlock
from ._credentials import (
    EnvironmentVariableAuth,
    MCPOAuthAuth,
    OAuthRefresh,
    StaticBearerAuth,
    TokenEndpointAuth,
)
from ._deployments import Deployment, DeploymentRun
from ._dreams import Dream
from ._events import (
    BUFFERED_EVENT_CLASSES,
    BaseEvent,
    Event,
    EventDelta,
    EventStart,
    UnknownEvent,
)
from ._memory import Memory, MemoryStore, MemoryVersion
from ._objects import (
    Agent,
    DeletedObject,
    Environment,
    FileMetadata,
    ModelInfo,
    Session,
    SessionResource,
    SessionThread,
)
from ._params import (
    FileResource,
    GitHubRepository,
    GitRepository,
    MemoryStoreResource,
    SystemMessageParam,
    UserCustomToolResultParam,
    UserDefineOutcomeParam,
    UserInterruptParam,
    UserMessageParam,
    UserToolConfirmationParam,
    UserToolResultParam,
)
from ._skills import Skill, SkillVersion
from ._vaults import CredentialAuth, CredentialValidation, Vault, VaultCredential
from ._work import Work, WorkHeartbeat, WorkQueueStats

__all__ = ["converter", "event_id_of", "loads", "structure", "structure_event", "unstructure"]

try:
    import orjson
except ImportError:  # pragma: no cover - the speed extra is not installed
    orjson = None  # type: ignore[assignment]


def loads(text: str | bytes) -> Any:
    """Parse JSON text (or UTF-8 bytes, invalid sequences replaced), with orjson when it is
    installed, else with the standard library.

    orjson refuses a few documents that the standard library accepts (``NaN``, lone
    surrogates, invalid UTF-8); those, and malformed text, are parsed again by
    :func:`json.loads`, so the result and the error raised are the same either way, with
    one exception: orjson reads an integer beyond 64 bits as a float, as JavaScript does.

    Raises:
        ValueError: the text is not JSON (a ``json.JSONDecodeError``).
    """
    if orjson is not None:
        try:
            return orjson.loads(text)
        except orjson.JSONDecodeError:
            pass
    if isinstance(text, bytes):
        text = text.decode("utf-8", "replace")
    return json.loads(text)


converter = cattrs.Converter(detailed_validation=False)
"""The converter every model, event and request body goes through."""

# Open-ended JSON is kept as decoded: copying it element by element would only cost time.
_PASSTHROUGH: frozenset[Any] = frozenset(
    {
        JSONObject,
        dict[str, str],
        Union[str, JSONObject],
        Union[JSONObject, None],
        Union[str, JSONObject, None],
        Any,
    }
)
converter.register_structure_hook_func(lambda t: t in _PASSTHROUGH, lambda value, _: value)


_SCALARS = (str, int, float, bool)


def _is_optional(t: Any) -> bool:
    args = get_args(t)
    return (
        get_origin(t) in (Union, types.UnionType)
        and len(args) == 2
        and type(None) in args
        and t not in _PASSTHROUGH
    )


def _optional_hook(t: Any) -> Callable[[Any, Any], Any]:
    inner = next(a for a in get_args(t) if a is not type(None))
    if inner in _SCALARS:  # what cattrs does for a scalar: call the type
        return lambda value, _: None if value is None else inner(value)
    hook = converter.get_structure_hook(inner)
    return lambda value, _: None if value is None else hook(value, inner)


def _is_homogeneous_tuple(t: Any) -> bool:
    args = get_args(t)
    return get_origin(t) is tuple and len(args) == 2 and args[1] is Ellipsis


def _tuple_hook(t: Any) -> Callable[[Any, Any], Any]:
    inner = get_args(t)[0]
    hook = converter.get_structure_hook(inner)
    return lambda value, _: tuple([hook(item, inner) for item in value])


converter.register_structure_hook_factory(_is_optional, _optional_hook)
converter.register_structure_hook_factory(_is_homogeneous_tuple, _tuple_hook)


def _has_raw(cls: type[Any]) -> bool:
    return any(a.name == "raw" for a in attrs.fields(cls))


def _structure_fn(cls: type[Any]) -> Callable[[JSONObject], Any]:
    if not _has_raw(cls):
        fn = make_dict_structure_fn(cls, converter)
        return lambda data: fn(data, cls)
    fn = make_dict_structure_fn(cls, converter, raw=override(omit=True))
    set_raw = object.__setattr__

    def structure_with_raw(data: JSONObject) -> Any:
        # The classes are frozen; ``raw`` is filled in after the generated hook built the
        # object, which is cheaper than routing the whole dict through a field.
        obj = fn(data, cls)
        set_raw(obj, "raw", data)
        return obj

    return structure_with_raw


def _lazy(make: Callable[[], Callable[..., Any]]) -> Callable[..., Any]:
    """A hook that has ``make`` generate the real one at its first call."""
    real: list[Callable[..., Any]] = []

    def hook(*args: Any) -> Any:
        if not real:
            real.append(make())
        return real[0](*args)

    return hook


# --- content blocks ------------------------------------------------------------------------

_BLOCK_HOOKS: dict[str, Callable[[JSONObject], Any]] = {}


def _structure_block(data: Any, _: Any = None) -> ContentBlock:
    tag = data.get("type")
    hook = _BLOCK_HOOKS.get(tag)
    if hook is None:
        cls = BLOCK_TYPES.get(tag)
        if cls is None:
            return UnknownBlock(type=str(data.get("type", "")), raw=data)
        hook = _BLOCK_HOOKS[tag] = _structure_fn(cls)
    block: ContentBlock = hook(data)
    return block


converter.register_structure_hook(ContentBlock, _structure_block)


# --- events --------------------------------------------------------------------------------


def _structure_event_start(data: JSONObject) -> EventStart:
    inner = data.get("event") or {}
    return EventStart(
        id=event_id_of(inner.get("id"), data.get("id", "")),
        event_type=inner.get("type", ""),
        processed_at=data.get("processed_at"),
        raw=data,
    )


def _structure_event_delta(data: JSONObject) -> EventDelta:
    delta = data.get("delta") or {}
    content = delta.get("content")
    return EventDelta(
        id=event_id_of(data.get("event_id"), data.get("id", "")),
        index=delta.get("index", 0),
        delta_type=delta.get("type", "content_delta"),
        content=_structure_block(content) if isinstance(content, dict) else None,
        processed_at=data.get("processed_at"),
        raw=data,
    )


# each class's default ``type`` is its wire type
_EVENT_CLASSES: dict[str, type[Any]] = {
    attrs.fields(cls).type.default: cls for cls in BUFFERED_EVENT_CLASSES
}
_EVENT_HOOKS: dict[str, Callable[[JSONObject], Any]] = {
    "event_start": _structure_event_start,
    "event_delta": _structure_event_delta,
}


def event_id_of(value: object, fallback: str = "") -> str:
    """An event's id from a JSON ``id`` that may not be a string: ``fallback`` (the SSE
    ``id:`` line) for ``null`` or ``""``, a number as its decimal text.

    Raises:
        TypeError: the id is a boolean, an array or an object.
    """
    if type(value) is str and value:
        return value
    if value is None or value == "":
        return fallback
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    if isinstance(value, float) and math.isfinite(value):
        # orjson reads a JSON integer beyond 64 bits as a float: the id: line keeps it exactly.
        return fallback or (str(int(value)) if value.is_integer() else repr(value))
    raise TypeError(f"event id is a JSON {type(value).__name__}, not a string")


def structure_event(data: JSONObject) -> Event:
    """Decode one event object; unknown types become :class:`UnknownEvent`.

    ``id`` and ``type`` are always strings: a numeric id becomes its text, a ``null`` one
    ``""``, and a missing or ``null`` type ``""``.

    Raises ``ValueError``/``TypeError``/``KeyError`` if a known type has fields of the wrong
    shape, or if ``type`` is not a string; the stream turns that into a
    :class:`MalformedEvent`.
    """
    raw_id = data.get("id", "")
    if type(raw_id) is not str:
        data["id"] = event_id_of(raw_id)
    tag = data.get("type")
    if type(tag) is not str:
        if tag is not None:
            raise TypeError(f"event type is a JSON {type(tag).__name__}, not a string")
        tag = ""
    hook = _EVENT_HOOKS.get(tag)
    if hook is None:
        cls = _EVENT_CLASSES.get(tag)
        if cls is None:
            return UnknownEvent(
                id=data.get("id", ""),
                type=tag,
                processed_at=data.get("processed_at"),
                raw=data,
            )
        hook = _EVENT_HOOKS[tag] = _structure_fn(cls)
    event: Event = hook(data)
    return event


converter.register_structure_hook(Event, lambda data, _: structure_event(data))
converter.register_structure_hook(BaseEvent, lambda data, _: structure_event(data))


# --- resource models -----------------------------------------------------------------------

_MODELS: tuple[type[Any], ...] = (
    Agent,
    Environment,
    Session,
    FileMetadata,
    SessionThread,
    ModelInfo,
    DeletedObject,
    Skill,
    SkillVersion,
    Deployment,
    DeploymentRun,
    Dream,
    Vault,
    CredentialAuth,
    CredentialValidation,
    MemoryStore,
    Work,
    WorkHeartbeat,
    WorkQueueStats,
)


def _register_model(model: type[Any]) -> None:
    hook = _lazy(functools.partial(_structure_fn, model))
    converter.register_structure_hook(model, lambda data, _: hook(data))


for _model in _MODELS:
    _register_model(_model)

_resource_hook = _lazy(functools.partial(_structure_fn, SessionResource))


def _structure_resource(data: JSONObject, _: Any = None) -> SessionResource:
    if "mount_path" not in data and "path" in data:
        data = {**data, "mount_path": data["path"]}
    resource: SessionResource = _resource_hook(data)
    return resource


converter.register_structure_hook(SessionResource, _structure_resource)


# --- vaults and memory stores ----------------------------------------------------------------


def _renaming(cls: type[Any], aliases: dict[str, str]) -> Callable[[JSONObject, Any], Any]:
    """A hook that first reads the older documented spelling of a field (``aliases``: old
    name to field name) when the current one is absent."""
    hook = _lazy(functools.partial(_structure_fn, cls))

    def structure_renamed(data: JSONObject, _: Any = None) -> Any:
        if any(old in data and new not in data for old, new in aliases.items()):
            data = {**data}
            for old, new in aliases.items():
                if old in data and new not in data:
                    data[new] = data[old]
        return hook(data)

    return structure_renamed


converter.register_structure_hook(
    Memory, _renaming(Memory, {"store_id": "memory_store_id", "size": "content_size_bytes"})
)
_version_hook = _renaming(
    MemoryVersion,
    {
        "store_id": "memory_store_id",
        "entry_id": "memory_id",
        "entry_path": "path",
        "size": "content_size_bytes",
    },
)


def _structure_memory_version(data: JSONObject, _: Any = None) -> MemoryVersion:
    if "operation" not in data and "action" in data:  # the old docs say "updated"
        action = data["action"]
        data = {**data, "operation": "modified" if action == "updated" else action}
    version: MemoryVersion = _version_hook(data, None)
    return version


converter.register_structure_hook(MemoryVersion, _structure_memory_version)
_credential_hook = _lazy(functools.partial(_structure_fn, VaultCredential))
_FLAT_AUTH_FIELDS = ("mcp_server_url", "protocol", "expires_at", "secret_name")
_SECRETS = frozenset({"token", "access_token", "refresh_token", "client_secret", "secret_value"})


def _without_secrets(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _without_secrets(v) for k, v in value.items() if k not in _SECRETS}
    if isinstance(value, list):
        return [_without_secrets(item) for item in value]
    return value


def _structure_credential(data: JSONObject, _: Any = None) -> VaultCredential:
    # Secrets are write-only; one echoed by a faulty server is not kept, not even in ``raw``.
    data = _without_secrets(data)
    if data.get("auth") is None and "mcp_server_url" in data:
        # An old flat row: its ``type`` is the auth type. Only read-safe fields are copied.
        auth = {key: data[key] for key in _FLAT_AUTH_FIELDS if key in data}
        auth["type"] = data.get("type") if data.get("type") != "vault_credential" else ""
        data = {**data, "auth": auth, "type": "vault_credential"}
    credential: VaultCredential = _credential_hook(data)
    return credential


converter.register_structure_hook(VaultCredential, _structure_credential)


# --- request bodies ------------------------------------------------------------------------


# Fields the API requires although they have a default here: sent even when left at it.
_ALWAYS_SENT: dict[type[Any], tuple[str, ...]] = {
    UserToolConfirmationParam: ("result",),
    SearchResultBlock: ("content",),
}


def _register_wire_unstructure(cls: type[Any]) -> None:
    # Fields left at their default (None, ()) are not sent, unless the API requires them;
    # ``type`` always is.
    kept: dict[str, Any] = {n: override(omit_if_default=False) for n in _ALWAYS_SENT.get(cls, ())}
    fn = _lazy(
        lambda: make_dict_unstructure_fn(cls, converter, _cattrs_omit_if_default=True, **kept)
    )

    def unstructure_with_type(obj: Any) -> JSONObject:
        body: JSONObject = fn(obj)
        body["type"] = obj.type
        return body

    converter.register_unstructure_hook(cls, unstructure_with_type)


for _wire in (
    *BLOCK_TYPES.values(),
    FileResource,
    GitHubRepository,
    GitRepository,
    MemoryStoreResource,
    UserMessageParam,
    UserInterruptParam,
    UserDefineOutcomeParam,
    UserToolConfirmationParam,
    UserCustomToolResultParam,
    UserToolResultParam,
    SystemMessageParam,
    StaticBearerAuth,
    MCPOAuthAuth,
    EnvironmentVariableAuth,
    TokenEndpointAuth,
):
    _register_wire_unstructure(_wire)
converter.register_unstructure_hook(
    OAuthRefresh,
    _lazy(lambda: make_dict_unstructure_fn(OAuthRefresh, converter, _cattrs_omit_if_default=True)),
)
converter.register_unstructure_hook(UnknownBlock, lambda block: block.raw)


def structure(data: Any, cls: Any) -> Any:
    """Decode JSON data into ``cls`` with the one converter."""
    return converter.structure(data, cls)


def unstructure(obj: Any) -> Any:
    """Encode a model, parameter or block as JSON data with the one converter."""
    return converter.unstructure(obj)
