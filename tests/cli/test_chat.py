"""``qoder-async chat`` in a real terminal (tmux), and on pipes."""

from __future__ import annotations

import re
from pathlib import Path

from qoder_async.testing import Emulator

from ._support import CLI, PROMPT, Terminal, api_env, ask_glob_agent, clean_env


def test_chat_renders_a_turn_live_with_spinner_and_footer(terminal: Terminal) -> None:
    terminal.start(CLI(clean_env()).command("chat"), clean_env())
    assert "mounted /data/inputs/spec.md" in terminal.wait_for_prompt()
    terminal.type("What does the spec say?")
    live = terminal.wait_for(r"running · [\d,]+ in / [\d,]+ out tokens")  # the live footer
    assert re.search(r"[⠋⠙⠹⠸⠼⠴⠦⠧⠇⠏] \w", live)  # the spinner, with what the agent does
    screen = terminal.wait_for(r"── idle \(end_turn\)")
    assert "▸ I'll read /data/inputs/spec.md." in screen  # thinking, collapsed to a line
    assert "⚙ Read  file_path=/data/inputs/spec.md" in screen
    assert "↳ # Export service: acceptance criteria  (+6 lines)" in screen
    assert 'You asked: "What does the spec say?".' in screen
    assert re.search(r"credits \(session [\d.]+\) · [\d.]+s", screen)
    terminal.type("/quit")
    assert "[exited 0]" in terminal.wait_for(r"\[exited \d+\]")


def test_ctrl_c_interrupts_the_turn_and_a_second_ctrl_c_quits(terminal: Terminal) -> None:
    with Emulator(pace=0.4) as slow:
        terminal.start(CLI(api_env(slow)).command("chat"), api_env(slow))
        screen = terminal.wait_for_prompt()
        session_id = re.search(r"session (sess_\w+)", screen)
        assert session_id is not None
        terminal.type("Take your time")
        terminal.wait_for(r"⚙ Glob")
        terminal.press("C-c")
        screen = terminal.wait_for(
            r"interrupt sent; the agent stops[\s\S]*── stopped \(interrupted\)"
        )
        assert "You asked" not in screen
        assert any(e["type"] == "user.interrupt" for e in slow.log(session_id.group(1)))
        terminal.wait_for_prompt()
        terminal.press("C-c")
        assert "[exited 130]" in terminal.wait_for(r"\[exited \d+\]")


def test_ctrl_c_at_the_prompt_quits(terminal: Terminal, emulator: Emulator) -> None:
    terminal.start(CLI(api_env(emulator)).command("chat"), api_env(emulator))
    terminal.wait_for_prompt()
    terminal.press("C-c")
    assert "[exited 130]" in terminal.wait_for(r"\[exited \d+\]")


def test_chat_on_pipes_prints_plain_lines_until_end_of_input(cli_process: CLI) -> None:
    done = cli_process("chat", input="hello\nhow are you?\n")
    assert done.returncode == 0, done.stderr
    assert "you: hello" in done.stdout
    assert 'agent: You asked: "how are you?".' in done.stdout
    assert done.stdout.count("-- idle (end_turn)") == 2
    assert "\x1b[" not in done.stdout


def test_file_command_uploads_and_mounts_the_file(cli_process: CLI, tmp_path: Path) -> None:
    notes = tmp_path / "notes.md"
    notes.write_text("# Notes\n- remember the milk\n")
    done = cli_process("chat", input=f"/file {notes}\nwhat is in my notes?\n")
    assert done.returncode == 0, done.stderr
    assert "mounted /data/inputs/notes.md" in done.stdout
    assert "> - remember the milk" in done.stdout


def test_repo_command_mounts_the_repository(cli_process: CLI) -> None:
    done = cli_process("chat", input="/repo https://github.com/octo/hello\n")
    assert done.returncode == 0, done.stderr
    assert "mounted /workspace/hello" in done.stdout


def test_unknown_command_is_reported_and_the_chat_goes_on(cli_process: CLI) -> None:
    done = cli_process("chat", input="/frobnicate\nhello\n")
    assert done.returncode == 0
    assert "error: unknown command /frobnicate; /help lists them" in done.stderr
    assert 'agent: You asked: "hello".' in done.stdout


def test_ctrl_d_at_the_prompt_leaves_on_a_line_of_its_own(
    terminal: Terminal, emulator: Emulator
) -> None:
    terminal.start(CLI(api_env(emulator)).command("chat"), api_env(emulator))
    terminal.wait_for_prompt()
    terminal.press("C-d")
    screen = terminal.wait_for(r"\[exited \d+\]")
    assert "[exited 0]" in screen
    assert any(line.startswith("[exited 0]") for line in screen.splitlines()), screen


def _user_messages(emulator: Emulator, session_id: str) -> list[str]:
    return [
        "".join(block["text"] for block in event["content"])
        for event in emulator.log(session_id)
        if event["type"] == "user.message"
    ]


def _session_id(screen: str) -> str:
    found = re.search(r"session (sess_\w+)", screen)
    assert found is not None, screen
    return found.group(1)


def test_arrow_keys_edit_the_line_instead_of_reaching_the_agent(
    terminal: Terminal, emulator: Emulator
) -> None:
    terminal.start(CLI(api_env(emulator)).command("chat"), api_env(emulator))
    session_id = _session_id(terminal.wait_for_prompt())
    terminal.type_keys("abc")
    terminal.press("Left")
    terminal.press("Left")
    terminal.type("X")
    terminal.wait_for(r"── idle")
    assert _user_messages(emulator, session_id) == ["aXbc"]
    assert "^[[" not in terminal.screen()


def test_the_history_of_one_chat_is_there_in_the_next(
    terminal: Terminal, emulator: Emulator, tmp_path: Path
) -> None:
    env = {**api_env(emulator), "QODER_CHAT_HISTORY": str(tmp_path / "history")}
    terminal.start(CLI(env).command("chat"), env)
    terminal.wait_for_prompt()
    terminal.type("what is in the spec?")
    terminal.wait_for(r"── idle")
    terminal.wait_for_prompt()
    terminal.type("/quit")
    terminal.wait_for(r"\[exited 0\]")
    again = Terminal()
    try:
        again.start(CLI(env).command("chat"), env)
        session_id = _session_id(again.wait_for_prompt())
        again.press("Up")  # /quit
        again.press("Up")
        again.wait_for(PROMPT + r" what is in the spec\?$")
        again.press("Enter")
        again.wait_for(r"── idle")
        assert _user_messages(emulator, session_id) == ["what is in the spec?"]
    finally:
        again.close()


def test_a_line_typed_during_a_turn_is_queued_then_sent_when_it_ends(
    terminal: Terminal,
) -> None:
    with Emulator(pace=0.3) as slow:
        terminal.start(CLI(api_env(slow)).command("chat"), api_env(slow))
        session_id = _session_id(terminal.wait_for_prompt())
        terminal.type("first")
        terminal.wait_for(r"⚙ Glob")
        terminal.type("second")
        terminal.wait_for(r"queued \u203a second  \(sent after this turn\)")
        screen = terminal.wait_for(r'You asked: "second"[\s\S]*── idle')
        assert f"{PROMPT} second" in screen
        assert _user_messages(slow, session_id) == ["first", "second"]


QUESTION = r"allow Glob\? \[y/n\] \u203a\s*$"
"""The question chat asks for an always_ask call of Glob, waiting for its answer."""


def _confirmations(emulator: Emulator, session_id: str) -> list[tuple[str, str | None]]:
    return [
        (event["result"], event.get("deny_message"))
        for event in emulator.log(session_id)
        if event["type"] == "user.tool_confirmation"
    ]


def _asked_to_approve_glob(terminal: Terminal, emulator: Emulator) -> tuple[str, str]:
    """Start chat with an agent whose Glob is always_ask, say hello, wait for the question;
    return the session id and the screen."""
    env = api_env(emulator)
    terminal.start(CLI(env).command("chat", "--agent", ask_glob_agent(emulator)), env)
    session_id = _session_id(terminal.wait_for_prompt())
    terminal.type("hello")
    return session_id, terminal.wait_for(QUESTION)


def test_an_approval_is_asked_with_the_tool_and_its_input_and_y_lets_the_turn_go_on(
    terminal: Terminal, emulator: Emulator
) -> None:
    session_id, screen = _asked_to_approve_glob(terminal, emulator)
    assert "? Glob asks to run with:\n    pattern: **/*\n    path: /data\n" in screen
    terminal.type("y")
    screen = terminal.wait_for(r"── idle \(end_turn\)")
    assert re.search(r"allow Glob\? \[y/n\] \u203a y$", screen, re.MULTILINE)  # answer kept
    assert "allowed Glob" in screen
    assert 'You asked: "hello".' in screen
    assert _confirmations(emulator, session_id) == [("allow", None)]


def test_n_denies_the_call_and_the_model_is_told_why(
    terminal: Terminal, emulator: Emulator
) -> None:
    session_id, _ = _asked_to_approve_glob(terminal, emulator)
    terminal.type("n not on this machine")
    screen = terminal.wait_for(r"── idle \(end_turn\)")
    assert "denied Glob: not on this machine" in screen
    assert _confirmations(emulator, session_id) == [("deny", "not on this machine")]
    # The emulator's agent quotes the refusal it was given in its answer.
    assert "not on this machine" in screen.split('You asked: "hello".', 1)[1]


def test_ctrl_c_at_the_question_denies_and_the_chat_goes_on(
    terminal: Terminal, emulator: Emulator
) -> None:
    session_id, _ = _asked_to_approve_glob(terminal, emulator)
    terminal.press("C-c")
    terminal.wait_for(r"denied Glob: The user at the terminal did not approve Glob\.")
    terminal.wait_for(r"── idle \(end_turn\)")
    terminal.wait_for_prompt()
    assert _confirmations(emulator, session_id) == [
        ("deny", "The user at the terminal did not approve Glob.")
    ]


def test_a_line_typed_before_the_question_is_queued_not_taken_as_the_answer(
    terminal: Terminal,
) -> None:
    with Emulator(pace=0.25) as slow:
        env = api_env(slow)
        terminal.start(CLI(env).command("chat", "--agent", ask_glob_agent(slow)), env)
        session_id = _session_id(terminal.wait_for_prompt())
        terminal.type("hello")
        terminal.wait_for(r"running · ")
        terminal.type("y")  # typed while the turn runs, before anything asks
        terminal.wait_for(r"queued \u203a y  \(sent after this turn\)")
        terminal.wait_for(QUESTION)
        terminal.type("n")
        terminal.wait_for(r"denied Glob[\s\S]*── idle \(end_turn\)")
        # The queued line is sent as the next message, and its turn asks again.
        terminal.wait_for(QUESTION)
        terminal.type("y")
        terminal.wait_for(r'You asked: "y"[\s\S]*── idle \(end_turn\)')
        assert _user_messages(slow, session_id) == ["hello", "y"]
        assert [result for result, _ in _confirmations(slow, session_id)] == ["deny", "allow"]


def test_chat_on_a_pipe_refuses_an_approval_that_allow_does_not_name(
    cli_process: CLI, emulator: Emulator
) -> None:
    done = cli_process("chat", "--agent", ask_glob_agent(emulator), input="hello\n")
    assert done.returncode == 0, done.stderr
    refusal = (
        "qoder-async chat does not allow Glob (no --allow Glob, "
        "and stdin is not a terminal to ask at)"
    )
    assert f"denied Glob: {refusal}" in done.stdout
    assert refusal in done.stdout.split("agent: ", 1)[1]  # the model was told why


def test_chat_on_a_pipe_approves_a_tool_that_allow_names(
    cli_process: CLI, emulator: Emulator
) -> None:
    agent = ask_glob_agent(emulator)
    done = cli_process("chat", "--agent", agent, "--allow", "Glob", input="hello\n")
    assert done.returncode == 0, done.stderr
    assert "allowed Glob" in done.stdout
    assert "does not allow" not in done.stdout
