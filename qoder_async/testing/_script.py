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

from ._tools import REQUIRES_ACTION, builtin_call, custom_turn, refusal

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
    new_id_hook: Callable[[str], str] = field(repr=False)
    answers: dict[str, dict[str, Any]] = field(default_factory=dict, repr=False)
    """The client's answers to the turn's tool calls, by call id (filled at each pause)."""
    write_memory_hook: Callable[[str, str, str], dict[str, Any]] | None = field(
        default=None, repr=False
    )

    def create_file(
        self, filename: str, content: bytes, mime_type: str = "text/markdown"
    ) -> dict[str, Any]:
        """Store a file produced by the agent (scoped to this session); returns its metadata."""
        return self.create_file_hook(filename, content, mime_type)

    def new_id(self, prefix: str = "evt_") -> str:
        """A fresh id in the emulator's id scheme (give span starts one so ends can refer
        to them)."""
        return self.new_id_hook(prefix)

    def write_memory(self, memory_store_id: str, path: str, content: str) -> dict[str, Any]:
        """Create or overwrite a memory of a mounted store as this session; returns it.

        Mounted stores' memories are in ``files`` too, under the resource's ``mount_path``.
        """
        if self.write_memory_hook is None:
            raise RuntimeError("this turn has no memory stores to write to")
        return self.write_memory_hook(memory_store_id, path, content)


ScriptEvents = Union[Iterable[Mapping[str, Any]], AsyncIterable[Mapping[str, Any]]]
AgentScript = Callable[[str, TurnContext], ScriptEvents]
"""``script(text, context)``: a turn's events (dicts) from its messages' text (module doc)."""


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


PREFERENCES = "preferences.md"


def _remember(text: str, context: TurnContext) -> Iterator[dict[str, Any]]:
    """``Remember: …`` with a writable memory store mounted: append the note to
    ``preferences.md`` there, as a Write tool call."""
    note = text.split(":", 1)[1].strip() if ":" in text else ""
    store = next(
        (
            r
            for r in context.resources
            if r.get("type") == "memory_store" and r.get("access") == "read_write"
        ),
        None,
    )
    if not note or store is None:
        return
    target = f"{store['mount_path']}/{PREFERENCES}"
    before = context.files.get(target, b"").decode("utf-8", "replace")
    content = before + f"- {note}\n"
    write = context.new_id("evt_")
    yield {
        "id": write,
        "type": "agent.tool_use",
        "name": "Write",
        "input": {"file_path": target, "content": content},
        "evaluated_permission": "allow",
    }
    context.write_memory(store["memory_store_id"], PREFERENCES, content)
    context.files[target] = content.encode()
    yield {
        "type": "agent.tool_result",
        "tool_use_id": write,
        "content": [{"type": "text", "text": f"Saved to memory: {target}"}],
        "is_error": False,
    }


def _list_items(text: str) -> list[str]:
    return [line.strip() for line in text.splitlines() if line.lstrip().startswith(("- ", "* "))]


def default_script(text: str, context: TurnContext) -> Iterator[dict[str, Any]]:
    """A deterministic turn shaped like the captured sample: look around, read, answer.

    A message starting with ``Remember:`` is first written to ``preferences.md`` in the
    first mounted read-write memory store.
    """
    if text.lower().startswith("remember"):
        yield from _remember(text, context)
    paths = [r["mount_path"] for r in context.resources if r.get("mount_path")]
    first_file = next(iter(context.files.items()), None)

    span = context.new_id("evt_")
    yield {"id": span, "type": "span.model_request_start"}
    yield {
        "type": "agent.thinking",
        "_delta_text": f"The user wrote: {text!r}. I'll check which files are mounted first.",
    }
    glob, asks = builtin_call(
        context.session, "Glob", {"pattern": "**/*", "path": "/data"}, context.new_id
    )
    yield glob
    yield {
        "type": "span.model_request_end",
        "model_request_start_id": span,
        "is_error": False,
        "model_usage": _usage(4105 + len(text) // 4, 61, 0, 3920),
    }
    if asks:
        yield {"type": REQUIRES_ACTION}
    refused = refusal(context.answers, glob)
    listing = "\n".join(sorted(paths)) if paths else "No files found"
    yield {
        "type": "agent.tool_result",
        "tool_use_id": glob["id"],
        "content": [{"type": "text", "text": refused or listing}],
        "is_error": refused is not None,
    }
    quotes: list[str] = [] if refused is None else [refused]

    if first_file is not None:
        path, raw = first_file
        content = raw.decode("utf-8", errors="replace")
        span = context.new_id("evt_")
        yield {"id": span, "type": "span.model_request_start"}
        yield {"type": "agent.thinking", "_delta_text": f"I'll read {path}."}
        read, asks = builtin_call(context.session, "Read", {"file_path": path}, context.new_id)
        yield read
        yield {
            "type": "span.model_request_end",
            "model_request_start_id": span,
            "is_error": False,
            "model_usage": _usage(236, 83, 3920, 190),
        }
        if asks:
            yield {"type": REQUIRES_ACTION}
        refused = refusal(context.answers, read)
        quotes += [] if refused is None else [refused]
        yield {
            "type": "agent.tool_result",
            "tool_use_id": read["id"],
            "content": [{"type": "text", "text": refused or _numbered(content)}],
            "is_error": refused is not None,
        }

    yield from custom_turn(context.session, text, context.answers, quotes, context.new_id)

    span = context.new_id("evt_")
    yield {"id": span, "type": "span.model_request_start"}
    yield {"type": "agent.thinking", "_delta_text": "I have what I need to answer."}
    summary = f'You asked: "{text}".'
    if paths:
        summary += f" Mounted resources: {', '.join(sorted(paths))}."
    else:
        summary += " No resources are mounted on this session."
    if first_file is not None:
        path, raw = first_file
        body = raw.decode("utf-8", "replace")
        items = _list_items(body)
        if items and "list" in text.lower():
            # Asked for a list: give every item, so the answer is right, not a sample.
            listed = "\n".join(items)
            summary += f"\n\nThe {len(items)} items listed in {path}:\n{listed}"
        else:
            quoted = "\n".join(f"> {line}" for line in _first_lines(body))
            summary += f"\n\nThe first lines of {path}:\n{quoted}"
    if quotes:
        summary += "\n\n" + "\n".join(quotes)
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
