"""Input is checked before anything is sent."""

from __future__ import annotations

from typing import Any

import pytest

import qoder_async as qa


@pytest.mark.parametrize("text", ["", "   "])
def test_empty_message_is_refused(text: str) -> None:
    with pytest.raises(qa.InvalidInputError):
        qa.UserMessageParam(text)


def test_message_without_blocks_is_refused() -> None:
    with pytest.raises(qa.InvalidInputError):
        qa.UserMessageParam([])


@pytest.mark.parametrize(
    "path", ["../etc/passwd", "/etc/passwd", "a/../../b", "/data/../x", "/data/"]
)
def test_resource_path_leaving_data_is_refused(path: str) -> None:
    with pytest.raises(qa.InvalidInputError, match="inside /data/"):
        qa.FileResource("file_1", path)


def test_resource_path_over_512_characters_is_refused() -> None:
    with pytest.raises(qa.InvalidInputError, match="512"):
        qa.FileResource("file_1", "a" * 520)


def test_relative_and_absolute_paths_inside_data_are_accepted() -> None:
    assert qa.FileResource("f", "inputs/spec.md").path == "inputs/spec.md"
    assert qa.FileResource("f", "/data/inputs/spec.md").path == "/data/inputs/spec.md"


def test_repository_token_is_not_in_repr() -> None:
    repo = qa.GitHubRepository("https://github.com/o/r", authorization_token="ghp_secret")
    assert "ghp_secret" not in repr(repo)


def test_invalid_input_is_a_value_error() -> None:
    assert issubclass(qa.InvalidInputError, ValueError)


@pytest.mark.anyio
@pytest.mark.parametrize(
    ("metadata", "named"),
    [({"team": "a", "count": 3}, "count"), ({"gone": None}, "gone"), ({7: "x"}, "7")],
)
async def test_metadata_that_is_not_string_to_string_is_refused_on_create(
    client: qa.AsyncQoder, metadata: dict[Any, Any], named: str
) -> None:
    with pytest.raises(qa.InvalidInputError, match=named):
        await client.agents.create(name="m", model="ultimate", metadata=metadata)


@pytest.mark.anyio
async def test_a_non_string_value_in_an_update_patch_is_refused(client: qa.AsyncQoder) -> None:
    env = await client.environments.create(name="m")
    with pytest.raises(qa.InvalidInputError, match="'size'"):
        await client.environments.update(env.id, metadata={"size": 2})  # type: ignore[dict-item]  # the wrong value is the test


@pytest.mark.anyio
async def test_session_metadata_is_checked_on_create(client: qa.AsyncQoder) -> None:
    agent = await client.agents.create(name="m", model="ultimate")
    env = await client.environments.create(name="m")
    with pytest.raises(qa.InvalidInputError, match="'n'"):
        await client.sessions.create(agent=agent.id, environment_id=env.id, metadata={"n": 1})  # type: ignore[dict-item]  # the wrong value is the test


@pytest.mark.anyio
async def test_file_metadata_is_checked_before_uploading(client: qa.AsyncQoder) -> None:
    with pytest.raises(qa.InvalidInputError, match="'pages'"):
        await client.files.upload(b"x", filename="a.txt", metadata={"pages": 2})  # type: ignore[dict-item]  # the wrong value is the test


@pytest.mark.anyio
async def test_metadata_that_is_not_a_mapping_is_refused(client: qa.AsyncQoder) -> None:
    with pytest.raises(qa.InvalidInputError, match="mapping"):
        await client.agents.create(name="m", model="ultimate", metadata=["a"])  # type: ignore[arg-type]  # the wrong value is the test


def test_a_confirmation_left_at_allow_still_sends_result() -> None:
    from qoder_async._models._convert import unstructure

    assert unstructure(qa.UserToolConfirmationParam("evt_1"))["result"] == "allow"


def test_a_search_result_block_sends_its_content_even_when_empty() -> None:
    from qoder_async._models._convert import unstructure

    assert unstructure(qa.SearchResultBlock(source="s", title="t"))["content"] == []


def test_an_outcome_without_a_rubric_is_refused_before_sending() -> None:
    with pytest.raises(qa.InvalidInputError, match="rubric"):
        qa.UserDefineOutcomeParam("all tests pass")
