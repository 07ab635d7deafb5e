"""``agents`` and ``sessions``: list, show, archive; tables on a terminal, TSV on a pipe."""

from __future__ import annotations

import json
import re
import uuid

import anyio

import qoder_async as qa
from qoder_async.testing import Emulator

from ._support import CLI, TOKEN, InProcessCLI, Terminal, api_env


def _make(emulator: Emulator, sessions: int = 1) -> tuple[str, str, list[str]]:
    """A uniquely named agent with ``sessions`` sessions: (name, agent id, session ids)."""
    name = f"agent-{uuid.uuid4().hex[:8]}"

    async def go() -> tuple[str, list[str]]:
        async with qa.AsyncQoder(TOKEN, emulator.base_url) as client:
            agent = await client.agents.create(name=name, model="ultimate")
            env = await client.environments.create(name="tables")
            made = [
                await client.sessions.create(agent=agent.id, environment_id=env.id, title=f"t{i}")
                for i in range(sessions)
            ]
            return agent.id, [session.id for session in made]

    agent_id, session_ids = anyio.run(go)
    return name, agent_id, session_ids


def test_agents_alone_lists_agents_as_tab_separated_rows(
    cli: InProcessCLI, emulator: Emulator
) -> None:
    name, agent_id, _ = _make(emulator)
    done = cli("agents", "--help")
    assert done.returncode == 0
    done = cli("agents")
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert lines[0] == "ID\tNAME\tMODEL\tVERSION\tCREATED\tARCHIVED"
    assert any(line.startswith(f"{agent_id}\t{name}\tultimate\t1\t") for line in lines)


def test_agents_show_prints_one_field_per_line(cli: InProcessCLI, emulator: Emulator) -> None:
    name, agent_id, _ = _make(emulator)
    done = cli("agents", "show", agent_id)
    assert done.returncode == 0, done.stderr
    fields = dict(line.split("\t", 1) for line in done.stdout.splitlines())
    assert fields["id"] == agent_id
    assert fields["name"] == name
    assert fields["archived"] == ""


def test_sessions_list_filters_by_agent(cli: InProcessCLI, emulator: Emulator) -> None:
    _, agent_id, session_ids = _make(emulator, sessions=2)
    done = cli("sessions", "list", "--agent", agent_id)
    assert done.returncode == 0, done.stderr
    rows = [line.split("\t") for line in done.stdout.splitlines()[1:]]
    assert sorted(row[0] for row in rows) == sorted(session_ids)
    assert {row[3] for row in rows} == {agent_id}


def test_sessions_archive_then_show_says_when(cli: InProcessCLI, emulator: Emulator) -> None:
    _, _, (session_id,) = _make(emulator)
    done = cli("sessions", "archive", session_id)
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith(f"archived {session_id} at ")
    shown = dict(
        line.split("\t", 1) for line in cli("sessions", "show", session_id).stdout.splitlines()
    )
    assert shown["archived"] != ""


def test_agents_archive_then_list_all_includes_it(cli: InProcessCLI, emulator: Emulator) -> None:
    _, agent_id, _ = _make(emulator)
    assert cli("agents", "archive", agent_id).returncode == 0
    assert agent_id not in cli("agents", "list").stdout
    assert agent_id in cli("agents", "list", "--all").stdout


def test_json_prints_the_api_objects(cli: InProcessCLI, emulator: Emulator) -> None:
    _, agent_id, _ = _make(emulator)
    done = cli("agents", "show", agent_id, "--json")
    assert json.loads(done.stdout)["id"] == agent_id


def test_listing_without_a_token_says_how_to_set_one(offline_cli: InProcessCLI) -> None:
    done = offline_cli("sessions")
    assert done.returncode == 1
    assert done.stderr.startswith("error: no token: set QODER_ACCESS_TOKEN")
    assert "qoder-async emulator" in done.stderr
    assert done.stderr.count("\n") == 1


def test_a_terminal_gets_a_table(terminal: Terminal, emulator: Emulator) -> None:
    name, agent_id, _ = _make(emulator)
    terminal.start(CLI(api_env(emulator)).command("agents", "show", agent_id), api_env(emulator))
    screen = terminal.wait_for(r"\[exited 0\]")
    assert "\t" not in screen
    assert any(line.split() == ["name", name] for line in screen.splitlines())


def test_a_terminal_table_never_cuts_ids(terminal: Terminal, emulator: Emulator) -> None:
    _make(emulator, sessions=2)
    env = api_env(emulator)
    terminal.start(CLI(env).command("sessions", "list", "--limit", "2"), env)
    screen = terminal.wait_for(r"\[exited 0\]")
    rows = [line.split() for line in screen.splitlines() if line.startswith("sess_")]
    assert len(rows) == 2, screen
    for row in rows:
        assert re.fullmatch(r"sess_\w+", row[0]), screen
        assert any(re.fullmatch(r"agent_\w+", cell) for cell in row), screen
    assert "…" not in screen


def test_a_terminal_table_leaves_out_empty_and_asked_for_columns(
    terminal: Terminal, emulator: Emulator
) -> None:
    _, agent_id, _ = _make(emulator)
    env = api_env(emulator)
    terminal.start(CLI(env).command("sessions", "list", "--agent", agent_id), env)
    screen = terminal.wait_for(r"\[exited 0\]")
    header = next(line for line in screen.splitlines() if line.startswith("ID"))
    assert header.split() == ["ID", "TITLE", "STATUS", "CREDITS", "CREATED"], screen
