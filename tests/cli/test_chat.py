"""``qoder-async chat`` in a real terminal (tmux), and on pipes."""

from __future__ import annotations

import re
from pathlib import Path

from qoder_async.testing import Emulator

from ._support import CLI, PROMPT, Terminal, api_env, clean_env


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
