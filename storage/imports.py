"""Whole-file imports: all turns in one transaction, and never the same conversation twice."""
from __future__ import annotations

from datetime import datetime
from typing import Sequence

from storage.db import Database, utcnow
from storage.models import NewTurn
from storage.turns import insert_turns


async def import_turns(db: Database, session_id: int, digest: str, title: str,
                       turns: Sequence[NewTurn],
                       said_at: Sequence[datetime | None] = ()) -> int | None:
    """Store an imported conversation; None when this session already has that import
    (`digest`: the file and the conversation picked in it). The turns are keyed by their
    import, so each conversation of one upload fits beside the others.
    `said_at` holds each turn's own time from the file (None where it has none), so the
    session reads in the conversation's own time order (see `storage.turns.iter_turns`)."""
    async with db.transaction() as conn:
        cursor = await conn.execute(
            "INSERT OR IGNORE INTO imports (session_id, digest, title, turns, created_at)"
            " VALUES (?, ?, ?, ?, ?)",
            (session_id, digest, title, len(turns), utcnow()),
        )
        if cursor.rowcount == 0:
            return None
        return await insert_turns(conn, session_id, turns, said_at, import_id=cursor.lastrowid)
