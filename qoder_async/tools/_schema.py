"""JSON Schema from type hints and Google-style docstrings.

Covers what a tool's arguments are written with: ``str``, ``int``, ``float``, ``bool``,
``Literal``, ``Enum``, ``Optional``/``X | None``, ``list``/``tuple``/``set``, ``dict``,
``Any``, and nested attrs classes and ``TypedDict``s. Hints written as strings
(``from __future__ import annotations``) are resolved first, like real ones.
"""

from __future__ import annotations

import enum
import inspect
import re
import types
import typing
from collections.abc import Callable, Mapping, Sequence
from typing import Any, Literal, Union, get_args, get_origin

import attrs

from .._models._content import JSONObject

__all__ = ["parse_docstring", "schema_of", "signature_schema"]

_SCALARS: dict[Any, str] = {str: "string", int: "integer", float: "number", bool: "boolean"}
_SECTION = re.compile(
    r"^\s*(Args|Arguments|Parameters|Attributes|Returns|Raises|Yields|Examples?|Notes?):\s*$"
)
_ARG_SECTIONS = frozenset({"Args", "Arguments", "Parameters", "Attributes"})
_ARG = re.compile(r"^(\*{0,2}\w+)\s*(?:\([^)]*\))?\s*:\s*(.*)$")


def parse_docstring(doc: str | None) -> tuple[str, dict[str, str]]:
    """Split a Google-style docstring into its description and its ``Args:`` (or
    ``Attributes:``) entries; an entry's indented lines continue it."""
    description: list[str] = []
    args: dict[str, str] = {}
    section: str | None = None
    current: str | None = None
    base: int | None = None
    for line in inspect.cleandoc(doc or "").splitlines():
        header = _SECTION.match(line)
        if header:
            section, current, base = header.group(1), None, None
            continue
        if section is None:
            description.append(line)
            continue
        if section not in _ARG_SECTIONS or not line.strip():
            continue
        indent = len(line) - len(line.lstrip())
        base = indent if base is None else base
        entry = _ARG.match(line.strip())
        if entry and indent <= base:
            current = entry.group(1).lstrip("*")
            args[current] = entry.group(2).strip()
        elif current is not None:
            args[current] = f"{args[current]} {line.strip()}".strip()
    return "\n".join(description).strip(), args


def _is_typeddict(tp: Any) -> bool:
    return isinstance(tp, type) and issubclass(tp, dict) and hasattr(tp, "__total__")


def _object_schema(
    properties: Mapping[str, JSONObject], required: Sequence[str], description: str = ""
) -> JSONObject:
    schema: JSONObject = {"type": "object", "properties": dict(properties)}
    schema["required"] = list(required)
    schema["additionalProperties"] = False
    if description:
        schema["description"] = description
    return schema


def _class_schema(tp: type[Any]) -> JSONObject:
    summary, docs = parse_docstring(tp.__doc__)
    first = summary.split("\n\n", 1)[0].replace("\n", " ")
    properties: dict[str, JSONObject] = {}
    required: list[str] = []
    if attrs.has(tp):
        hints = typing.get_type_hints(tp)
        for field in attrs.fields(tp):
            properties[field.name] = _described(schema_of(hints[field.name]), docs.get(field.name))
            if field.default is attrs.NOTHING:
                required.append(field.name)
    else:
        hints = typing.get_type_hints(tp)
        for name, hint in hints.items():
            properties[name] = _described(schema_of(hint), docs.get(name))
        required = [name for name in hints if name in tp.__required_keys__]
    return _object_schema(
        properties, required, "" if first.startswith(tp.__name__ + "(") else first
    )


def _described(schema: JSONObject, description: str | None) -> JSONObject:
    return {**schema, "description": description} if description else schema


def schema_of(tp: Any) -> JSONObject:
    """The JSON Schema of one type hint.

    Raises:
        TypeError: the hint has no JSON form (a class that is neither attrs nor TypedDict).
    """
    if tp is Any or tp is object:
        return {}
    if tp is type(None) or tp is None:
        return {"type": "null"}
    if tp in _SCALARS:
        return {"type": _SCALARS[tp]}
    origin = get_origin(tp)
    args = get_args(tp)
    if origin is typing.Annotated:
        return schema_of(args[0])
    if origin is Literal:
        kinds = {_SCALARS[type(a)] for a in args if type(a) in _SCALARS}
        schema: JSONObject = {"enum": list(args)}
        if len(kinds) == 1:
            schema["type"] = kinds.pop()
        return schema
    if origin in (Union, types.UnionType):
        members = [a for a in args if a is not type(None)]
        inner = (
            schema_of(members[0])
            if len(members) == 1
            else {"anyOf": [schema_of(a) for a in members]}
        )
        if len(members) == len(args):
            return inner
        if set(inner) <= {"type", "description"} and isinstance(inner.get("type"), str):
            return {**inner, "type": [inner["type"], "null"]}
        return {"anyOf": [inner, {"type": "null"}]}
    if isinstance(tp, type) and issubclass(tp, enum.Enum):
        values = [member.value for member in tp]
        schema = {"enum": values}
        kinds = {_SCALARS[type(v)] for v in values if type(v) in _SCALARS}
        if len(kinds) == 1:
            schema["type"] = kinds.pop()
        return schema
    if origin in (list, tuple, set, frozenset, Sequence) or tp in (list, tuple, set, frozenset):
        schema = {"type": "array"}
        items = schema_of(args[0]) if args and (origin is not tuple or args[-1] is Ellipsis) else {}
        if items:
            schema["items"] = items
        return schema
    if origin in (dict, Mapping) or tp is dict:
        schema = {"type": "object"}
        if len(args) == 2 and schema_of(args[1]):
            schema["additionalProperties"] = schema_of(args[1])
        return schema
    if isinstance(tp, type) and (attrs.has(tp) or _is_typeddict(tp)):
        return _class_schema(tp)
    raise TypeError(
        f"{tp!r} has no JSON Schema form; use str, int, float, bool, Literal, Enum,"
        " list, dict, an attrs class or a TypedDict"
    )


def signature_schema(
    fn: Callable[..., Any], docs: Mapping[str, str]
) -> tuple[JSONObject, dict[str, Any]]:
    """The input schema of a function's parameters, and their resolved hints.

    Parameters with a default are optional; ``*args``/``**kwargs`` are not allowed.

    Raises:
        TypeError: a parameter has no hint, is variadic, or its hint has no JSON form.
    """
    hints = typing.get_type_hints(fn)
    properties: dict[str, JSONObject] = {}
    required: list[str] = []
    resolved: dict[str, Any] = {}
    for name, param in inspect.signature(fn).parameters.items():
        if param.kind in (param.VAR_POSITIONAL, param.VAR_KEYWORD, param.POSITIONAL_ONLY):
            raise TypeError(f"tool parameter {name!r} must be an ordinary named parameter")
        if name not in hints:
            raise TypeError(f"tool parameter {name!r} needs a type hint")
        resolved[name] = hints[name]
        properties[name] = _described(schema_of(hints[name]), docs.get(name))
        if param.default is param.empty:
            required.append(name)
    return _object_schema(properties, required), resolved
