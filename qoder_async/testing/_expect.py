"""``assert_events``: "this session received exactly these events", with a readable diff."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any, Union

from ._scripted import SessionRef, session_id_of

if TYPE_CHECKING:
    from ._server import Emulator

__all__ = ["ExpectedEvent", "assert_events", "matches"]

ExpectedEvent = Union[str, Mapping[str, Any]]
"""An event type (``"agent.message"``), or a dict every key of which the event must match."""


def matches(actual: Any, expected: Any) -> bool:
    """Whether ``actual`` has everything ``expected`` has: dicts by their expected keys
    (recursively), lists element by element with the same length, the rest by equality."""
    if isinstance(expected, Mapping):
        return isinstance(actual, Mapping) and all(
            key in actual and matches(actual[key], value) for key, value in expected.items()
        )
    if isinstance(expected, (list, tuple)):
        return (
            isinstance(actual, (list, tuple))
            and len(actual) == len(expected)
            and all(matches(a, e) for a, e in zip(actual, expected, strict=True))
        )
    return bool(actual == expected)


def _matches_one(event: Mapping[str, Any], expected: ExpectedEvent) -> bool:
    if isinstance(expected, str):
        return event.get("type") == expected
    return matches(event, expected)


def _describe(expected: ExpectedEvent) -> str:
    return expected if isinstance(expected, str) else repr(dict(expected))


def _report(events: Sequence[Mapping[str, Any]], expected: Sequence[ExpectedEvent]) -> str:
    lines = [f"the session received {len(events)} events, {len(expected)} were expected:"]
    for index in range(max(len(events), len(expected))):
        got = events[index] if index < len(events) else None
        want = expected[index] if index < len(expected) else None
        ok = got is not None and want is not None and _matches_one(got, want)
        mark = "  " if ok else "!="
        shown = str(got.get("type")) if got is not None else "(nothing)"
        if not ok and got is not None and not isinstance(want, str):
            shown = repr({k: v for k, v in got.items() if k not in ("processed_at",)})
        lines.append(
            f"{mark} [{index}] {shown}"
            + ("" if ok else f"\n        expected {_describe(want) if want else '(nothing)'}")
        )
    return "\n".join(lines)


def assert_events(
    emulator: Emulator,
    session: SessionRef,
    expected: Sequence[ExpectedEvent],
    *,
    ignore: Sequence[str] = (),
    timeout: float = 10.0,
) -> list[dict[str, Any]]:
    """Assert that ``session`` received exactly ``expected``, in order; return its events.

    The session's log holds what it received from the client (``user.*``) and what the
    agent emitted, as the stream sends them. Each expected item is an event type or a dict
    the event must match (``{"type": "user.tool_confirmation", "result": "allow"}``; nested
    dicts match by their given keys). ``ignore`` leaves out events of these types (say
    ``"span.model_request_start"``) from both sides. It first waits up to ``timeout``
    seconds for a running turn to end (``TimeoutError`` if it does not).

    Raises ``AssertionError`` listing both sequences, the differing rows marked ``!=``.
    """
    session_id = session_id_of(session)
    emulator.wait_idle(session_id, timeout)
    skipped = set(ignore)
    events = [event for event in emulator.log(session_id) if event.get("type") not in skipped]
    wanted = [item for item in expected if not (isinstance(item, str) and item in skipped)]
    if len(events) != len(wanted) or not all(
        _matches_one(event, item) for event, item in zip(events, wanted, strict=True)
    ):
        raise AssertionError(_report(events, wanted))
    return events
