"""What a client sends: resources to mount and events to post.

Each class validates on construction, so bad input raises :class:`InvalidInputError` before
any request goes out. The converter in ``_convert`` turns them into request bodies, leaving
out fields that were not set.
"""

from __future__ import annotations

import posixpath
from collections.abc import Mapping, Sequence
from typing import Any, ClassVar, Union

from attrs import Attribute, field, frozen

from .._errors import InvalidInputError
from ._content import ContentBlock, JSONObject, TextBlock
from ._objects import FileMetadata

__all__ = [
    "EventParam",
    "FileResource",
    "GitHubRepository",
    "GitRepository",
    "MemoryStoreResource",
    "ResourceParam",
    "SystemMessageParam",
    "UserCustomToolResultParam",
    "UserDefineOutcomeParam",
    "UserInterruptParam",
    "UserMessageParam",
    "UserToolConfirmationParam",
    "UserToolResultParam",
    "MessageInput",
    "check_metadata",
    "to_content",
]

MAX_MOUNT_PATH = 512


def mount_path_under_data(path: str) -> str:
    """Normalise a file mount path as the API does, or raise if it would leave ``/data/``."""
    full = path if path.startswith("/") else "/data/" + path
    normal = posixpath.normpath(full)
    if not normal.startswith("/data/") or normal == "/data/":
        raise InvalidInputError(f"resource path {path!r} must stay inside /data/")
    if len(normal) > MAX_MOUNT_PATH:
        raise InvalidInputError(f"resource path is {len(normal)} characters; at most 512")
    return normal


def check_metadata(metadata: object, *, patch: bool = False) -> None:
    """Refuse metadata that is not a string-to-string mapping, naming the bad key.

    In a ``patch`` (an update) a ``None`` value is allowed: it deletes the key.
    """
    if not isinstance(metadata, Mapping):
        raise InvalidInputError(
            f"metadata must be a mapping of strings, got {type(metadata).__name__}"
        )
    for key, value in metadata.items():
        if not isinstance(key, str):
            raise InvalidInputError(f"metadata key {key!r} must be a string")
        if value is None and patch:
            continue
        if not isinstance(value, str):
            allowed = "a string, or None to delete the key" if patch else "a string"
            raise InvalidInputError(
                f"metadata[{key!r}] must be {allowed}, got {type(value).__name__}"
            )


def _check_path(_: object, attribute: Attribute[str | None], value: str | None) -> None:
    if value is not None:
        mount_path_under_data(value)


def _non_empty(_: object, attribute: Attribute[str], value: str) -> None:
    if not value or not value.strip():
        raise InvalidInputError(f"{attribute.name} must not be empty")


# --- resources ---------------------------------------------------------------------------


@frozen
class FileResource:
    """Mount an uploaded file: ``FileResource(file_id="file_…", path="inputs/spec.md")``.

    A relative ``path`` lands under ``/data/``; the path must stay inside ``/data/`` and be at
    most 512 characters (checked here). Without a path the API mounts ``/data/{file_id}``.
    """

    file_id: str = field(validator=_non_empty)
    path: str | None = field(default=None, validator=_check_path)
    type: ClassVar[str] = "file"

    @classmethod
    def from_file(cls, file: FileMetadata | str, path: str | None = None) -> FileResource:
        """Mount an upload: ``FileResource.from_file(await client.files.upload(p), "in/p")``.

        ``file`` is the upload's :class:`FileMetadata` or a file id.
        """
        return cls(file if isinstance(file, str) else file.id, path)


@frozen
class GitHubRepository:
    """Clone a GitHub repository into the session.

    ``authorization_token`` (for private repositories) never appears in ``repr``.
    """

    url: str = field(validator=_non_empty)
    mount_path: str | None = None
    checkout: JSONObject | None = None
    authorization_token: str | None = field(default=None, repr=False)
    type: ClassVar[str] = "github_repository"


@frozen
class GitRepository:
    """Clone any git repository; ``password`` never appears in ``repr``."""

    url: str = field(validator=_non_empty)
    mount_path: str | None = None
    checkout: JSONObject | None = None
    password: str | None = field(default=None, repr=False)
    type: ClassVar[str] = "git_repository"


MAX_INSTRUCTIONS = 4096


def _check_access(_: object, attribute: Attribute[str | None], value: str | None) -> None:
    if value is not None and value not in ("read_write", "read_only"):
        raise InvalidInputError(f"access must be 'read_write' or 'read_only', not {value!r}")


def _check_instructions(_: object, attribute: Attribute[str | None], value: str | None) -> None:
    if value is not None and len(value) > MAX_INSTRUCTIONS:
        raise InvalidInputError(
            f"instructions are {len(value)} characters; at most {MAX_INSTRUCTIONS}"
        )


@frozen
class MemoryStoreResource:
    """Attach a memory store at session create (not later: mid-session adds take files only).

    ``access`` is ``read_write`` (the agent may write memories) or ``read_only``; the
    default is undocumented, so pass it. ``instructions`` (at most 4,096 characters, checked
    here) tell the agent how to use the store; its entries are not preloaded into the prompt.
    """

    memory_store_id: str = field(validator=_non_empty)
    access: str | None = field(default=None, validator=_check_access)
    instructions: str | None = field(default=None, validator=_check_instructions)
    type: ClassVar[str] = "memory_store"


ResourceParam = Union[FileResource, GitHubRepository, GitRepository, MemoryStoreResource]
"""A resource to mount."""


# --- events a client sends -------------------------------------------------------------------


def _non_empty_content(_: object, attribute: Attribute[Any], value: tuple[Any, ...]) -> None:
    if not value:
        raise InvalidInputError("a message needs at least one content block")
    for block in value:
        if isinstance(block, TextBlock) and not block.text.strip():
            raise InvalidInputError("a message's text must not be empty")


MessageInput = Union[str, ContentBlock, Sequence[Union[str, ContentBlock]]]
"""What ``send`` accepts: text, one block, or a list of texts and blocks."""


def to_content(message: MessageInput) -> tuple[ContentBlock, ...]:
    """Turn text, a block or a list of them into content blocks."""
    items: Sequence[str | ContentBlock] = (
        [message] if isinstance(message, str) or not isinstance(message, Sequence) else message
    )
    return tuple(TextBlock(item) if isinstance(item, str) else item for item in items)


@frozen
class UserMessageParam:
    """``user.message``: starts a turn. Build it with text or blocks."""

    content: tuple[ContentBlock, ...] = field(converter=to_content, validator=_non_empty_content)
    type: ClassVar[str] = "user.message"


@frozen
class UserInterruptParam:
    """``user.interrupt``: stop the running turn, or one thread of it."""

    session_thread_id: str | None = None
    type: ClassVar[str] = "user.interrupt"


def _required_rubric(_: object, attribute: Attribute[Any], value: object) -> None:
    if value is None:
        raise InvalidInputError("user.define_outcome needs a rubric (the API requires one)")


@frozen
class UserDefineOutcomeParam:
    """``user.define_outcome``: an outcome to iterate towards, graded by ``rubric``.

    ``rubric`` is ``{"type": "text", "content": ...}`` or ``{"type": "file", "file_id": ...}``;
    given as a plain string it becomes a text rubric. The API requires it: leaving it out
    raises :class:`InvalidInputError` here rather than a 400 there.
    """

    description: str = field(validator=_non_empty)
    rubric: JSONObject | None = field(default=None, validator=_required_rubric)
    max_iterations: int | None = None
    type: ClassVar[str] = "user.define_outcome"


@frozen
class UserToolConfirmationParam:
    """``user.tool_confirmation``: ``result`` is ``"allow"`` or ``"deny"``; always sent, even
    left at its default (the API requires it)."""

    tool_use_id: str = field(validator=_non_empty)
    result: str = "allow"
    deny_message: str | None = None
    session_thread_id: str | None = None
    type: ClassVar[str] = "user.tool_confirmation"


@frozen
class UserCustomToolResultParam:
    """``user.custom_tool_result``: the answer to an ``agent.custom_tool_use``."""

    custom_tool_use_id: str = field(validator=_non_empty)
    content: tuple[ContentBlock, ...] = field(default=(), converter=to_content)
    is_error: bool | None = None
    session_thread_id: str | None = None
    type: ClassVar[str] = "user.custom_tool_result"


@frozen
class UserToolResultParam:
    """``user.tool_result``: a tool result supplied by the client."""

    tool_use_id: str = field(validator=_non_empty)
    content: tuple[ContentBlock, ...] = field(default=(), converter=to_content)
    is_error: bool | None = None
    type: ClassVar[str] = "user.tool_result"


@frozen
class SystemMessageParam:
    """``system.message``: text injected as a system message."""

    content: tuple[ContentBlock, ...] = field(converter=to_content, validator=_non_empty_content)
    type: ClassVar[str] = "system.message"


EventParam = Union[
    UserMessageParam,
    UserInterruptParam,
    UserDefineOutcomeParam,
    UserToolConfirmationParam,
    UserCustomToolResultParam,
    UserToolResultParam,
    SystemMessageParam,
]
"""An event a client can send."""
