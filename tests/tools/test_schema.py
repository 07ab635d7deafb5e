"""@qa.tool: the schema from hints and docstrings, and the checks on a call's input."""

from __future__ import annotations

import enum
from typing import Literal, Optional, TypedDict

import attrs
import pytest

import qoder_async as qa


class Colour(enum.Enum):
    RED = "red"
    BLUE = "blue"


@attrs.frozen
class Address:
    """Where to ship.

    Attributes:
        city: the city.
        zip_code: the postal code.
    """

    city: str
    zip_code: str = ""


class Filters(TypedDict):
    status: str
    limit: int


@qa.tool
async def lookup_order(order_id: str, include_items: bool = False) -> str:
    """Look up an order by its id.

    Args:
        order_id: the order's id, like "ord_123".
        include_items: also list the order's
            items.
    """
    return f"{order_id} {include_items}"


def test_definition_is_a_custom_tool_with_name_description_and_schema() -> None:
    assert lookup_order.definition == {
        "type": "custom",
        "name": "lookup_order",
        "description": "Look up an order by its id.",
        "input_schema": {
            "type": "object",
            "properties": {
                "order_id": {"type": "string", "description": 'the order\'s id, like "ord_123".'},
                "include_items": {
                    "type": "boolean",
                    "description": "also list the order's items.",
                },
            },
            "required": ["order_id"],
            "additionalProperties": False,
        },
    }


def test_string_hints_resolve_like_real_ones() -> None:
    # this module uses ``from __future__ import annotations``: every hint is a string
    @qa.tool
    def ship(
        address: Address,
        colour: Colour,
        size: Literal["s", "m"],
        note: Optional[str] = None,  # noqa: UP045 - the Optional spelling is what is tested
        tags: list[str] | None = None,
        counts: dict[str, int] | None = None,
        filters: Filters | None = None,
        weight: float = 1.0,
    ) -> None:
        """Ship a parcel."""

    props = ship.input_schema["properties"]
    assert props["address"]["properties"]["city"] == {"type": "string", "description": "the city."}
    assert props["address"]["required"] == ["city"]
    assert props["colour"] == {"enum": ["red", "blue"], "type": "string"}
    assert props["size"] == {"enum": ["s", "m"], "type": "string"}
    assert props["note"] == {"type": ["string", "null"]}
    assert props["tags"] == {
        "anyOf": [{"type": "array", "items": {"type": "string"}}, {"type": "null"}]
    }
    assert props["counts"]["anyOf"][0] == {
        "type": "object",
        "additionalProperties": {"type": "integer"},
    }
    assert props["filters"]["anyOf"][0]["required"] == ["status", "limit"]
    assert props["weight"] == {"type": "number"}
    assert ship.input_schema["required"] == ["address", "colour", "size"]


def test_a_parameter_without_a_hint_is_refused() -> None:
    with pytest.raises(TypeError, match="needs a type hint"):

        @qa.tool
        def bad(x) -> None:  # type: ignore[no-untyped-def]  # the point of the test
            """Bad."""


def test_a_name_outside_the_allowed_characters_is_refused() -> None:
    with pytest.raises(ValueError, match="must match"):
        qa.tool(name="no spaces")(lookup_order.fn)


def test_calling_the_tool_calls_the_function() -> None:
    @qa.tool
    def add(a: int, b: int) -> int:
        """Add."""
        return a + b

    assert add(2, 3) == 5


@pytest.mark.anyio
async def test_invalid_input_is_an_error_answer_and_the_function_is_not_called() -> None:
    calls: list[object] = []

    @qa.tool
    def count(n: int, tags: list[str]) -> str:
        """Count."""
        calls.append(n)
        return "ok"

    content, is_error = await count.run({"n": "5", "tags": "abc", "extra": 1})
    assert is_error
    assert calls == []
    text = content[0].text  # type: ignore[union-attr]  # a text block
    assert "unknown argument 'extra'" in text
    assert "$.n" in text
    assert "expected an integer, got a string" in text
    assert "$.tags" in text
    assert "expected an array" in text


@pytest.mark.anyio
async def test_a_missing_required_argument_is_reported() -> None:
    content, is_error = await lookup_order.run({})
    assert is_error
    assert "missing required argument 'order_id'" in content[0].text  # type: ignore[union-attr]  # a text block


@pytest.mark.anyio
async def test_nested_input_is_built_into_the_hinted_types() -> None:
    seen: list[object] = []

    @qa.tool
    async def ship(address: Address, colour: Colour) -> str:
        """Ship."""
        seen.extend([address, colour])
        return "shipped"

    _content, is_error = await ship.run({"address": {"city": "Oslo"}, "colour": "red"})
    assert not is_error
    assert seen == [Address("Oslo"), Colour.RED]
