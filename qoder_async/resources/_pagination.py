"""Pages of list results, and a pager that walks them lazily.

``await client.agents.list()`` gives the first :class:`Page`; ``async for agent in
client.agents.list()`` walks every item of every page, fetching the next page only when the
items of the current one are used up.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable, Generator, Mapping
from typing import Any, Generic, TypeVar

from attrs import frozen

from .._errors import QoderError

__all__ = ["AsyncPager", "Page"]

T = TypeVar("T")

FetchPage = Callable[[Mapping[str, Any]], Awaitable["Page[T]"]]
"""Fetches one page given the cursor parameters to add."""


@frozen(kw_only=True)
class Page(Generic[T]):
    """One page of a list: ``data`` and where the next page starts.

    ``cursor`` is ``"page"`` (the API's ``next_page`` token) or ``"id"`` (``after_id`` =
    ``last_id``, for models).
    """

    data: list[T]
    has_more: bool = False
    first_id: str | None = None
    last_id: str | None = None
    next_page: str | None = None
    cursor: str = "page"

    def next_params(self) -> dict[str, str] | None:
        """The parameters that fetch the following page, or ``None`` on the last page."""
        if not self.data or not self.has_more:
            return None
        if self.cursor == "id":
            return {"after_id": self.last_id} if self.last_id else None
        return {"page": self.next_page} if self.next_page else None

    def __iter__(self) -> Any:
        return iter(self.data)

    def __len__(self) -> int:
        return len(self.data)


class AsyncPager(Generic[T]):
    """The result of a list call: await it for the first page, or iterate all items."""

    def __init__(self, fetch: FetchPage[T]) -> None:
        self._fetch = fetch

    def __await__(self) -> Generator[Any, None, Page[T]]:
        return self._fetch({}).__await__()

    async def pages(self) -> AsyncIterator[Page[T]]:
        """Every page, in order, fetched one at a time."""
        params: Mapping[str, Any] = {}
        seen: set[str] = set()
        while True:
            page = await self._fetch(params)
            yield page
            following = page.next_params()
            if following is None:
                return
            token = next(iter(following.values()))
            if token in seen:
                raise QoderError(f"the API returned the same page cursor twice ({token!r})")
            seen.add(token)
            params = following

    async def __aiter__(self) -> AsyncIterator[T]:
        async for page in self.pages():
            for item in page.data:
                yield item
