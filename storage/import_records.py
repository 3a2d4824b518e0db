"""Whole-file imports: all turns in one transaction, never the same conversation twice, and
never into a session that closed while the file was being read."""
from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from storage.db import Database, utcnow
from storage.models import NewTurn
from storage.turns import insert_turns


class SessionClosed(Exception):
    """The session was completed, cancelled or deleted before the import was stored."""


async def import_turns(db: Database, session_id: int, digest: str, title: str,
                       turns: Sequence[NewTurn],
                       said_at: Sequence[datetime | None] = ()) -> int | None:
    """Store an imported conversation; None when this session already has that import
    (`digest`: the file and the conversation picked in it). Raises SessionClosed, storing
    nothing, unless the session is still active: downloading and parsing a big file takes
    a while, and a /complete meanwhile must not receive it. The check and the insert are
    one transaction, so nothing can close the session in between.
    `said_at` holds each turn's own time from the file (None where it has none), so the
    session reads in the conversation's own time order (see `storage.turns.iter_turns`)."""
    async with db.transaction() as conn:
        cursor = await conn.execute(
            "INSERT OR IGNORE INTO imports (session_id, digest, title, turns, created_at)"
            " SELECT ?, ?, ?, ?, ? WHERE EXISTS"
            " (SELECT 1 FROM sessions WHERE id = ? AND status = 'active')",
            (session_id, digest, title, len(turns), utcnow(), session_id),
        )
        if cursor.rowcount == 0:
            active = await conn.execute_fetchall(
                "SELECT 1 FROM sessions WHERE id = ? AND status = 'active'", (session_id,))
            if not active:
                raise SessionClosed(session_id)
            return None
        import_id = cursor.lastrowid
        return await insert_turns(conn, session_id, turns, said_at, import_id=import_id)
