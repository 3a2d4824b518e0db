"""Stored handoff documents: finals on /complete, drafts on /handoff mid-session."""
from __future__ import annotations

from storage.db import Database, utcnow
from storage.models import HandoffKind, StoredHandoff

_SELECT = "SELECT h.*, s.number FROM handoffs h JOIN sessions s ON s.id = h.session_id"


async def save_handoff(db: Database, session_id: int, kind: HandoffKind, *, generator: str,
                       markdown: str, words: int, tokens_est: int, source_words: int,
                       first_session: int, last_session: int, turns_covered: int,
                       artifacts_kept: int, artifacts_total: int, duration_ms: int) -> int:
    return await db.execute(
        "INSERT INTO handoffs (session_id, kind, generator, markdown, words, tokens_est,"
        " source_words, first_session, last_session, turns_covered, artifacts_kept,"
        " artifacts_total, duration_ms, created_at) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
        (session_id, kind, generator, markdown, words, tokens_est, source_words, first_session,
         last_session, turns_covered, artifacts_kept, artifacts_total, duration_ms, utcnow()),
    )


async def latest_final(db: Database, project_id: int,
                       before_number: int | None = None) -> StoredHandoff | None:
    """The newest final handoff of the project, optionally of a session before N."""
    row = await db.fetchone(
        f"{_SELECT} WHERE s.project_id = ? AND h.kind = 'final' AND s.number < ?"
        " ORDER BY s.number DESC, h.id DESC LIMIT 1",
        (project_id, before_number if before_number is not None else 2**62),
    )
    return StoredHandoff.from_row(row) if row else None


async def handoff_for_session(db: Database, project_id: int, number: int) -> StoredHandoff | None:
    """The final handoff of session N, else its newest draft."""
    row = await db.fetchone(
        f"{_SELECT} WHERE s.project_id = ? AND s.number = ?"
        " ORDER BY (h.kind = 'final') DESC, h.id DESC LIMIT 1",
        (project_id, number),
    )
    return StoredHandoff.from_row(row) if row else None
