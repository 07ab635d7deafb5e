"""TurnView: what a stream of events means for the reader, before any drawing."""

from __future__ import annotations

import qoder_async as qa
from qoder_async.cli._view import Line, TurnView, result_summary, tool_input_summary


def _feed(view: TurnView, *events: qa.Event) -> list[Line]:
    return [line for event in events for line in view.feed(event)]


def test_result_summary_shows_the_first_line_without_its_number_and_counts_the_rest() -> None:
    text = "     1\t# Spec\n     2\t\n     3\t- AC1\n     4\t- AC2\n"
    assert result_summary(text) == "# Spec  (+2 lines)"


def test_result_summary_of_two_lines_counts_one_more_line() -> None:
    assert result_summary("# Spec\n- AC1\n") == "# Spec  (+1 line)"


def test_an_interrupted_turn_ends_as_stopped_not_as_end_turn() -> None:
    view = TurnView()
    lines = _feed(
        view,
        qa.UserMessage(id="u1", content=(qa.TextBlock(text="hi"),)),
        qa.SessionStatusRunning(id="r1"),
        qa.UserInterrupt(id="i1"),
        qa.SessionStatusIdle(id="e1", stop_reason=qa.StopReason(type="end_turn")),
    )
    assert [line.text for line in lines if line.kind == "note"] == [
        "interrupt sent; the agent stops"
    ]
    assert lines[-1].kind == "footer"
    assert lines[-1].text.startswith("stopped (interrupted) · ")


def test_result_summary_of_nothing() -> None:
    assert result_summary("\n \n") == "(no output)"


def test_tool_input_summary_cuts_long_values() -> None:
    summary = tool_input_summary({"file_path": "/data/" + "x" * 100, "limit": 5})
    assert summary.startswith("file_path=/data/xxx")
    assert "…" in summary
    assert summary.endswith("limit=5")


def test_a_streamed_message_is_shown_once_its_blocks_joined_as_the_sdk_joins_them() -> None:
    view = TurnView()
    lines = _feed(
        view,
        qa.EventStart(id="evt_1", event_type="agent.message"),
        qa.EventDelta(id="evt_1", index=0, content=qa.TextBlock("The sky is ")),
    )
    assert lines == []
    assert view.streaming is not None
    assert view.streaming.text == "The sky is "
    blocks = (qa.TextBlock("The sky is "), qa.TextBlock("blue."))
    message = qa.AgentMessage(id="evt_1", content=blocks)
    assert view.feed(message) == [Line("message", "The sky is blue.")]
    assert view.streaming is None


def test_thinking_text_comes_from_its_preview() -> None:
    view = TurnView()
    lines = _feed(
        view,
        qa.EventStart(id="evt_2", event_type="agent.thinking"),
        qa.EventDelta(id="evt_2", index=0, content=qa.TextBlock("Let me look.")),
        qa.AgentThinking(id="evt_2"),
    )
    assert lines == [Line("thinking", "Let me look.")]


def test_a_preview_cut_short_by_the_end_of_its_request_is_marked() -> None:
    view = TurnView()
    lines = _feed(
        view,
        qa.EventStart(id="evt_3", event_type="agent.message"),
        qa.EventDelta(id="evt_3", index=0, content=qa.TextBlock("Half a")),
        qa.SpanModelRequestEnd(id="evt_4"),
    )
    assert lines == [Line("message", "Half a …(cut off)")]


def test_tool_calls_and_results_become_lines_and_set_the_activity() -> None:
    view = TurnView()
    use = qa.AgentToolUse(id="evt_5", name="Read", input={"file_path": "/data/a.md"})
    assert view.feed(use) == [Line("tool", "file_path=/data/a.md", title="Read")]
    assert view.activity == "running Read"
    failed = qa.AgentToolResult(id="evt_6", content=(qa.TextBlock("no such file"),), is_error=True)
    assert view.feed(failed) == [Line("tool_error", "no such file")]


def test_the_footer_adds_up_the_turn_and_keeps_the_session_total() -> None:
    clock = iter([0.0, 0.0, 10.0, 12.5]).__next__
    view = TurnView(clock=clock)
    usage = qa.ModelUsage(input_tokens=1000, output_tokens=20, credits=0.5)
    lines = _feed(
        view,
        qa.UserMessage(id="evt_7", content=(qa.TextBlock("hi"),)),
        qa.SpanModelRequestEnd(id="evt_8", model_usage=usage),
        qa.SpanModelRequestEnd(id="evt_9", model_usage=usage),
        qa.SessionUsageEvent(id="evt_10", usage={"total_credits": 7.25}),
        qa.SessionStatusIdle(id="evt_11", stop_reason=qa.StopReason(type="end_turn")),
    )
    assert lines == [
        Line("user", "hi"),
        Line(
            "footer",
            "idle (end_turn) · 2,000 in / 40 out tokens · 1.00 credits (session 7.25) · 10.0s",
        ),
    ]


def test_chat_does_not_repeat_what_the_user_typed() -> None:
    view = TurnView(echo_user=False)
    assert view.feed(qa.UserMessage(id="evt_12", content=(qa.TextBlock("hi"),))) == []


def test_an_unknown_event_is_noted_by_its_type() -> None:
    view = TurnView()
    assert view.feed(qa.UnknownEvent(id="evt_13", type="agent.new_thing")) == [
        Line("note", "agent.new_thing")
    ]


def _asked_turn(*answer: qa.Event) -> tuple[TurnView, list[Line]]:
    view = TurnView()
    lines = _feed(
        view,
        qa.SessionStatusRunning(id="r1"),
        qa.AgentToolUse(id="t1", name="Glob", input={"pattern": "*"}, evaluated_permission="ask"),
        qa.SpanModelRequestEnd(
            id="s1", model_usage=qa.ModelUsage(input_tokens=100, output_tokens=10)
        ),
        qa.SessionStatusIdle(
            id="i1", stop_reason=qa.StopReason(type="requires_action", event_ids=("t1",))
        ),
        *answer,
        qa.SessionStatusRunning(id="r2"),
        qa.SpanModelRequestEnd(
            id="s2", model_usage=qa.ModelUsage(input_tokens=50, output_tokens=5)
        ),
        qa.SessionStatusIdle(id="i2", stop_reason=qa.StopReason(type="end_turn")),
    )
    return view, lines


def test_an_answered_approval_is_one_line_and_the_turn_counts_on() -> None:
    _, lines = _asked_turn(qa.UserToolConfirmation(id="c1", tool_use_id="t1", result="allow"))
    assert Line("note", "allowed Glob") in lines
    assert lines[-1].text.startswith("idle (end_turn) · 150 in / 15 out tokens")


def test_a_denial_shows_the_reason_the_model_is_given() -> None:
    _, lines = _asked_turn(
        qa.UserToolConfirmation(id="c1", tool_use_id="t1", result="deny", deny_message="not now")
    )
    assert Line("note", "denied Glob: not now") in lines
