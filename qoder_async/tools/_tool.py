"""``@qa.tool``: a Python function the agent can call, with its schema and its checks."""

from __future__ import annotations

import functools
import inspect
import json
import logging
import re
import typing
from collections.abc import Callable
from typing import Any, Generic, TypeVar, overload

import anyio
import anyio.to_thread

from .._errors import ToolError
from .._models._content import BLOCK_TYPES, ContentBlock, JSONObject, TextBlock
from .._models._convert import converter
from .._telemetry import error_type_of
from ._schema import parse_docstring, signature_schema
from ._validate import InvalidToolInput, arguments

__all__ = ["Tool", "ToolOutput", "tool", "tool_output"]

logger = logging.getLogger("qoder_async")

R = TypeVar("R")
_NAME = re.compile(r"^[A-Za-z0-9_-]{1,64}$")

ToolOutput = tuple[tuple[ContentBlock, ...], bool]
"""What answering one call produced: the content for the model, and whether it is an error."""

FAILED = "The tool failed with an internal error; the details are in the client's log."


def tool_output(value: object) -> tuple[ContentBlock, ...]:
    """Content blocks from what a tool returned: text as is, blocks as they are, anything
    else as JSON text (``None`` becomes an empty result)."""
    if value is None:
        return ()
    if isinstance(value, str):
        return (TextBlock(value),)
    if isinstance(value, tuple(BLOCK_TYPES.values())):
        return (typing.cast(ContentBlock, value),)
    if (
        isinstance(value, (list, tuple))
        and value
        and all(isinstance(item, tuple(BLOCK_TYPES.values())) for item in value)
    ):
        return tuple(value)
    return (TextBlock(json.dumps(value, ensure_ascii=False, default=str)),)


class Tool(Generic[R]):
    """A custom tool made from a function by :func:`tool`.

    Attributes:
        name: the tool's name (the function's, unless given).
        description: what the model reads about the tool (the docstring's description).
        input_schema: the JSON Schema of the arguments, from the hints and ``Args:``.
        definition: the entry for an agent's ``tools``: ``{"type": "custom", ...}``.
        timeout: seconds a call may take (``None``: the runner's default).

    Calling the tool object calls the function itself, as if it were not decorated.
    """

    def __init__(
        self,
        fn: Callable[..., R],
        *,
        name: str | None = None,
        description: str | None = None,
        timeout: float | None = None,
    ) -> None:
        self.fn = fn
        self.name = name or fn.__name__
        if not _NAME.match(self.name):
            raise ValueError(f"tool name {self.name!r} must match [A-Za-z0-9_-]{{1,64}}")
        summary, docs = parse_docstring(fn.__doc__)
        self.description = description or summary or self.name
        self.input_schema, self._hints = signature_schema(fn, docs)
        self._required = set(self.input_schema["required"])
        self.timeout = timeout
        functools.update_wrapper(self, fn)

    def __repr__(self) -> str:
        return f"<Tool {self.name}>"

    def __call__(self, *args: Any, **kwargs: Any) -> R:
        """Call the function itself."""
        return self.fn(*args, **kwargs)

    @property
    def definition(self) -> JSONObject:
        """``{"type": "custom", "name", "description", "input_schema"}`` for an agent."""
        return {
            "type": "custom",
            "name": self.name,
            "description": self.description,
            "input_schema": self.input_schema,
        }

    async def run(self, tool_input: object) -> ToolOutput:
        """Check the input, call the function, and turn what happened into an answer.

        Never raises for what the tool does: invalid input, :class:`ToolError` and any other
        exception become error answers (the last one logged, its text kept from the model).
        Cancellation passes through.
        """
        output, _ = await self._attempt(tool_input)
        return output

    async def _attempt(self, tool_input: object) -> tuple[ToolOutput, str | None]:
        """:meth:`run`, and why the call failed, for its span's ``error.type``: ``None``
        when it did not, ``"invalid_input"``, or the full name of the exception it raised
        (``qoder_async.ToolError``, ``ValueError``)."""
        try:
            kwargs = arguments(self._hints, self._required, tool_input)
        except InvalidToolInput as exc:
            return ((TextBlock(f"Invalid input for {self.name}: {exc}"),), True), "invalid_input"
        try:
            if inspect.iscoroutinefunction(self.fn):
                value: object = await self.fn(**kwargs)
            else:
                call = functools.partial(self.fn, **kwargs)
                value = await anyio.to_thread.run_sync(call, abandon_on_cancel=True)
                if inspect.isawaitable(value):
                    value = await value
        except ToolError as exc:
            text = str(exc) or "The tool reported an error."
            return ((TextBlock(text),), True), error_type_of(exc)
        except Exception as exc:
            logger.exception("the tool %s raised", self.name)
            return ((TextBlock(FAILED),), True), error_type_of(exc)
        return (tool_output(value), False), None


@overload
def tool(fn: Callable[..., R], /) -> Tool[R]: ...
@overload
def tool(
    *, name: str | None = None, description: str | None = None, timeout: float | None = None
) -> Callable[[Callable[..., R]], Tool[R]]: ...
def tool(
    fn: Callable[..., R] | None = None,
    /,
    *,
    name: str | None = None,
    description: str | None = None,
    timeout: float | None = None,
) -> Tool[R] | Callable[[Callable[..., R]], Tool[R]]:
    """Make a function a custom tool: ``@qa.tool`` or ``@qa.tool(name=..., timeout=...)``.

    The schema comes from the type hints (defaults make an argument optional) and the
    description from the Google-style docstring, ``Args:`` giving each argument's. The
    function may be ``async def``, or a plain ``def`` (run in a worker thread, so it never
    blocks the event loop). Raise :class:`ToolError` to answer the model with an error.

    Raises:
        TypeError: an argument has no hint, is variadic, or its hint has no JSON form.
        ValueError: the name is not ``[A-Za-z0-9_-]{1,64}``.
    """
    if fn is not None:
        return Tool(fn, name=name, description=description, timeout=timeout)

    def decorate(inner: Callable[..., R]) -> Tool[R]:
        return Tool(inner, name=name, description=description, timeout=timeout)

    return decorate


# A tool in an agent's ``tools`` (``client.agents.create(tools=[lookup_order])``) is sent as
# its definition.
converter.register_unstructure_hook(Tool, lambda t: t.definition)
