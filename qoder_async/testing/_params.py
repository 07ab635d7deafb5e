"""Parsing and validation of query parameters and JSON bodies."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from starlette.datastructures import QueryParams

from ._errors import bad_request
from ._ids import parse_timestamp

__all__ = [
    "apply_metadata_patch",
    "created_at_filter",
    "json_object",
    "matches_created_at",
    "optional_list",
    "optional_string",
    "query_bool",
    "query_limit",
    "query_list",
    "require_string",
    "validate_metadata",
]

MAX_METADATA_PAIRS = 16
MAX_METADATA_KEY = 64
MAX_METADATA_VALUE = 512


def json_object(body: bytes) -> dict[str, Any]:
    """Decode a request body that must be a JSON object (an empty body counts as ``{}``)."""
    if not body.strip():
        return {}
    try:
        value = json.loads(body)
    except (ValueError, UnicodeDecodeError):
        raise bad_request("The request body is not valid JSON.") from None
    if not isinstance(value, dict):
        raise bad_request("The request body must be a JSON object.")
    return value


def query_limit(query: QueryParams, default: int = 20, maximum: int = 100) -> int:
    """The ``limit`` parameter: an integer in 1 to ``maximum`` (100), default 20."""
    raw = query.get("limit")
    if raw is None or raw == "":
        return default
    try:
        limit = int(raw)
    except ValueError:
        raise bad_request(f"limit must be an integer between 1 and {maximum}.", "limit") from None
    if not 1 <= limit <= maximum:
        raise bad_request(f"limit must be between 1 and {maximum}.", "limit")
    return limit


def query_bool(query: QueryParams, name: str) -> bool:
    """A boolean query parameter (``true``/``false``/``1``/``0``), default false."""
    raw = query.get(name)
    if raw is None or raw == "":
        return False
    lowered = raw.lower()
    if lowered in ("true", "1", "yes"):
        return True
    if lowered in ("false", "0", "no"):
        return False
    raise bad_request(f"{name} must be a boolean.", name)


def query_list(query: QueryParams, name: str) -> list[str]:
    """A list parameter sent as ``name[]=a&name[]=b``, ``name=a&name=b`` or ``name=a,b``."""
    values = query.getlist(f"{name}[]") + query.getlist(name)
    items: list[str] = []
    for value in values:
        items.extend(part.strip() for part in value.split(",") if part.strip())
    return items


def created_at_filter(query: QueryParams) -> list[tuple[str, int]]:
    """The ``created_at[gt|gte|lt|lte]`` bounds as (operator, nanoseconds) pairs."""
    bounds: list[tuple[str, int]] = []
    for op in ("gt", "gte", "lt", "lte"):
        name = f"created_at[{op}]"
        raw = query.get(name)
        if raw is None or raw == "":
            continue
        try:
            bounds.append((op, parse_timestamp(raw)))
        except ValueError:
            raise bad_request(f"{name} must be an RFC 3339 timestamp.", name) from None
    return bounds


def matches_created_at(created_at: str, bounds: list[tuple[str, int]]) -> bool:
    """Whether an object's ``created_at`` satisfies every bound."""
    if not bounds:
        return True
    moment = parse_timestamp(created_at)
    checks = {
        "gt": lambda bound: moment > bound,
        "gte": lambda bound: moment >= bound,
        "lt": lambda bound: moment < bound,
        "lte": lambda bound: moment <= bound,
    }
    return all(checks[op](bound) for op, bound in bounds)


def require_string(body: Mapping[str, Any], name: str, *, max_length: int | None = None) -> str:
    """A required non-empty string field."""
    value = body.get(name)
    if value is None:
        raise bad_request(f"Missing required field: {name}", name)
    if not isinstance(value, str):
        raise bad_request(f"Field '{name}' must be a string.", name)
    if not value:
        raise bad_request(f"Field '{name}' must not be empty.", name)
    if max_length is not None and len(value) > max_length:
        raise bad_request(f"{name} must be between 1 and {max_length} characters", name)
    return value


def optional_string(body: Mapping[str, Any], name: str, default: str = "") -> str:
    """An optional string field; null or absent gives ``default``."""
    value = body.get(name)
    if value is None:
        return default
    if not isinstance(value, str):
        raise bad_request(f"Field '{name}' must be a string.", name)
    return value


def optional_list(body: Mapping[str, Any], name: str) -> list[Any]:
    """An optional array field; null or absent gives ``[]``."""
    value = body.get(name)
    if value is None:
        return []
    if not isinstance(value, list):
        raise bad_request(f"Field '{name}' must be an array.", name)
    return list(value)


def validate_metadata(value: Any, *, allow_null_values: bool = False) -> dict[str, Any]:
    """Check the §1.5 limits: ≤ 16 pairs, keys ≤ 64 chars, string values ≤ 512 chars."""
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise bad_request("metadata must be an object of string values.", "metadata")
    if len(value) > MAX_METADATA_PAIRS:
        raise bad_request(f"metadata may hold at most {MAX_METADATA_PAIRS} pairs.", "metadata")
    for key, item in value.items():
        if not key or len(key) > MAX_METADATA_KEY:
            raise bad_request(
                f"metadata keys must be 1 to {MAX_METADATA_KEY} characters.", f"metadata.{key}"
            )
        if item is None and allow_null_values:
            continue
        if not isinstance(item, str):
            raise bad_request("metadata values must be strings.", f"metadata.{key}")
        if len(item) > MAX_METADATA_VALUE:
            raise bad_request(
                f"metadata values must be at most {MAX_METADATA_VALUE} characters.",
                f"metadata.{key}",
            )
    return dict(value)


def apply_metadata_patch(current: Mapping[str, str], patch: Any) -> dict[str, str]:
    """Apply a metadata patch: a string upserts the key, ``null`` deletes it."""
    changes = validate_metadata(patch, allow_null_values=True)
    merged = dict(current)
    for key, item in changes.items():
        if item is None:
            merged.pop(key, None)
        else:
            merged[key] = item
    if len(merged) > MAX_METADATA_PAIRS:
        raise bad_request(f"metadata may hold at most {MAX_METADATA_PAIRS} pairs.", "metadata")
    return merged
