"""Arguments are checked before anything starts, and errors speak of what the user typed."""

from __future__ import annotations

from pathlib import Path

from ._support import CLI, InProcessCLI


def test_an_empty_prompt_is_refused_before_the_emulator_starts(
    offline_cli: InProcessCLI,
) -> None:
    done = offline_cli("run", "  ")
    assert done.returncode == 1
    assert done.stderr == (
        'error: the prompt is empty: say what to ask, as in qoder-async run "hello"\n'
    )


def test_a_missing_file_is_refused_before_the_emulator_starts(
    offline_cli: InProcessCLI, tmp_path: Path
) -> None:
    absent = tmp_path / "absent.md"
    done = offline_cli("chat", "--file", str(absent))
    assert done.returncode == 1
    assert done.stderr == f"error: --file {absent}: no such file\n"


def test_a_directory_given_as_file_is_called_a_directory(
    offline_cli: InProcessCLI, tmp_path: Path
) -> None:
    done = offline_cli("run", "hello", "--file", str(tmp_path))
    assert done.returncode == 1
    assert done.stderr == f"error: --file {tmp_path}: is a directory; give one --file per file\n"


def test_repo_with_something_that_is_no_github_address_says_what_it_takes(
    cli_process: CLI,
) -> None:
    done = cli_process("chat", input="/repo not-a-url\n")
    assert done.returncode == 0
    assert done.stderr == (
        "error: /repo takes a GitHub repository's address, like "
        "https://github.com/OWNER/REPO; got 'not-a-url'\n"
    )


def test_an_unreachable_api_names_its_address_and_the_setting(cli: InProcessCLI) -> None:
    cli.env = {**cli.env, "QODER_BASE_URL": "http://127.0.0.1:9/api/v1/cloud"}
    done = cli("run", "hello")
    assert done.returncode == 1
    assert done.stderr.startswith("error: cannot reach the API at http://127.0.0.1:9 (")
    assert done.stderr.endswith("Check --base-url or QODER_BASE_URL, and that the server is up.\n")


def test_without_a_token_listing_says_how_to_get_one(offline_cli: InProcessCLI) -> None:
    for command in (["agents"], ["sessions"], ["tail", "sess_x"]):
        done = offline_cli(*command)
        assert done.returncode == 1
        assert "AsyncQoder(" not in done.stderr
        assert done.stderr == (
            "error: no token: set QODER_ACCESS_TOKEN (or QODER_PAT) to talk to Qoder Cloud, "
            "or start `qoder-async emulator` and point QODER_BASE_URL at it "
            "(any token works there)\n"
        )
