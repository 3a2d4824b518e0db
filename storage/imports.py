"""Whole-file imports: all turns in one transaction, and never the same file twice."""
from __future__ import annotations

from typing import Sequence

from storage.db import Database, utcnow
from storage.models import NewTurn
from storage.turns import insert_turns


async def import_turns(db: Database, session_id: int, digest: str, title: str,
                       turns: Sequence[NewTurn]) -> int | None:
    """Store an imported conversation; None when this session already has that import."""
    async with db.transaction() as conn:
        cursor = await conn.execute(
            "INSERT OR IGNORE INTO imports (session_id, digest, title, turns, created_at)"
            " VALUES (?, ?, ?, ?, ?)",
            (session_id, digest, title, len(turns), utcnow()),
        )
        if cursor.rowcount == 0:
            return None
        return await insert_turns(conn, session_id, turns)
