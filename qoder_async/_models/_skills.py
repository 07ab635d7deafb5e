"""Skill models: an uploaded skill and its versions.

A skill's ``version`` strings are opaque labels (``"1"``, a timestamp, ...): compare them for
equality only, never do arithmetic on them.
"""

from __future__ import annotations

from attrs import field, frozen

from ._content import JSONObject

__all__ = ["Skill", "SkillVersion"]


@frozen(kw_only=True)
class Skill:
    """A skill: a folder with ``SKILL.md`` that agents bind with ``skills=[...]``.

    ``latest_version`` is the version an agent follows when it pins none; ``source`` is
    ``"custom"`` for uploaded skills (some servers send an object ``{"type": ...}``).
    """

    id: str
    type: str = "skill"
    display_title: str | None = None
    latest_version: str | None = None
    source: str | JSONObject | None = None
    metadata: JSONObject = field(factory=dict)
    created_at: str | None = None
    updated_at: str | None = None
    raw: JSONObject = field(factory=dict, repr=False, eq=False)


@frozen(kw_only=True)
class SkillVersion:
    """One uploaded version of a skill; ``name`` and ``description`` come from the
    frontmatter of its ``SKILL.md``, ``directory`` is its top-level folder."""

    id: str
    type: str = "skill_version"
    skill_id: str | None = None
    version: str = ""
    name: str | None = None
    description: str | None = None
    directory: str | None = None
    created_at: str | None = None
    raw: JSONObject = field(factory=dict, repr=False, eq=False)
