"""Agent scripts: what the emulated agent does during a turn.

A script is a callable ``script(text, context)`` called once per turn with the text of the
turn's ``user.message`` events and a ``TurnContext``. It returns an iterable or an async
iterable of event dicts (each with at least ``"type"``), which the emulator publishes in order,
``pace`` seconds apart. The emulator itself emits ``session.status_running`` first and, unless
the script yielded them, ``session.usage`` and ``session.status_idle`` (``end_turn``) last.

Conventions for yielded dicts:
- an ``"id"`` is kept (give span starts an id so span ends can reference it), else assigned;
- ``agent.message`` events are previewed to ``event_deltas[]`` streams from their text blocks;
- the private key ``"_delta_text"`` sets the preview text (it is how ``agent.thinking``, which
  carries no text, gets a preview) and is removed before storing;
- ``span.model_request_end`` ``model_usage`` is added to the session's ``usage``.
"""

from __future__ import annotations

from collections.abc import AsyncIterable, Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any, Union

from ._ids import new_id

__all__ = ["AgentScript", "TurnContext", "default_script"]


@dataclass(frozen=True)
class TurnContext:
    """What a script may know and do during one turn."""

    session_id: str
    turn_id: str
    session: dict[str, Any]
    resources: list[dict[str, Any]]
    files: dict[str, bytes]
    create_file_hook: Callable[[str, bytes, str], dict[str, Any]] = field(repr=False)

    def create_file(
        self, filename: str, content: bytes, mime_type: str = "text/markdown"
    ) -> dict[str, Any]:
        """Store a file produced by the agent (scoped to this session); returns its metadata."""
        return self.create_file_hook(filename, content, mime_type)


ScriptEvents = Union[Iterable[Mapping[str, Any]], AsyncIterable[Mapping[str, Any]]]
AgentScript = Callable[[str, TurnContext], ScriptEvents]


def _usage(
    input_tokens: int, output_tokens: int, cache_read: int, cache_write: int
) -> dict[str, Any]:
    credits = (
        input_tokens * 2 + output_tokens * 10 + cache_write * 2.5 + cache_read * 0.2
    ) / 10_000
    return {
        "input_tokens": input_tokens,
        "output_tokens": output_tokens,
        "cache_read_input_tokens": cache_read,
        "cache_creation_input_tokens": cache_write,
        "speed": "standard",
        "credits": int(credits * 100) / 100,
    }


def _numbered(text: str) -> str:
    """Format file content like the Read tool: right-aligned line numbers and a tab."""
    lines = text.splitlines()
    return "".join(f"{number:6}\t{line}\n" for number, line in enumerate(lines, start=1))


def _first_lines(text: str, count: int = 3) -> list[str]:
    return [line for line in text.splitlines() if line.strip()][:count]


def default_script(text: str, context: TurnContext) -> Iterator[dict[str, Any]]:
    """A deterministic turn shaped like the captured sample: look around, read, answer."""
    paths = [r["mount_path"] for r in context.resources if r.get("mount_path")]
    first_file = next(iter(context.files.items()), None)

    span = new_id("evt_")
    yield {"id": span, "type": "span.model_request_start"}
    yield {
        "type": "agent.thinking",
        "_delta_text": f"The user wrote: {text!r}. I'll check which files are mounted first.",
    }
    glob = new_id("evt_")
    yield {
        "id": glob,
        "type": "agent.tool_use",
        "name": "Glob",
        "input": {"pattern": "**/*", "path": "/data"},
        "evaluated_permission": "allow",
    }
    yield {
        "type": "span.model_request_end",
        "model_request_start_id": span,
        "is_error": False,
        "model_usage": _usage(4105 + len(text) // 4, 61, 0, 3920),
    }
    listing = "\n".join(sorted(paths)) if paths else "No files found"
    yield {
        "type": "agent.tool_result",
        "tool_use_id": glob,
        "content": [{"type": "text", "text": listing}],
        "is_error": False,
    }

    if first_file is not None:
        path, raw = first_file
        content = raw.decode("utf-8", errors="replace")
        span = new_id("evt_")
        yield {"id": span, "type": "span.model_request_start"}
        yield {"type": "agent.thinking", "_delta_text": f"I'll read {path}."}
        read = new_id("evt_")
        yield {
            "id": read,
            "type": "agent.tool_use",
            "name": "Read",
            "input": {"file_path": path},
            "evaluated_permission": "allow",
        }
        yield {
            "type": "span.model_request_end",
            "model_request_start_id": span,
            "is_error": False,
            "model_usage": _usage(236, 83, 3920, 190),
        }
        yield {
            "type": "agent.tool_result",
            "tool_use_id": read,
            "content": [{"type": "text", "text": _numbered(content)}],
            "is_error": False,
        }

    span = new_id("evt_")
    yield {"id": span, "type": "span.model_request_start"}
    yield {"type": "agent.thinking", "_delta_text": "I have what I need to answer."}
    summary = f'You asked: "{text}".'
    if paths:
        summary += f" Mounted resources: {', '.join(sorted(paths))}."
    else:
        summary += " No resources are mounted on this session."
    if first_file is not None:
        path, raw = first_file
        quoted = "\n".join(f"> {line}" for line in _first_lines(raw.decode("utf-8", "replace")))
        summary += f"\n\nThe first lines of {path}:\n{quoted}"
    produced = context.create_file("answer.md", (summary + "\n").encode(), "text/markdown")
    # Blocks are concatenated by ``.text``: a block that starts a paragraph carries its break.
    closing = f"\n\nI saved this answer as answer.md ({produced['id']})."
    yield {
        "type": "agent.message",
        "content": [{"type": "text", "text": summary}, {"type": "text", "text": closing}],
    }
    yield {
        "type": "span.model_request_end",
        "model_request_start_id": span,
        "is_error": False,
        "model_usage": _usage(301, 40 + len(summary) // 4, 4520, 236),
    }
