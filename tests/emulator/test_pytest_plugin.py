"""The pytest plugin (qoder_async/testing/pytest_plugin.py), run as a user's project runs it.

Each test writes a small test module of a user's into pytester's temporary directory and runs
pytest on it in a new process (in this one, pytester would unload and reload httpx between
runs, under modules that keep the old one); the plugin comes from the installed ``pytest11``
entry point (or, where the package is not installed with it, from ``-p``).
"""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

import qoder_async.testing.pytest_plugin as plugin_module

pytest_plugins = ["pytester"]

PLUGIN = "qoder_async.testing.pytest_plugin"
ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(autouse=True)
def this_checkout(monkeypatch: pytest.MonkeyPatch) -> None:
    """The user's run imports this checkout's package, wherever the venv's points."""
    monkeypatch.setenv("PYTHONPATH", str(ROOT))


def run(pytester: pytest.Pytester, source: str, *args: str) -> pytest.RunResult:
    pytester.makepyfile(test_user=textwrap.dedent(source))
    return pytester.runpytest_subprocess("-p", PLUGIN, "-q", *args, timeout=120)


def assert_all_passed(result: pytest.RunResult) -> None:
    """Every test passed (async ones run once per installed anyio backend)."""
    outcomes = result.parseoutcomes()
    assert (result.ret, set(outcomes)) == (pytest.ExitCode.OK, {"passed"}), result.outlines


def test_the_pytest11_entry_point_names_the_plugin_after_its_module() -> None:
    pyproject = (ROOT / "pyproject.toml").read_text()
    section = pyproject.split("[project.entry-points.pytest11]\n", 1)[1].split("\n[", 1)[0]
    assert [line for line in section.splitlines() if "=" in line] == [f'"{PLUGIN}" = "{PLUGIN}"']


def test_loading_the_plugin_starts_nothing_and_imports_no_server() -> None:
    probe = (
        "import sys, threading\n"
        f"import {PLUGIN}\n"
        "print(sorted(m for m in ('uvicorn', 'starlette') if m in sys.modules),"
        " threading.active_count())\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True, cwd=ROOT
    )
    assert done.stdout.split() == ["[]", "1"]


def test_the_project_suite_registers_the_plugin_once(pytestconfig: pytest.Config) -> None:
    registered = [p for p in pytestconfig.pluginmanager.get_plugins() if p is plugin_module]
    assert len(registered) == 1


def test_a_users_turn_runs_on_the_client_on_both_loops(pytester: pytest.Pytester) -> None:
    result = run(
        pytester,
        """
        import pytest

        @pytest.fixture(params=["asyncio", "trio"])
        def anyio_backend(request):
            return request.param

        @pytest.mark.anyio
        async def test_turn(qoder_session):
            result = await qoder_session.ask("hello")
            assert result.stop_reason.type == "end_turn"
            assert 'You asked: "hello".' in result.text
        """,
    )
    result.assert_outcomes(passed=2)


def test_each_test_gets_a_fresh_emulator(pytester: pytest.Pytester) -> None:
    result = run(
        pytester,
        """
        SEEN = []

        def test_one(qoder_emulator):
            qoder_emulator.new_session()
            SEEN.append(qoder_emulator.base_url)

        def test_two(qoder_emulator):
            assert qoder_emulator.count("sessions") == 0
            assert qoder_emulator.base_url not in SEEN
        """,
    )
    assert_all_passed(result)


def test_the_shared_emulator_serves_the_whole_run(pytester: pytest.Pytester) -> None:
    result = run(
        pytester,
        """
        SEEN = []

        def test_one(qoder_shared_emulator):
            qoder_shared_emulator.new_session()
            SEEN.append(qoder_shared_emulator.base_url)

        def test_two(qoder_shared_emulator):
            assert qoder_shared_emulator.count("sessions") == 1
            assert SEEN == [qoder_shared_emulator.base_url]
        """,
    )
    assert_all_passed(result)


def test_a_scripted_reply_is_the_turns_answer(pytester: pytest.Pytester) -> None:
    result = run(
        pytester,
        """
        import pytest

        @pytest.mark.anyio
        async def test_reply(qoder_agent, qoder_session):
            qoder_agent.reply("Paris.")
            result = await qoder_session.ask("Capital of France?")
            assert result.text == "Paris."
            assert qoder_agent.prompts == ["Capital of France?"]
        """,
    )
    assert_all_passed(result)


def test_a_scripted_tool_call_asking_permission_stops_the_turn_for_approval(
    pytester: pytest.Pytester,
) -> None:
    result = run(
        pytester,
        """
        import pytest
        import qoder_async as qa

        @pytest.mark.anyio
        async def test_approval(qoder_agent, qoder_session, qoder_assert_events):
            call = qoder_agent.tool_use("Bash", {"command": "make clean"}, permission="ask")
            qoder_agent.turn(call, qoder_agent.requires_action(call))

            result = await qoder_session.ask("clean up")
            asked = [e for e in result.events if isinstance(e, qa.AgentToolUse)]
            assert [(e.id, e.evaluated_permission) for e in asked] == [(call["id"], "ask")]
            assert result.stop_reason.type == "requires_action"
            assert result.stop_reason.event_ids == (call["id"],)

            await qoder_session.send_events(
                qa.UserToolConfirmationParam(tool_use_id=call["id"], result="deny")
            )
            qoder_assert_events(qoder_session, [
                "user.message", "session.status_running",
                {"type": "agent.tool_use", "evaluated_permission": "ask"},
                {"type": "session.status_idle", "stop_reason": {"type": "requires_action"}},
                {"type": "user.tool_confirmation", "tool_use_id": call["id"], "result": "deny"},
            ])
        """,
    )
    assert_all_passed(result)


def test_a_scripted_custom_tool_call_reaches_the_client(pytester: pytest.Pytester) -> None:
    result = run(
        pytester,
        """
        import pytest
        import qoder_async as qa

        @pytest.mark.anyio
        async def test_custom_tool(qoder_agent, qoder_session):
            call = qoder_agent.custom_tool_use("get_weather", {"city": "Paris"})
            qoder_agent.turn(call, qoder_agent.requires_action(call))
            result = await qoder_session.ask("weather?")
            (used,) = [e for e in result.events if isinstance(e, qa.AgentCustomToolUse)]
            assert (used.id, used.name, dict(used.input)) == (
                call["id"], "get_weather", {"city": "Paris"}
            )
        """,
    )
    assert_all_passed(result)


def test_a_turn_queued_but_never_played_is_an_error(pytester: pytest.Pytester) -> None:
    result = run(
        pytester,
        """
        def test_forgets_to_ask(qoder_agent):
            qoder_agent.reply("never said")
        """,
    )
    result.assert_outcomes(passed=1, errors=1)
    result.stdout.fnmatch_lines(["*1 scripted turn(s) were queued but never played*"])


def test_a_dropped_stream_is_resumed_by_the_client(pytester: pytest.Pytester) -> None:
    result = run(
        pytester,
        """
        import pytest

        @pytest.mark.anyio
        async def test_drop(qoder_faults, qoder_session, qoder_emulator):
            qoder_faults.drop_stream(after=2, session=qoder_session)
            result = await qoder_session.ask("hello")
            assert 'You asked: "hello".' in result.text
            streams = [r for r in qoder_emulator.requests if r.path.endswith("/stream")]
            assert len(streams) == 2
            assert "last-event-id" in {k.lower() for k in streams[1].headers}
        """,
    )
    assert_all_passed(result)


def test_faults_a_test_left_unused_do_not_reach_the_next(pytester: pytest.Pytester) -> None:
    pytester.makeconftest(
        """
        import pytest

        @pytest.fixture
        def qoder_emulator(qoder_shared_emulator):
            return qoder_shared_emulator
        """
    )
    result = run(
        pytester,
        """
        import pytest

        def test_leaves_a_fault(qoder_faults):
            qoder_faults.fail_requests(500, times=5)

        @pytest.mark.anyio
        async def test_next(qoder_client):
            agent = await qoder_client.agents.create(name="a", model="ultimate")
            assert agent.name == "a"
        """,
    )
    assert_all_passed(result)


def test_without_the_emulator_extra_the_fixtures_say_what_to_install(
    pytester: pytest.Pytester,
) -> None:
    pytester.makeconftest("import sys\nsys.modules['uvicorn'] = None\n")
    pytester.makepyfile(
        test_user="""
        def test_plain():
            pass

        def test_needs_it(qoder_emulator):
            pass
        """
    )
    result = pytester.runpytest_subprocess("-p", PLUGIN, "-q", timeout=120)
    result.assert_outcomes(passed=1, errors=1)
    assert "pip install 'qoder-async[emulator]'" in result.stdout.str()


def test_the_public_names_resolve_when_pytest_rewrites_the_package(
    pytester: pytest.Pytester,
) -> None:
    # An installed pytest11 plugin makes pytest load its whole package through the assertion
    # rewriter, a loader that gives no source for the lazy name table to read.
    pytester.makeconftest("import pytest\npytest.register_assert_rewrite('qoder_async')\n")
    pytester.makepyfile(
        test_user="""
        import qoder_async as qa
        import qoder_async.testing as testing

        def test_names():
            assert type(qa.__loader__).__name__ == "AssertionRewritingHook"
            assert qa.AsyncQoder.__name__ == "AsyncQoder"
            assert testing.Emulator.__name__ == "Emulator"
        """
    )
    result = pytester.runpytest_subprocess("-p", f"no:{PLUGIN}", "-q", timeout=120)
    result.assert_outcomes(passed=1)


def test_the_readmes_example_test_passes(pytester: pytest.Pytester) -> None:
    readme = (ROOT / "README.md").read_text()
    snippet = readme.split("[start:pytest-example] -->\n```python\n", 1)[1].split("```", 1)[0]
    assert len(snippet.strip().splitlines()) <= 11
    assert_all_passed(run(pytester, snippet))
