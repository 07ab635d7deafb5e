"""``qoder-async tail``: follow a session's events, resume across drops, stop cleanly."""

from __future__ import annotations

import json
import re
import signal
import time

import anyio

import qoder_async as qa
from qoder_async.testing import Emulator, StreamFault

from ._support import CLI, TOKEN, InProcessCLI, api_env, clean_env, finished_turn, wait_until


def test_tail_from_an_event_replays_what_followed_it_until_idle(
    cli: CLI, emulator: Emulator
) -> None:
    session_id = finished_turn(emulator, "hello")
    first = emulator.log(session_id)[0]["id"]
    done = cli("tail", session_id, "--from", first, "--until-idle")
    assert done.returncode == 0, done.stderr
    assert "tool: Glob pattern=**/* path=/data" in done.stdout
    assert 'agent: You asked: "hello".' in done.stdout
    assert done.stdout.rstrip().splitlines()[-1].startswith("-- idle (end_turn)")


def test_tail_json_prints_the_log_in_order(cli: InProcessCLI, emulator: Emulator) -> None:
    session_id = finished_turn(emulator)
    log = emulator.log(session_id)
    done = cli("tail", session_id, "--from", log[0]["id"], "--until-idle", "--json")
    assert done.returncode == 0, done.stderr
    printed = [json.loads(line)["id"] for line in done.stdout.splitlines()]
    assert printed == [event["id"] for event in log[1:]]


def test_tail_resumes_across_dropped_connections(cli: InProcessCLI, emulator: Emulator) -> None:
    session_id = finished_turn(emulator)
    log = emulator.log(session_id)
    emulator.stream_faults(session_id, [StreamFault(drop_after=2), StreamFault(drop_after=3)])
    done = cli("tail", session_id, "--from", log[0]["id"], "--until-idle", "--json")
    assert done.returncode == 0, done.stderr
    printed = [json.loads(line)["id"] for line in done.stdout.splitlines()]
    assert printed == [event["id"] for event in log[1:]]


def test_tail_follows_a_turn_as_it_happens() -> None:
    with Emulator() as emulator:  # its own, so that no other test's stream is counted
        session_id = finished_turn(emulator)
        # The finished turn's own stream can outlive its client by a moment: wait for it to
        # go, so that the one open stream counted next is tail's.
        wait_until(lambda: emulator.open_streams == 0, what="the turn's stream to close")
        follower = CLI(api_env(emulator)).popen("tail", session_id, "--json")
        try:
            wait_until(lambda: emulator.open_streams == 1, what="tail to connect")

            async def send() -> None:
                async with qa.AsyncQoder(TOKEN, emulator.base_url) as client:
                    await client.session(session_id).send("second question")

            anyio.run(send)
            assert follower.stdout is not None
            types = [json.loads(follower.stdout.readline())["type"]]
            while types[-1] != "session.status_idle":
                types.append(json.loads(follower.stdout.readline())["type"])
            follower.send_signal(signal.SIGINT)
            follower.communicate(timeout=30)
        finally:
            follower.kill()
    assert follower.returncode == 130
    assert types[0] == "user.message"


def test_ctrl_c_stops_tail_and_tells_where_to_resume(cli_process: CLI, emulator: Emulator) -> None:
    session_id = finished_turn(emulator)
    log = emulator.log(session_id)
    follower = cli_process.popen("tail", session_id, "--from", log[0]["id"], "--json")
    try:
        assert follower.stdout is not None
        lines = [follower.stdout.readline() for _ in log[1:]]  # the replay, then live
        follower.send_signal(signal.SIGINT)
        out, err = follower.communicate(timeout=30)
    finally:
        follower.kill()
    assert follower.returncode == 130
    assert json.loads(lines[-1])["id"] == log[-1]["id"]
    assert out == ""
    assert err.splitlines(keepends=True)[-1] == (
        f"stopped after {log[-1]['id']}; resume with: "
        f"qoder-async tail {session_id} --from {log[-1]['id']}\n"
    )


def test_tail_of_a_missing_session_is_a_404(cli: InProcessCLI) -> None:
    done = cli("tail", "sess_nothing_here")
    assert done.returncode == 1
    assert done.stderr.splitlines()[-1].startswith("error: 404 not_found_error")


def test_until_idle_on_an_idle_session_exits_at_once(cli_process: CLI, emulator: Emulator) -> None:
    session_id = finished_turn(emulator)
    # It used to wait for a turn that never came: the timeout fails the test.
    done = cli_process("tail", session_id, "--until-idle", "--json", timeout=30)
    assert done.returncode == 0, done.stderr
    assert done.stdout == ""
    assert f"{session_id} is idle, with nothing after its last event" in done.stderr


def test_until_idle_from_the_last_event_of_an_idle_session_exits_at_once(
    cli_process: CLI, emulator: Emulator
) -> None:
    session_id = finished_turn(emulator)
    last = emulator.log(session_id)[-1]["id"]
    done = cli_process("tail", session_id, "--from", last, "--until-idle", "--json", timeout=30)
    assert done.returncode == 0, done.stderr
    assert done.stdout == ""


def test_an_unknown_from_id_is_an_error_not_a_replay(cli: InProcessCLI, emulator: Emulator) -> None:
    session_id = finished_turn(emulator)
    done = cli("tail", session_id, "--from", "evt_bogus", "--until-idle", "--json")
    assert done.returncode == 1
    assert done.stdout == ""
    assert "error: --from evt_bogus: the session has no such event." in done.stderr


def test_tail_of_an_unreachable_api_says_where_it_connects_then_fails() -> None:
    env = {
        **clean_env(QODER_ACCESS_TOKEN=TOKEN),
        "QODER_BASE_URL": "http://127.0.0.1:9/api/v1/cloud",
    }
    follower = CLI(env).popen("tail", "sess_x")
    try:
        assert follower.stderr is not None
        started = time.monotonic()
        first = follower.stderr.readline()
        assert time.monotonic() - started < 10
        assert first == "connecting to http://127.0.0.1:9/api/v1/cloud for sess_x…\n"
        rest = follower.stderr.read()
        follower.wait(timeout=30)
    finally:
        follower.kill()
    assert follower.returncode == 1
    assert rest.startswith("error: cannot reach the API at http://127.0.0.1:9 (")


def test_tail_says_at_once_when_its_connection_drops_and_when_it_is_back(
    cli: InProcessCLI, emulator: Emulator
) -> None:
    session_id = finished_turn(emulator)
    log = emulator.log(session_id)
    emulator.stream_faults(session_id, [StreamFault(drop_after=2)])
    done = cli("tail", session_id, "--from", log[0]["id"], "--until-idle", "--json")
    assert done.returncode == 0, done.stderr
    url = f"{emulator.base_url}/sessions/{session_id}/events/stream"
    lost, back = done.stderr.splitlines()[1:]
    assert lost.startswith("connection lost (RemoteProtocolError: ")
    assert lost.endswith(f"); reconnecting to {url}…")
    assert back == f"reconnected to {url}, resuming after {log[2]['id']}"


def test_tail_tells_each_failed_reconnect_then_where_it_gave_up(
    cli: InProcessCLI, emulator: Emulator
) -> None:
    session_id = finished_turn(emulator)
    log = emulator.log(session_id)
    # A connection that opens and drops at once counts as failed; retry: 1 ms keeps it fast.
    failing = [StreamFault(drop_after=0, retry_ms=1)] * 10
    emulator.stream_faults(session_id, [StreamFault(drop_after=2), *failing])
    done = cli("tail", session_id, "--from", log[0]["id"], "--json")
    assert done.returncode == 1
    told = done.stderr.splitlines()
    assert told[1].startswith("connection lost")
    url = f"{emulator.base_url}/sessions/{session_id}/events/stream"
    failed = [line for line in told if line.startswith(f"cannot reconnect to {url} (")]
    attempts = [re.findall(r"; attempt (\d+) of 10 failed, trying again in ", f) for f in failed]
    assert attempts == [[str(n)] for n in range(1, 10)]
    assert told[-1] == (
        f"error: gave up reconnecting to {emulator.base_url} after 10 failed attempts "
        f"(RemoteProtocolError: peer closed connection without sending complete message body "
        f"(incomplete chunked read)); resume with: qoder-async tail {session_id} "
        f"--from {log[2]['id']}"
    )


def test_tail_says_so_when_the_server_goes_away_mid_tail() -> None:
    with Emulator() as emulator:  # its own: this test stops it
        session_id = finished_turn(emulator)
        log = emulator.log(session_id)
        url = f"{emulator.base_url}/sessions/{session_id}/events/stream"
        follower = CLI(api_env(emulator)).popen(
            "tail", session_id, "--from", log[0]["id"], "--json"
        )
        try:
            assert follower.stdout is not None
            assert follower.stderr is not None
            assert follower.stderr.readline().startswith("connecting to ")
            for _ in log[1:]:  # the replay: tail is connected
                follower.stdout.readline()
            emulator.stop()
            lost = follower.stderr.readline()
            failed = follower.stderr.readline()
            follower.send_signal(signal.SIGINT)
            _, rest = follower.communicate(timeout=30)
        finally:
            follower.kill()
    assert lost.endswith(f"; reconnecting to {url}…\n")
    assert failed.startswith(f"cannot reconnect to {url} (ConnectError: ")
    assert "attempt 1 of 10 failed" in failed
    assert follower.returncode == 130
    assert rest.splitlines()[-1].endswith(f"qoder-async tail {session_id} --from {log[-1]['id']}")
