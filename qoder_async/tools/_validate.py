"""Checking a tool call's input against the tool's hints, and turning it into arguments.

A strict cattrs converter does both at once: nested attrs classes and ``TypedDict``s are
built, enums looked up, and a value of the wrong JSON type is an error (the default
converter would turn ``"5"`` into ``5`` and ``"abc"`` into ``["a", "b", "c"]``).
"""

from __future__ import annotations

import collections.abc
import typing
from collections.abc import Mapping
from typing import Any, get_args, get_origin

import cattrs

__all__ = ["InvalidToolInput", "arguments"]

_JSON_NAMES = {str: "a string", int: "an integer", float: "a number", bool: "a boolean"}


class InvalidToolInput(ValueError):
    """The input does not fit the tool's schema; ``problems`` says where and why."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("; ".join(problems))
        self.problems = problems


def _json_type(value: object) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, (int, float)):
        return "a number"
    if isinstance(value, str):
        return "a string"
    return "an array" if isinstance(value, list) else "an object"


def _scalar_hook(kind: type[Any]) -> Any:
    def check(value: Any, _: Any) -> Any:
        fits = isinstance(value, kind) and (kind is bool or not isinstance(value, bool))
        if kind is float and isinstance(value, int) and not isinstance(value, bool):
            return float(value)
        if not fits:
            raise TypeError(f"expected {_JSON_NAMES[kind]}, got {_json_type(value)}")
        return value

    return check


_strict = cattrs.Converter(detailed_validation=True, forbid_extra_keys=True)
for _kind in _JSON_NAMES:
    _strict.register_structure_hook(_kind, _scalar_hook(_kind))

_SEQUENCES = (list, tuple, set, frozenset, collections.abc.Sequence)


def _is_sequence(tp: Any) -> bool:
    return get_origin(tp) in _SEQUENCES or tp in _SEQUENCES


def _sequence_hook(tp: Any) -> Any:
    origin = get_origin(tp) or tp
    args = get_args(tp)
    inner = args[0] if args else Any
    make = list if origin is collections.abc.Sequence else origin

    def structure(value: Any, _: Any) -> Any:
        if not isinstance(value, list):
            raise TypeError(f"expected an array, got {_json_type(value)}")
        items = []
        problems: list[Exception] = []
        for index, item in enumerate(value):
            try:
                items.append(_strict.structure(item, inner))
            except Exception as exc:  # gathered into one validation error
                exc.__notes__ = [f"Structuring {tp!r} @ index {index}"]  # type: ignore[attr-defined]  # 3.10 has no add_note
                problems.append(exc)
        if problems:
            raise cattrs.IterableValidationError(f"While structuring {tp!r}", problems, tp)
        return make(items)

    return structure


def _is_mapping(tp: Any) -> bool:
    return get_origin(tp) in (dict, Mapping) or tp in (dict, Mapping)


def _mapping_hook(tp: Any) -> Any:
    args = get_args(tp)
    inner = args[1] if len(args) == 2 else Any

    def structure(value: Any, _: Any) -> Any:
        if not isinstance(value, dict):
            raise TypeError(f"expected an object, got {_json_type(value)}")
        return {key: _strict.structure(item, inner) for key, item in value.items()}

    return structure


_strict.register_structure_hook_factory(_is_sequence, _sequence_hook)
_strict.register_structure_hook_factory(_is_mapping, _mapping_hook)
_strict.register_structure_hook(typing.Any, lambda value, _: value)


def _describe(exc: BaseException, path: str) -> list[str]:
    if isinstance(exc, cattrs.BaseValidationError):
        return cattrs.transform_error(exc, path=path)
    if isinstance(exc, KeyError):
        return [f"required field missing @ {path}"]
    return [f"{exc} @ {path}"]


def arguments(hints: Mapping[str, Any], required: set[str], given: object) -> dict[str, Any]:
    """The keyword arguments for a tool, built from the input of its call.

    Raises:
        InvalidToolInput: a required argument is missing, one is unknown, or a value does
            not fit its hint.
    """
    if not isinstance(given, dict):
        raise InvalidToolInput([f"the input must be an object, got {_json_type(given)}"])
    problems = [f"unknown argument {name!r}" for name in given if name not in hints]
    problems += [
        f"missing required argument {name!r}"
        for name in hints
        if name in required and name not in given
    ]
    kwargs: dict[str, Any] = {}
    for name, hint in hints.items():
        if name not in given:
            continue
        try:
            kwargs[name] = _strict.structure(given[name], hint)
        except Exception as exc:  # every problem is reported to the model
            problems += _describe(exc, f"$.{name}")
    if problems:
        raise InvalidToolInput(problems)
    return kwargs
