"""Input is checked before anything is sent."""

from __future__ import annotations

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


def test_a_confirmation_left_at_allow_still_sends_result() -> None:
    from qoder_async._models._convert import unstructure

    assert unstructure(qa.UserToolConfirmationParam("evt_1"))["result"] == "allow"


def test_a_search_result_block_sends_its_content_even_when_empty() -> None:
    from qoder_async._models._convert import unstructure

    assert unstructure(qa.SearchResultBlock(source="s", title="t"))["content"] == []


def test_an_outcome_without_a_rubric_is_refused_before_sending() -> None:
    with pytest.raises(qa.InvalidInputError, match="rubric"):
        qa.UserDefineOutcomeParam("all tests pass")
