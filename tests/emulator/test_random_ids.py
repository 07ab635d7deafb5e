"""``Emulator(ids="random")``: unordered ids, and nothing in the emulator that sorts them."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from qoder_async.testing import Emulator

from ._helpers import TOKEN, make_session, send_message


@pytest.fixture(scope="module")
def random_emu() -> Iterator[Emulator]:
    with Emulator(ids="random", heartbeat_interval=0.2) as emulator:
        yield emulator


@pytest.fixture
def http(random_emu: Emulator) -> Iterator[httpx.Client]:
    headers = {"Authorization": f"Bearer {TOKEN}"}
    with httpx.Client(base_url=random_emu.base_url, headers=headers, timeout=10.0) as client:
        yield client


def _environments(http: httpx.Client, count: int) -> list[str]:
    return [http.post("/environments", json={"name": "e"}).json()["id"] for _ in range(count)]


def test_random_ids_are_128_bit_hex_in_no_order(http: httpx.Client) -> None:
    tails = [i.removeprefix("env_") for i in _environments(http, 16)]
    assert all(len(t) == 32 and int(t, 16) >= 0 for t in tails)
    assert tails != sorted(tails)  # sorted by chance: once in 16! runs


def test_unknown_id_scheme_is_refused() -> None:
    with pytest.raises(ValueError, match="ids must be one of"):
        Emulator(ids="sequential")


def test_lists_keep_creation_order_with_random_ids(http: httpx.Client) -> None:
    created = _environments(http, 12)
    listed = []
    page: str | None = None
    while True:
        params: dict[str, str | int] = {"limit": 5, **({"page": page} if page else {})}
        answer = http.get("/environments", params=params).json()
        listed += [e["id"] for e in answer["data"]]
        page = answer["next_page"]
        if page is None:
            break
    assert [i for i in listed if i in created] == created


def test_a_deleted_cursor_continues_where_it_stood(http: httpx.Client) -> None:
    created = _environments(http, 6)
    first = http.get("/environments", params={"limit": 100}).json()["data"]
    anchor = created[2]
    start = [e["id"] for e in first].index(anchor)
    assert http.delete(f"/environments/{anchor}").status_code == 200
    after = http.get("/environments", params={"after_id": anchor, "limit": 2}).json()
    assert [e["id"] for e in after["data"]] == [e["id"] for e in first[start + 1 : start + 3]]


def test_an_id_that_never_existed_is_not_a_cursor(http: httpx.Client) -> None:
    answer = http.get("/environments", params={"after_id": "env_nope"})
    assert answer.status_code == 400


def test_history_after_an_event_the_type_filter_leaves_out(
    random_emu: Emulator, http: httpx.Client
) -> None:
    session = make_session(http)
    send_message(http, session["id"], "one")
    random_emu.wait_idle(session["id"])
    log = random_emu.log(session["id"])
    running = next(i for i, e in enumerate(log) if e["type"] == "session.status_running")
    params = {"after_id": log[running]["id"], "types[]": "agent.message"}
    answer = http.get(f"/sessions/{session['id']}/events", params=params).json()
    assert [e["type"] for e in answer["data"]] == ["agent.message"]


def test_stream_resumes_after_last_event_id_with_random_ids(
    random_emu: Emulator, http: httpx.Client
) -> None:
    session = make_session(http)
    send_message(http, session["id"], "one")
    random_emu.wait_idle(session["id"])
    log = [e["id"] for e in random_emu.log(session["id"])]
    url = f"/sessions/{session['id']}/events/stream"
    seen = []
    with http.stream("GET", url, headers={"Last-Event-ID": log[3]}) as response:
        for line in response.iter_lines():
            if line.startswith("id: "):
                seen.append(line.removeprefix("id: "))
            if len(seen) == len(log) - 4:
                break
    assert seen == log[4:]
