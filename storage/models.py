"""Typed rows returned by the query modules, so callers never index raw tuples.

The Literals below own the sets of values a stored turn, session or handoff may hold (the
migrations' CHECKs refuse anything else); every check of a value derives from them.
"""
from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from typing import Literal, TypeGuard, get_args

Role = Literal["user", "assistant", "note", "tool", "system"]
Source = Literal["typed", "forwarded", "pasted", "file"]
SessionStatus = Literal["active", "completed", "cancelled"]
HandoffKind = Literal["final", "draft"]

ROLES: frozenset[str] = frozenset(get_args(Role))
SOURCES: frozenset[str] = frozenset(get_args(Source))


def is_role(value: str) -> TypeGuard[Role]:
    return value in ROLES


def is_source(value: str) -> TypeGuard[Source]:
    return value in SOURCES


@dataclass(frozen=True, slots=True)
class Project:
    id: int
    chat_id: int
    name: str
    description: str
    created_by: int | None
    created_at: str

    @classmethod
    def from_row(cls, row: sqlite3.Row) -> Project:
        return cls(row["id"], row["chat_id"], row["name"], row["description"],
                   row["created_by"], row["created_at"])


@dataclass(frozen=True, slots=True)
class Session:
    id: int
    project_id: int
    number: int
    status: SessionStatus
    objectives: str
    notes: str
    started_by: int | None
    started_at: str
    completed_at: str | None

    @classmethod
    def from_row(cls, row: sqlite3.Row) -> Session:
        return cls(row["id"], row["project_id"], row["number"], row["status"], row["objectives"],
                   row["notes"], row["started_by"], row["started_at"], row["completed_at"])


@dataclass(frozen=True, slots=True)
class NewTurn:
    role: Role
    author: str
    source: Source
    text: str
    tg_chat_id: int | None = None
    tg_message_id: int | None = None
    part: int = 0


@dataclass(frozen=True, slots=True)
class Turn:
    id: int
    session_id: int
    role: Role
    author: str
    source: Source
    text: str
    created_at: str  # when it was stored
    said_at: str | None = None  # its own time, when its source had one

    @property
    def at(self) -> str:
        """The time the session is ordered by: its own, else its arrival."""
        return self.said_at or self.created_at

    @classmethod
    def from_row(cls, row: sqlite3.Row) -> Turn:
        return cls(row["id"], row["session_id"], row["role"], row["author"], row["source"],
                   row["text"], row["created_at"], row["said_at"])


@dataclass(frozen=True, slots=True)
class StoredHandoff:
    id: int
    session_id: int
    session_number: int
    kind: HandoffKind
    generator: str
    markdown: str
    words: int
    first_session: int
    last_session: int
    turns_covered: int
    artifacts_kept: int
    artifacts_total: int
    created_at: str

    @classmethod
    def from_row(cls, row: sqlite3.Row) -> StoredHandoff:
        return cls(row["id"], row["session_id"], row["number"], row["kind"], row["generator"],
                   row["markdown"], row["words"], row["first_session"], row["last_session"],
                   row["turns_covered"], row["artifacts_kept"], row["artifacts_total"],
                   row["created_at"])
