"""Input rules the API documents, checked before a request is sent (``@endpoint(check=)``).

Each function takes the bound arguments of one call and raises :class:`InvalidInputError`
for what the API would refuse with a 400, so that nothing is sent.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from .._config import NOT_GIVEN
from .._errors import InvalidInputError

__all__ = ["all_of", "given", "length_at_most", "limit_at_most", "one_cursor"]

Check = Callable[[Mapping[str, Any]], None]


def given(bound: Mapping[str, Any], name: str) -> bool:
    """Whether the call passes ``name`` (neither left out nor ``None``/``NOT_GIVEN``)."""
    return bound.get(name, NOT_GIVEN) not in (None, NOT_GIVEN)


def all_of(*checks: Check) -> Check:
    """One check running ``checks`` in order."""

    def check(bound: Mapping[str, Any]) -> None:
        for each in checks:
            each(bound)

    return check


def one_cursor(bound: Mapping[str, Any]) -> None:
    """``page``, ``after_id`` and ``before_id`` are mutually exclusive."""
    chosen = [name for name in ("page", "after_id", "before_id") if given(bound, name)]
    if len(chosen) > 1:
        raise InvalidInputError(f"pass one of page, after_id and before_id, not {chosen}")


def limit_at_most(ceiling: int) -> Check:
    """``limit`` is between 1 and ``ceiling``."""

    def check(bound: Mapping[str, Any]) -> None:
        if not given(bound, "limit"):
            return
        limit = bound["limit"]
        if not 1 <= limit <= ceiling:
            raise InvalidInputError(f"limit must be between 1 and {ceiling}, got {limit}")

    return check


def length_at_most(name: str, ceiling: int, *, at_least: int = 0) -> Check:
    """The string or sequence ``name``, when given, has ``at_least`` to ``ceiling`` items
    (characters for a string)."""

    def check(bound: Mapping[str, Any]) -> None:
        if not given(bound, name):
            return
        size = len(bound[name])
        if not at_least <= size <= ceiling:
            unit = "characters" if isinstance(bound[name], str) else "items"
            raise InvalidInputError(
                f"{name} must have {at_least} to {ceiling} {unit}, it has {size}"
            )

    return check
