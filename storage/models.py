"""Typed rows returned by the query modules, so callers never index raw tuples."""
from __future__ import annotations

import sqlite3
from dataclasses import dataclass


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
    status: str
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
    role: str
    author: str
    source: str
    text: str
    tg_chat_id: int | None = None
    tg_message_id: int | None = None
    part: int = 0


@dataclass(frozen=True, slots=True)
class Turn:
    id: int
    session_id: int
    role: str
    author: str
    source: str
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
    kind: str
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
