"""``client.models``: list, paged by id cursors."""

from __future__ import annotations

import pytest

import qoder_async as qa
from qoder_async.testing import Emulator

pytestmark = pytest.mark.anyio


async def test_list_gives_typed_models(client: qa.AsyncQoder) -> None:
    models = [m async for m in client.models.list()]
    assert "ultimate" in [m.id for m in models]
    assert all(isinstance(m, qa.ModelInfo) and m.display_name for m in models)


async def test_list_walks_more_than_two_pages(client: qa.AsyncQoder) -> None:
    everything = [m.id for m in await client.models.list(limit=100)]
    pages = [page async for page in client.models.list(limit=1).pages()]
    assert ([m.id for page in pages for m in page], len(pages)) == (everything, len(everything))
    assert len(pages) > 2


async def test_list_pages_with_after_id(client: qa.AsyncQoder, emulator: Emulator) -> None:
    before = len(emulator.requests)
    first, _second = [page async for page in client.models.list(limit=1).pages()][:2]
    second_query = emulator.requests[before + 1].query
    assert (f"after_id={first.data[0].id}" in second_query, "page=" in second_query) == (
        True,
        False,
    )


async def test_list_before_an_id(client: qa.AsyncQoder) -> None:
    everything = [m.id for m in await client.models.list(limit=100)]
    page = await client.models.list(before_id=everything[2])
    assert [m.id for m in page] == everything[:2]


async def test_list_limit_over_100_is_invalid(client: qa.AsyncQoder) -> None:
    with pytest.raises(qa.InvalidRequestError):
        await client.models.list(limit=101)
