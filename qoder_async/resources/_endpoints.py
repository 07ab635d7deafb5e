"""The endpoint layer: each API operation is declared once, as a typed method signature.

::

    class Agents(Resource):
        @endpoint("POST", "/agents")
        async def create(self, *, name: str, model: str, ...) -> Agent:
            \"\"\"Create an agent.\"\"\"

The decorator supplies the body: positional parameters fill the path, the rest become the
query (GET, DELETE) or the JSON body (POST), ``idempotency_key`` becomes the header, and the
answer is decoded into the return type by the one converter. A plain ``def`` returning
:class:`AsyncPager` declares a list. Users see ordinary, fully typed methods.

A method written by hand (a stream, an upload) is marked with ``@route(method, path)`` so
that :func:`routes`, which lists every operation a client can reach, knows about it too.

Rules for arguments, so that a declaration needs nothing else:

- ``None`` or ``NOT_GIVEN`` left at its default is not sent; an explicit ``None`` over a
  ``NOT_GIVEN`` default is sent as JSON ``null`` (that clears a field in an update).
- Query names: ``created_at_gte`` is sent as ``created_at[gte]``; a list is sent as repeated
  ``name[]`` (``statuses[]=idle&statuses[]=running``); booleans as ``true``/``false``.

Three options cover what a signature cannot say: ``check`` looks at the arguments before
anything is sent (and raises :class:`InvalidInputError` where the API documents a rule),
``retry=False`` marks a call that must not be repeated blindly (a deployment run, a dream):
it is sent once, whatever ``max_retries`` says, and ``span`` wraps the call in a span of its
own (``create_agent``).
"""

from __future__ import annotations

import functools
import inspect
import re
import typing
from collections.abc import Callable, Coroutine, Iterator, Mapping
from contextlib import AbstractContextManager
from functools import cached_property
from typing import TYPE_CHECKING, Any, TypeVar

import httpx
from attrs import frozen

from .._config import NOT_GIVEN
from .._errors import unexpected_response
from .._http._bodies import json_body
from .._http._urls import path_segment
from .._models._convert import converter
from .._models._objects import DeletedObject
from .._models._params import check_metadata
from .._telemetry import Telemetry
from ._pagination import AsyncPager, Page

if TYPE_CHECKING:
    from .._http._core import HTTPCore

__all__ = ["Resource", "Route", "SpanOf", "endpoint", "route", "routes", "shaped"]

F = TypeVar("F", bound=Callable[..., Any])
T = TypeVar("T")

_RANGE_SUFFIX = re.compile(r"_(gte|lte|gt|lt)$")
_HEADER_ARGS = {"idempotency_key"}
_ROUTE_ATTR = "__qoder_route__"

SpanOf = Callable[[Telemetry, Mapping[str, Any]], AbstractContextManager[Callable[[Any], None]]]
"""``span(telemetry, arguments)``: a context manager around one call, which yields a
function to give the call's result to."""


class Resource:
    """A namespace of endpoints (``client.agents``) bound to a client."""

    def __init__(self, client: HTTPCore) -> None:
        self._client = client

    def __repr__(self) -> str:
        return f"<{type(self).__name__} of {self._client.base_url}>"


@frozen
class Route:
    """The API operation a method performs: ``Route("GET", "/files/{file_id}")``."""

    method: str
    path: str


def route(method: str, path: str) -> Callable[[F], F]:
    """Mark a hand-written method as performing ``method path`` (see :func:`routes`)."""

    def mark(fn: F) -> F:
        setattr(fn, _ROUTE_ATTR, Route(method, path))
        return fn

    return mark


def routes(root: object, name: str = "client") -> Iterator[tuple[str, Route]]:
    """Every operation reachable from ``root`` (a client or a resource), by dotted name:
    ``("client.files.upload", Route("POST", "/files"))``, walking sub-resources such as
    ``client.sessions.threads.events``."""
    for attr in sorted(dir(type(root))):
        if attr.startswith("_"):
            continue
        static = inspect.getattr_static(type(root), attr)
        if isinstance(static, cached_property):
            value = getattr(root, attr)
            if isinstance(value, Resource):
                yield from routes(value, f"{name}.{attr}")
        elif isinstance(getattr(static, _ROUTE_ATTR, None), Route):
            yield f"{name}.{attr}", getattr(static, _ROUTE_ATTR)


def shaped(response: httpx.Response, body: Any, build: Callable[[], T], what: str) -> T:
    """``build()``, which structures ``body`` (the JSON of ``response``) as ``what``.

    Raises:
        UnexpectedResponseError: the JSON does not have the shape of ``what``.
    """
    try:
        return build()
    except Exception as exc:  # cattrs raises many kinds; all mean "not this shape"
        why = f"the JSON does not fit {what}: {type(exc).__name__}"
        raise unexpected_response(response, what, why=why, body=body) from exc


def _query_name(name: str) -> str:
    return _RANGE_SUFFIX.sub(r"[\1]", name)


def _query_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


class _Operation:
    """What one declaration means, worked out once from its signature and annotations."""

    def __init__(
        self,
        fn: Callable[..., Any],
        method: str,
        path: str,
        unwrap: str | None,
        cursor: str,
        then: tuple[type[Any], Callable[[Any, Any], Any]] | None,
        check: Callable[[Mapping[str, Any]], None] | None,
        query: tuple[str, ...] = (),
    ) -> None:
        self.method = method
        self.check = check
        self.path = path
        self.unwrap = unwrap
        self.cursor = cursor
        self.then = then
        self.query_names = frozenset(query)
        self.signature = inspect.signature(fn)
        params = list(self.signature.parameters.values())[1:]  # drop self
        self.path_params = [p.name for p in params if p.kind is p.POSITIONAL_ONLY]
        self.defaults = {p.name: p.default for p in params}
        self._fn = fn
        self._hints: dict[str, Any] | None = None

    @property
    def returns(self) -> Any:
        return self.hints["return"]

    @property
    def hints(self) -> dict[str, Any]:
        # Annotations are strings until the modules they name are all imported.
        if self._hints is None:
            self._hints = typing.get_type_hints(self._fn)
        return self._hints

    def _metadata_rule(self, name: str) -> bool | None:
        """How the mapping ``name`` is checked: ``True`` for a patch (declared with ``None``
        values), ``False`` for plain strings, ``None`` when declared with values of any type."""
        for option in typing.get_args(self.hints[name]) or (self.hints[name],):
            if typing.get_origin(option) is dict:
                values = typing.get_args(option)[1]
                if values is Any:
                    return None
                return type(None) in typing.get_args(values)
        return False

    def split(self, bound: Mapping[str, Any]) -> tuple[str, dict[str, Any], dict[str, str]]:
        """The path, the arguments to send, and the headers of one call."""
        if self.check is not None:
            self.check(bound)
        path = self.path.format(
            **{name: path_segment(bound[name], name) for name in self.path_params}
        )
        sent: dict[str, Any] = {}
        headers: dict[str, str] = {}
        for name, value in bound.items():
            if name in self.path_params or value is NOT_GIVEN:
                continue
            if value is None and self.defaults.get(name) is None:
                continue
            if name in _HEADER_ARGS:
                headers["Idempotency-Key"] = value
                continue
            if name == "metadata" and value is not None:
                rule = self._metadata_rule(name)
                if rule is not None:
                    check_metadata(value, patch=rule)
            sent[name] = value
        return path, sent, headers

    def query(self, sent: Mapping[str, Any]) -> list[tuple[str, str]]:
        pairs: list[tuple[str, str]] = []
        for name, value in sent.items():
            if isinstance(value, (list, tuple)):
                pairs.extend((f"{name}[]", _query_value(v)) for v in value)
            else:
                pairs.append((_query_name(name), _query_value(value)))
        return pairs

    def decode(self, resource: Resource, response: httpx.Response, bound: Mapping[str, Any]) -> Any:
        """The answer as the declared type.

        Raises:
            UnexpectedResponseError: the answer is not JSON, or not of the declared shape.
        """
        body = json_body(response)
        if body is None and self.returns is DeletedObject and self.path_params:
            # A delete answered 204 with no body: the deleted object is the last path id.
            return DeletedObject(id=bound[self.path_params[-1]])
        what = getattr(self.returns, "__name__", str(self.returns))
        return shaped(response, body, lambda: self._structure(resource, body), what)

    def _structure(self, resource: Resource, body: Any) -> Any:
        returns = self.returns
        if returns is type(None):
            return None
        if self.unwrap is not None and isinstance(body, dict) and self.unwrap in body:
            body = body[self.unwrap]
        if typing.get_origin(returns) is list and isinstance(body, dict):
            body = [body]  # one object where the docs promise a list (the Py SDK's shape)
        elif typing.get_origin(returns) is list and body is None:
            body = []  # an empty body (e.g. a bare 202 to a send) where a list is promised
        if self.then is None:
            return converter.structure(body, returns)
        model, then = self.then
        return then(resource, converter.structure(body, model))


def endpoint(
    method: str,
    path: str,
    *,
    unwrap: str | None = None,
    cursor: str = "page",
    then: tuple[type[Any], Callable[[Any, Any], Any]] | None = None,
    query: tuple[str, ...] = (),
    check: Callable[[Mapping[str, Any]], None] | None = None,
    retry: bool = True,
    span: SpanOf | None = None,
) -> Callable[[F], F]:
    """Declare an API operation on a :class:`Resource` method (see the module docstring).

    Args:
        method: ``GET``, ``POST`` or ``DELETE``.
        path: relative to the base URL, with ``{name}`` for each positional-only parameter.
        unwrap: take this key of the answer (``"data"``, ``"resources"``) when present.
        cursor: for lists, ``"page"`` (``next_page``) or ``"id"`` (``after_id``).
        then: ``(Model, wrap)``: decode the answer as ``Model``, then return
            ``wrap(resource, model)`` (how ``sessions.create`` returns an ``AsyncSession``).
        check: called with the bound arguments before anything is sent; raises
            ``InvalidInputError`` for input the API would refuse.
        retry: ``False`` sends the call once, never retried whatever ``max_retries`` says
            (for calls the API says must not be repeated blindly).
        query: arguments of a POST sent in the query string, not the body (``view``).
        span: a span around each call (see :data:`SpanOf`); it is given the decoded result.
    """

    mark = route(method, path)

    def decorate(fn: F) -> F:
        op = _Operation(fn, method, path, unwrap, cursor, then, check, query)

        async def call(self: Resource, bound: dict[str, Any]) -> Any:
            if span is None:
                return await send(self, bound)
            with span(self._client.telemetry, bound) as result_of:
                result = await send(self, bound)
                result_of(result)
                return result

        async def send(self: Resource, bound: dict[str, Any]) -> Any:
            path, sent, headers = op.split(bound)
            client = self._client if retry else self._client.copy(max_retries=0)
            if method == "POST":
                in_query = {k: v for k, v in sent.items() if k in op.query_names}
                body = {k: v for k, v in sent.items() if k not in op.query_names}
                response = await client.request(
                    method,
                    path,
                    params=op.query(in_query),
                    json=converter.unstructure(body),
                    headers=headers,
                )
            else:
                response = await client.request(method, path, params=op.query(sent))
            return op.decode(self, response, bound)

        if inspect.iscoroutinefunction(fn):
            # A plain function returning the coroutine, so that a wrong call (an unknown
            # keyword, one argument too many) raises TypeError at once, as an ``async def``.
            @functools.wraps(fn)
            def invoke(self: Resource, *args: Any, **kwargs: Any) -> Coroutine[Any, Any, Any]:
                bound = op.signature.bind(self, *args, **kwargs).arguments
                bound.pop("self")
                return call(self, bound)

            return mark(typing.cast(F, invoke))

        @functools.wraps(fn)
        def list_pages(self: Resource, *args: Any, **kwargs: Any) -> AsyncPager[Any]:
            bound = op.signature.bind(self, *args, **kwargs).arguments
            bound.pop("self")
            (item_type,) = typing.get_args(op.returns)
            path, sent, _ = op.split(bound)
            query = op.query(sent)

            async def fetch(cursor: Mapping[str, Any]) -> Page[Any]:
                response = await self._client.request(
                    method, path, params=query + [(k, str(v)) for k, v in cursor.items()]
                )
                body = json_body(response)

                def page() -> Page[Any]:
                    return Page(
                        data=converter.structure(body.get("data") or [], list[item_type]),  # type: ignore[valid-type]  # item_type is a runtime type
                        has_more=bool(body.get("has_more")),
                        first_id=body.get("first_id"),
                        last_id=body.get("last_id"),
                        next_page=body.get("next_page"),
                        cursor=cursor_style,
                    )

                return shaped(response, body, page, f"a page of {item_type.__name__}")

            return AsyncPager(fetch)

        cursor_style = cursor
        return mark(typing.cast(F, list_pages))

    return decorate
