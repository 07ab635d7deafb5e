"""client.dreams against the emulator: one dream at a time, which ends and is archived."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from typing import Any

import anyio
import pytest

import qoder_async as qa
from qoder_async.testing import Emulator
from tests.hostile._server import Connection, http_response, raw_server

pytestmark = pytest.mark.anyio

STORE = {"type": "memory_store", "memory_store_id": "memstore_notes"}


@pytest.fixture
def dream_emulator() -> Iterator[Emulator]:
    """An emulator of its own: dreams are single-flight, so tests must not share one."""
    with Emulator() as emu:
        yield emu


@pytest.fixture
async def dreamer(dream_emulator: Emulator) -> AsyncIterator[qa.AsyncQoder]:
    async with qa.AsyncQoder(
        "token", dream_emulator.base_url, retry_policy=qa.RetryPolicy.instant()
    ) as client:
        yield client


async def ended(client: qa.AsyncQoder, dream: qa.Dream) -> qa.Dream:
    with anyio.fail_after(10):
        while (dream := await client.dreams.retrieve(dream.id)).active:  # noqa: ASYNC110  (dreams are polled)
            await anyio.sleep(0.05)
    return dream


def dream_posts(emulator: Emulator) -> int:
    return sum(1 for r in emulator.requests if r.method == "POST" and r.path.endswith("/dreams"))


async def test_a_dream_starts_pending(dreamer: qa.AsyncQoder) -> None:
    dream = await dreamer.dreams.create(inputs=[STORE], model="auto", instructions="Tidy up")
    assert dream.id.startswith("drm_")
    assert dream.status == "pending"
    assert dream.inputs == (STORE,)
    assert dream.model == {"id": "auto", "speed": "standard"}
    assert dream.instructions == "Tidy up"


async def test_a_second_dream_while_one_is_active_is_a_conflict(
    dreamer: qa.AsyncQoder,
) -> None:
    await dreamer.dreams.create(inputs=[STORE], model="auto")
    with pytest.raises(qa.ConflictError, match="one dream"):
        await dreamer.dreams.create(inputs=[STORE], model="auto")


async def test_a_dream_completes_with_an_output_store_and_usage(
    dreamer: qa.AsyncQoder,
) -> None:
    dream = await ended(dreamer, await dreamer.dreams.create(inputs=[STORE], model="lite"))
    assert dream.status == "completed"
    assert dream.ended_at is not None
    assert dream.session_id is not None
    (output,) = dream.outputs
    assert output["type"] == "memory_store"
    assert output["memory_store_id"] != STORE["memory_store_id"]
    assert dream.usage is not None
    assert dream.usage.input_tokens


async def test_update_existing_writes_to_the_named_store(dreamer: qa.AsyncQoder) -> None:
    behavior = {"type": "update_existing", "memory_store_id": "memstore_target"}
    dream = await dreamer.dreams.create(inputs=[STORE], model="auto", output_behavior=behavior)
    (output,) = (await ended(dreamer, dream)).outputs
    assert output["memory_store_id"] == "memstore_target"


async def test_a_new_dream_may_start_once_the_last_has_ended(dreamer: qa.AsyncQoder) -> None:
    await ended(dreamer, await dreamer.dreams.create(inputs=[STORE], model="auto"))
    assert (await dreamer.dreams.create(inputs=[STORE], model="auto")).status == "pending"


async def test_an_ended_dream_is_archived_and_archiving_again_is_harmless(
    dreamer: qa.AsyncQoder,
) -> None:
    dream = await ended(dreamer, await dreamer.dreams.create(inputs=[STORE], model="auto"))
    archived = await dreamer.dreams.archive(dream.id)
    assert archived.archived_at is not None
    assert (await dreamer.dreams.archive(dream.id)).archived_at == archived.archived_at


async def test_archiving_an_active_dream_is_a_400(dreamer: qa.AsyncQoder) -> None:
    dream = await dreamer.dreams.create(inputs=[STORE], model="auto")
    with pytest.raises(qa.InvalidRequestError, match="cancel it first"):
        await dreamer.dreams.archive(dream.id)


async def test_cancel_ends_an_active_dream(dreamer: qa.AsyncQoder) -> None:
    dream = await dreamer.dreams.create(inputs=[STORE], model="auto")
    canceled = await dreamer.dreams.cancel(dream.id)
    assert (canceled.status, canceled.active) == ("canceled", False)
    assert canceled.ended_at is not None
    assert (await dreamer.dreams.create(inputs=[STORE], model="auto")).status == "pending"


async def test_cancelling_an_ended_dream_is_a_conflict(dreamer: qa.AsyncQoder) -> None:
    dream = await dreamer.dreams.create(inputs=[STORE], model="auto")
    await dreamer.dreams.cancel(dream.id)
    with pytest.raises(qa.ConflictError, match="already ended"):
        await dreamer.dreams.cancel(dream.id)


async def test_an_unknown_dream_is_not_found(dreamer: qa.AsyncQoder) -> None:
    with pytest.raises(qa.NotFoundError, match="Dream 'drm_nope' was not found"):
        await dreamer.dreams.retrieve("drm_nope")


async def test_an_unknown_model_is_a_400(dreamer: qa.AsyncQoder) -> None:
    with pytest.raises(qa.InvalidRequestError, match="model"):
        await dreamer.dreams.create(inputs=[STORE], model={"id": "huge", "speed": "warp"})


@pytest.mark.parametrize(
    ("inputs", "instructions"),
    [
        ([], None),
        ([{"type": "sessions", "session_ids": ["sess_1"]}], None),
        ([STORE, {"type": "memory_store", "memory_store_id": "memstore_2"}], None),
        ([{"type": "memory_store"}], None),
        ([STORE, {"type": "sessions", "session_ids": [f"sess_{i}" for i in range(101)]}], None),
        ([STORE], "x" * 4097),
    ],
)
async def test_create_checks_the_documented_rules_before_sending(
    dreamer: qa.AsyncQoder,
    dream_emulator: Emulator,
    inputs: list[dict[str, Any]],
    instructions: str | None,
) -> None:
    with pytest.raises(qa.InvalidInputError):
        await dreamer.dreams.create(inputs=inputs, model="auto", instructions=instructions)
    assert dream_posts(dream_emulator) == 0


async def test_instructions_of_4096_characters_are_accepted(dreamer: qa.AsyncQoder) -> None:
    dream = await dreamer.dreams.create(inputs=[STORE], model="auto", instructions="x" * 4096)
    assert dream.instructions is not None
    assert len(dream.instructions) == 4096


async def test_list_pages_past_two_pages_newest_first(dreamer: qa.AsyncQoder) -> None:
    made = []
    for _ in range(5):
        dream = await dreamer.dreams.create(inputs=[STORE], model="auto")
        await dreamer.dreams.cancel(dream.id)
        made.append(dream.id)
    pages = [page async for page in dreamer.dreams.list(limit=2).pages()]
    assert [len(page) for page in pages] == [2, 2, 1]
    assert [dream.id for page in pages for dream in page] == made[::-1]


async def test_list_filters_by_status_and_hides_archived(dreamer: qa.AsyncQoder) -> None:
    old = await dreamer.dreams.create(inputs=[STORE], model="auto")
    await dreamer.dreams.cancel(old.id)
    await dreamer.dreams.archive(old.id)
    current = await dreamer.dreams.create(inputs=[STORE], model="auto")
    assert [d.id async for d in dreamer.dreams.list()] == [current.id]
    everything = dreamer.dreams.list(include_archived=True, statuses=["canceled"])
    assert [d.id async for d in everything] == [old.id]


async def test_create_is_sent_once_whatever_max_retries_says() -> None:
    def overloaded(conn: Connection) -> None:
        conn.send(http_response(529, b'{"type":"error","error":{"type":"overloaded_error"}}'))

    with raw_server(overloaded) as server:
        async with qa.AsyncQoder(
            "token", server.base_url, max_retries=3, retry_policy=qa.RetryPolicy.instant()
        ) as client:
            with pytest.raises(qa.APIStatusError):
                await client.dreams.create(inputs=[STORE], model="auto")
        assert len(server.requests) == 1
