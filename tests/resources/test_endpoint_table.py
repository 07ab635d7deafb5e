"""docs/endpoints.md and the code agree: every endpoint, its method name, and the short forms."""

from __future__ import annotations

import re
from pathlib import Path

import qoder_async as qa
from qoder_async.resources._endpoints import Route, routes

DOC = Path(__file__).parents[2] / "docs" / "endpoints.md"
ROW = re.compile(r"^\|[^|]*\|[^|]*\| `(GET|POST|DELETE)` \| `([^`]+)` \| `(client\.[\w.]+)` \|$")
SHORT_FORM = re.compile(r"^\| (`session\..*?) \| (`client\..*?) \|$")


def documented_routes() -> list[tuple[str, Route]]:
    rows = [ROW.match(line) for line in DOC.read_text().splitlines()]
    return [(m[3], Route(m[1], m[2])) for m in rows if m]


def short_forms() -> list[tuple[list[str], list[str]]]:
    rows = [SHORT_FORM.match(line) for line in DOC.read_text().splitlines()]
    return [
        (re.findall(r"`session\.(\w+)\(", m[1]), re.findall(r"`(client\.[\w.]+)`", m[2]))
        for m in rows
        if m
    ]


def test_the_table_lists_every_endpoint_of_the_client_and_nothing_else() -> None:
    client = qa.AsyncQoder("token", "http://127.0.0.1:9")
    assert sorted(documented_routes()) == sorted(routes(client))


def test_the_table_has_no_duplicate_rows() -> None:
    names = [name for name, _ in documented_routes()]
    assert len(names) == len(set(names))


def test_the_table_covers_each_group_of_the_issue() -> None:
    names = {name.rsplit(".", 1)[0] for name, _ in documented_routes()}
    assert names >= {
        "client.agents",
        "client.agents.versions",
        "client.environments",
        "client.sessions",
        "client.sessions.events",
        "client.sessions.resources",
        "client.sessions.threads",
        "client.sessions.threads.events",
        "client.files",
        "client.models",
        "client.skills",
        "client.skills.versions",
        "client.deployments",
        "client.deployments.runs",
        "client.deployment_runs",
        "client.dreams",
    }


def test_every_short_form_exists_on_async_session() -> None:
    methods = [method for session_methods, _ in short_forms() for method in session_methods]
    assert methods
    assert [m for m in methods if not callable(getattr(qa.AsyncSession, m, None))] == []


def test_every_short_form_stands_for_a_documented_endpoint() -> None:
    documented = {name for name, _ in documented_routes()}
    stands_for = [name for _, names in short_forms() for name in names]
    assert stands_for
    assert [name for name in stands_for if name not in documented] == []
