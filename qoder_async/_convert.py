"""The one cattrs converter: every hook, and the tagged unions on ``type``.

Decoding is on the hot path of every stream, so the per-class hooks are generated once, at
import, and events are dispatched on their wire ``type`` with a dict lookup. Unknown types
become :class:`UnknownEvent` / :class:`UnknownBlock`; unknown fields are ignored by the hooks
and kept in ``raw``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Union

import attrs
import cattrs
from cattrs.gen import make_dict_structure_fn, make_dict_unstructure_fn, override

from ._content import BLOCK_TYPES, ContentBlock, JSONObject, UnknownBlock
from ._events import (
    BUFFERED_EVENT_CLASSES,
    BaseEvent,
    Event,
    EventDelta,
    EventStart,
    UnknownEvent,
)
from ._models import (
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

__all__ = ["converter", "structure", "structure_event", "unstructure"]

converter = cattrs.Converter(detailed_validation=False)
"""The converter every model, event and request body goes through."""

# Open-ended JSON is kept as decoded: copying it element by element would only cost time.
_PASSTHROUGH: frozenset[Any] = frozenset(
    {JSONObject, dict[str, str], Union[str, JSONObject], Union[JSONObject, None], Any}
)
converter.register_structure_hook_func(lambda t: t in _PASSTHROUGH, lambda value, _: value)


def _set_raw(obj: Any, data: JSONObject) -> Any:
    # The classes are frozen; ``raw`` is filled in after the generated hook built the object,
    # which is cheaper than routing the whole dict through a field.
    object.__setattr__(obj, "raw", data)
    return obj


def _has_raw(cls: type[Any]) -> bool:
    return any(a.name == "raw" for a in attrs.fields(cls))


def _structure_fn(cls: type[Any]) -> Callable[[JSONObject], Any]:
    if not _has_raw(cls):
        fn = make_dict_structure_fn(cls, converter)
        return lambda data: fn(data, cls)
    fn = make_dict_structure_fn(cls, converter, raw=override(omit=True))
    return lambda data: _set_raw(fn(data, cls), data)


# --- content blocks ------------------------------------------------------------------------

_BLOCK_HOOKS = {tag: _structure_fn(cls) for tag, cls in BLOCK_TYPES.items()}


def _structure_block(data: Any, _: Any = None) -> ContentBlock:
    hook = _BLOCK_HOOKS.get(data.get("type"))
    if hook is None:
        return UnknownBlock(type=str(data.get("type", "")), raw=data)
    block: ContentBlock = hook(data)
    return block


converter.register_structure_hook(ContentBlock, _structure_block)


# --- events --------------------------------------------------------------------------------


def _structure_event_start(data: JSONObject) -> EventStart:
    inner = data.get("event") or {}
    return EventStart(
        id=inner.get("id") or data.get("id", ""),
        event_type=inner.get("type", ""),
        processed_at=data.get("processed_at"),
        raw=data,
    )


def _structure_event_delta(data: JSONObject) -> EventDelta:
    delta = data.get("delta") or {}
    content = delta.get("content")
    return EventDelta(
        id=data.get("event_id") or data.get("id", ""),
        index=delta.get("index", 0),
        delta_type=delta.get("type", "content_delta"),
        content=_structure_block(content) if isinstance(content, dict) else None,
        processed_at=data.get("processed_at"),
        raw=data,
    )


_EVENT_HOOKS: dict[str, Callable[[JSONObject], Any]] = {
    # each class's default ``type`` is its wire type
    attrs.fields(cls).type.default: _structure_fn(cls)
    for cls in BUFFERED_EVENT_CLASSES
}
_EVENT_HOOKS["event_start"] = _structure_event_start
_EVENT_HOOKS["event_delta"] = _structure_event_delta


def structure_event(data: JSONObject) -> Event:
    """Decode one event object; unknown types become :class:`UnknownEvent`.

    Raises ``ValueError``/``TypeError``/``KeyError`` if a known type has fields of the wrong
    shape; the stream turns that into a :class:`MalformedEvent`.
    """
    hook = _EVENT_HOOKS.get(data.get("type"))  # type: ignore[arg-type]  # None finds no hook
    if hook is None:
        return UnknownEvent(
            id=data.get("id", ""),
            type=data.get("type", ""),
            processed_at=data.get("processed_at"),
            raw=data,
        )
    event: Event = hook(data)
    return event


converter.register_structure_hook(Event, lambda data, _: structure_event(data))
converter.register_structure_hook(BaseEvent, lambda data, _: structure_event(data))


# --- resource models -----------------------------------------------------------------------

for _model in (Agent, Environment, Session, FileMetadata, SessionThread, ModelInfo, DeletedObject):
    _hook = _structure_fn(_model)
    converter.register_structure_hook(_model, lambda data, _, hook=_hook: hook(data))

_resource_hook = _structure_fn(SessionResource)


def _structure_resource(data: JSONObject, _: Any = None) -> SessionResource:
    if "mount_path" not in data and "path" in data:
        data = {**data, "mount_path": data["path"]}
    resource: SessionResource = _resource_hook(data)
    return resource


converter.register_structure_hook(SessionResource, _structure_resource)


# --- request bodies ------------------------------------------------------------------------


def _register_wire_unstructure(cls: type[Any]) -> None:
    # Fields left at their default (None, ()) are not sent; ``type`` always is.
    fn = make_dict_unstructure_fn(cls, converter, _cattrs_omit_if_default=True)

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
):
    _register_wire_unstructure(_wire)
converter.register_unstructure_hook(UnknownBlock, lambda block: block.raw)


def structure(data: Any, cls: Any) -> Any:
    """Decode JSON data into ``cls`` with the one converter."""
    return converter.structure(data, cls)


def unstructure(obj: Any) -> Any:
    """Encode a model, parameter or block as JSON data with the one converter."""
    return converter.unstructure(obj)
