"""Numbered sessions of a project; at most one active per project (a partial unique index)."""
from __future__ import annotations

import sqlite3
from dataclasses import dataclass

from storage.db import Database, utcnow
from storage.models import Project, Session


class SessionAlreadyActive(Exception):
    pass


async def active_session(db: Database, project_id: int) -> Session | None:
    row = await db.fetchone(
        "SELECT * FROM sessions WHERE project_id = ? AND status = 'active'", (project_id,)
    )
    return Session.from_row(row) if row else None


async def get_session(db: Database, project_id: int, number: int) -> Session | None:
    row = await db.fetchone(
        "SELECT * FROM sessions WHERE project_id = ? AND number = ?", (project_id, number)
    )
    return Session.from_row(row) if row else None


async def start_session(db: Database, project_id: int, objectives: str,
                        started_by: int | None) -> Session:
    try:
        async with db.transaction() as conn:
            cursor = await conn.execute(
                "INSERT INTO sessions (project_id, number, status, objectives, started_by, started_at)"
                " VALUES (?, (SELECT COALESCE(MAX(number), 0) + 1 FROM sessions WHERE project_id = ?),"
                " 'active', ?, ?, ?)",
                (project_id, project_id, objectives.strip(), started_by, utcnow()),
            )
            session_id = cursor.lastrowid
    except sqlite3.IntegrityError:
        raise SessionAlreadyActive() from None
    row = await db.fetchone("SELECT * FROM sessions WHERE id = ?", (session_id,))
    assert row is not None
    return Session.from_row(row)


async def complete_session(db: Database, session_id: int, notes: str) -> Session | None:
    """Close an active session; None when it was already closed (a second /complete)."""
    async with db.transaction() as conn:
        cursor = await conn.execute(
            "UPDATE sessions SET status = 'completed', completed_at = ?,"
            " notes = CASE WHEN ? = '' THEN notes ELSE ? END"
            " WHERE id = ? AND status = 'active'",
            (utcnow(), notes.strip(), notes.strip(), session_id),
        )
        changed = cursor.rowcount
    if not changed:
        return None
    row = await db.fetchone("SELECT * FROM sessions WHERE id = ?", (session_id,))
    return Session.from_row(row) if row else None


async def chat_target(db: Database, chat_id: int,
                      thread_id: int = 0) -> tuple[Project | None, Session | None]:
    """The active project of the place (chat_id, thread_id: a forum topic, or 0) and its
    open session in one query: this runs for every captured message, so it is one round
    trip, not two."""
    row = await db.fetchone(
        "SELECT p.id, p.chat_id, p.name, p.description, p.created_by, p.created_at,"
        " s.id AS s_id, s.number, s.status, s.objectives, s.notes, s.started_by,"
        " s.started_at, s.completed_at"
        " FROM places pl JOIN projects p ON p.id = pl.active_project_id AND p.chat_id = pl.chat_id"
        " LEFT JOIN sessions s ON s.project_id = p.id AND s.status = 'active'"
        " WHERE pl.chat_id = ? AND pl.thread_id = ?",
        (chat_id, thread_id),
    )
    if row is None:
        return None, None
    project = Project.from_row(row)
    if row["s_id"] is None:
        return project, None
    return project, Session(row["s_id"], project.id, row["number"], row["status"],
                            row["objectives"], row["notes"], row["started_by"],
                            row["started_at"], row["completed_at"])


@dataclass(frozen=True, slots=True)
class SessionSummary:
    """A session with what /sessions and the export show next to it."""

    session: Session
    turns: int
    has_handoff: bool  # a final handoff is stored


async def session_turns(db: Database, session_id: int) -> int:
    """How many turns the session holds, from the per-session totals (migration 0004)."""
    row = await db.fetchone(
        "SELECT COALESCE(SUM(turns), 0) AS n FROM turn_totals WHERE session_id = ?", (session_id,))
    return int(row["n"]) if row else 0


async def list_sessions(db: Database, project_id: int) -> list[SessionSummary]:
    """Every session of the project, oldest first, with its turn count."""
    rows = await db.fetchall(
        "SELECT s.*,"
        " (SELECT COALESCE(SUM(t.turns), 0) FROM turn_totals t WHERE t.session_id = s.id) AS turns,"
        " EXISTS (SELECT 1 FROM handoffs h WHERE h.session_id = s.id AND h.kind = 'final')"
        " AS has_handoff"
        " FROM sessions s WHERE s.project_id = ? ORDER BY s.number",
        (project_id,),
    )
    return [SessionSummary(Session.from_row(r), int(r["turns"]), bool(r["has_handoff"]))
            for r in rows]


async def cancel_session(db: Database, session_id: int) -> Session | None:
    """Close an active session without a handoff (status 'cancelled', migration 0008); its
    turns stay stored. None when it was no longer open."""
    rows = await db.write_returning(
        "UPDATE sessions SET status = 'cancelled', completed_at = ?"
        " WHERE id = ? AND status = 'active' RETURNING *",
        (utcnow(), session_id),
    )
    return Session.from_row(rows[0]) if rows else None
