"""The one mapping from a turn as stored or parsed to the builders' `TurnIn`.

Storage and the transcript parsers hold role and source as plain strings (the database
CHECKs them against the same sets); the builders take the `Role` and `Source` literals.
Narrowing here, once, replaces two hand-written mappings that each silenced the type
checker with `type: ignore`.
"""
from __future__ import annotations

from datetime import datetime
from typing import TypeGuard, get_args

from handoff.types import Role, Source, TurnIn

ROLES: frozenset[str] = frozenset(get_args(Role))
SOURCES: frozenset[str] = frozenset(get_args(Source))


def _is_role(value: str) -> TypeGuard[Role]:
    return value in ROLES


def _is_source(value: str) -> TypeGuard[Source]:
    return value in SOURCES


def turn_in(role: str, author: str, source: str, text: str,
            created_at: datetime | None) -> TurnIn:
    """A `TurnIn` for the builders. A role they don't know (a parser's own label) becomes a
    note, as the offline CLI always did; a source they don't know cannot come from the
    database (its CHECK refuses it), so it is a bug and raises."""
    if not _is_source(source):
        raise ValueError(f"unknown turn source {source!r}")
    return TurnIn(role=role if _is_role(role) else "note", author=author, source=source,
                  text=text, created_at=created_at)
