"""``assert_events``: this session received exactly these events, or a readable diff."""

from __future__ import annotations

import pytest

from qoder_async.testing import Emulator, assert_events


@pytest.fixture
def session_id(emulator: Emulator) -> str:
    session_id = str(emulator.new_session()["id"])
    emulator.append_events(
        session_id,
        [
            {"type": "agent.message", "content": [{"type": "text", "text": "hi"}]},
            {"type": "session.status_idle", "stop_reason": {"type": "end_turn"}},
        ],
    )
    return session_id


def test_the_exact_sequence_passes_and_is_returned(emulator: Emulator, session_id: str) -> None:
    events = assert_events(
        emulator,
        session_id,
        [{"content": [{"text": "hi"}]}, {"stop_reason": {"type": "end_turn"}}],
    )
    assert [e["type"] for e in events] == ["agent.message", "session.status_idle"]


def test_an_event_more_than_expected_fails(emulator: Emulator, session_id: str) -> None:
    with pytest.raises(AssertionError, match=r"received 2 events, 1 were expected"):
        assert_events(emulator, session_id, ["agent.message"])


def test_a_differing_event_is_marked_with_what_was_expected(
    emulator: Emulator, session_id: str
) -> None:
    with pytest.raises(AssertionError) as caught:
        assert_events(emulator, session_id, ["agent.message", "session.status_running"])
    assert str(caught.value).splitlines()[1:] == [
        "   [0] agent.message",
        "!= [1] session.status_idle",
        "        expected session.status_running",
    ]


def test_ignored_types_are_left_out_of_both_sides(emulator: Emulator, session_id: str) -> None:
    assert_events(emulator, session_id, ["agent.message"], ignore=["session.status_idle"])


def test_a_session_given_by_its_object_works_too(emulator: Emulator, session_id: str) -> None:
    assert_events(emulator, {"id": session_id}, ["agent.message", "session.status_idle"])
