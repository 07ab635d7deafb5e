"""``agents`` and ``sessions``: list, show and archive, drawn as tables (TSV on a pipe)."""

from __future__ import annotations

import json
from collections.abc import Collection, Sequence
from typing import Any

from rich.console import Console
from rich.table import Table

import qoder_async as qa

__all__ = [
    "AGENT_COLUMNS",
    "SESSION_COLUMNS",
    "Output",
    "agent_fields",
    "agent_row",
    "session_fields",
    "session_row",
]

AGENT_COLUMNS = ("ID", "NAME", "MODEL", "VERSION", "CREATED", "ARCHIVED")
SESSION_COLUMNS = ("ID", "TITLE", "STATUS", "AGENT", "CREDITS", "CREATED", "ARCHIVED")
ID_COLUMNS = frozenset({"ID", "AGENT"})
"""Columns holding ids, which a terminal table never cuts."""


def _model_name(model: str | dict[str, Any]) -> str:
    return model if isinstance(model, str) else str(model.get("id", ""))


def _when(timestamp: str | None) -> str:
    # "2026-05-18T15:27:11.187876194Z" -> "2026-05-18 15:27:11": enough for a listing.
    return timestamp[:19].replace("T", " ") if timestamp else ""


def _credits(session: qa.Session) -> str:
    total = session.usage.total_credits if session.usage is not None else None
    return f"{total:.2f}" if total is not None else ""


def agent_row(agent: qa.Agent) -> tuple[str, ...]:
    """One agent as a row of :data:`AGENT_COLUMNS`."""
    return (
        agent.id,
        agent.name,
        _model_name(agent.model),
        str(agent.version),
        _when(agent.created_at),
        _when(agent.archived_at),
    )


def session_row(session: qa.Session) -> tuple[str, ...]:
    """One session as a row of :data:`SESSION_COLUMNS`."""
    return (
        session.id,
        session.title,
        session.status,
        session.agent_id or "",
        _credits(session),
        _when(session.created_at),
        _when(session.archived_at),
    )


def agent_fields(agent: qa.Agent) -> list[tuple[str, str]]:
    """What ``agents show`` prints, field by field."""
    return [
        ("id", agent.id),
        ("name", agent.name),
        ("model", _model_name(agent.model)),
        ("version", str(agent.version)),
        ("description", agent.description or ""),
        ("system", agent.system or ""),
        ("tools", ", ".join(str(t.get("type", "")) for t in agent.tools)),
        ("mcp servers", ", ".join(str(s.get("name", "")) for s in agent.mcp_servers)),
        ("metadata", json.dumps(agent.metadata) if agent.metadata else ""),
        ("created", _when(agent.created_at)),
        ("updated", _when(agent.updated_at)),
        ("archived", _when(agent.archived_at)),
    ]


def session_fields(session: qa.Session) -> list[tuple[str, str]]:
    """What ``sessions show`` prints, field by field."""
    usage = session.usage
    tokens = f"{usage.input_tokens:,} in / {usage.output_tokens:,} out" if usage else ""
    mounts = ", ".join(r.mount_path or r.url or r.type for r in session.resources)
    return [
        ("id", session.id),
        ("title", session.title),
        ("status", session.status),
        ("agent", session.agent_id or ""),
        ("environment", session.environment_id or ""),
        ("resources", mounts),
        ("tokens", tokens),
        ("credits", _credits(session)),
        ("metadata", json.dumps(session.metadata) if session.metadata else ""),
        ("created", _when(session.created_at)),
        ("updated", _when(session.updated_at)),
        ("archived", _when(session.archived_at)),
    ]


class Output:
    """Prints listings: a rich table on a terminal, tab-separated lines on a pipe, or JSON."""

    def __init__(self, console: Console, *, as_json: bool) -> None:
        self.console = console
        self.as_json = as_json

    def _plain(self, text: str) -> None:
        print(text, flush=True)

    def rows(
        self,
        columns: Sequence[str],
        rows: Sequence[tuple[str, ...]],
        raws: Sequence[Any],
        *,
        known: Collection[str] = (),
    ) -> None:
        """A listing: one row per item (``raws`` are the API objects, for ``--json``).

        A terminal table leaves out the ``known`` columns (the same in every row because the
        user asked for that value) and the ones empty in every row; tab-separated lines keep
        every column, so scripts see a fixed layout.
        """
        if self.as_json:
            for raw in raws:
                self._plain(json.dumps(raw, ensure_ascii=False))
            return
        if not self.console.is_terminal:
            self._plain("\t".join(columns))
            for row in rows:
                self._plain("\t".join(row))
            return
        # A column empty in every row (ARCHIVED, mostly) would only take room from the rest.
        shown = [
            i
            for i, name in enumerate(columns)
            if name == "ID" or (name not in known and any(row[i] for row in rows))
        ]
        table = Table(header_style="bold", box=None, pad_edge=False, collapse_padding=True)
        for i in shown:
            name = columns[i]
            if name in ID_COLUMNS:
                # Ids are what users copy: never cut or wrapped; other columns give way.
                width = max([len(name), *(len(row[i]) for row in rows)])
                table.add_column(name, no_wrap=True, min_width=width)
            elif name == "CREATED":
                table.add_column(name, min_width=10)  # the date on a line, the time below
            else:
                table.add_column(name, overflow="fold")
        for row in rows:
            table.add_row(*(row[i] for i in shown))
        self.console.print(table)
        if not rows:
            self.console.print("(none)", style="dim")

    def fields(self, fields: Sequence[tuple[str, str]], raw: Any) -> None:
        """One object, field by field."""
        if self.as_json:
            self._plain(json.dumps(raw, ensure_ascii=False))
            return
        if not self.console.is_terminal:
            for name, value in fields:
                self._plain(f"{name}\t{value}")
            return
        table = Table(show_header=False, box=None, pad_edge=False)
        table.add_column(style="bold")
        table.add_column()
        for name, value in fields:
            table.add_row(name, value)
        self.console.print(table)
