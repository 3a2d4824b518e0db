"""Conversation turns. The (chat, message, part) key makes redelivered updates no-ops."""
from __future__ import annotations

from typing import AsyncIterator, Sequence

import aiosqlite

from storage.db import Database, utcnow
from storage.models import NewTurn, Turn

COLUMNS = ("session_id, role, author, source, text, words, tg_chat_id, tg_message_id, part,"
           " created_at")
_INSERT = f"INSERT OR IGNORE INTO turns ({COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"


def turn_values(session_id: int, turn: NewTurn, now: str) -> tuple[object, ...]:
    """The row for `COLUMNS`, in order."""
    return (session_id, turn.role, turn.author, turn.source, turn.text, len(turn.text.split()),
            turn.tg_chat_id, turn.tg_message_id, turn.part, now)


async def insert_turns(conn: aiosqlite.Connection, session_id: int,
                       turns: Sequence[NewTurn]) -> int:
    """Insert inside the caller's transaction; returns how many were new."""
    now = utcnow()
    added = 0
    for turn in turns:
        cursor = await conn.execute(_INSERT, turn_values(session_id, turn, now))
        added += cursor.rowcount
    return added


async def iter_turns(db: Database, session_id: int, batch: int = 2000) -> AsyncIterator[Turn]:
    """Stream a session's turns in order, in batches, so huge sessions don't sit in memory twice."""
    last_id = 0
    while True:
        rows = await db.fetchall(
            "SELECT * FROM turns WHERE session_id = ? AND id > ? ORDER BY id LIMIT ?",
            (session_id, last_id, batch),
        )
        if not rows:
            return
        for row in rows:
            yield Turn.from_row(row)
        last_id = rows[-1]["id"]
