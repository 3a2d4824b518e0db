"""Conversation turns. The (chat, message, part) key makes redelivered updates no-ops."""
from __future__ import annotations

from typing import AsyncIterator, Sequence

import aiosqlite

from storage.db import Database, utcnow
from storage.models import NewTurn, Turn

_INSERT = (
    "INSERT OR IGNORE INTO turns (session_id, role, author, source, text, words, tg_chat_id,"
    " tg_message_id, part, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
)


def _row(session_id: int, turn: NewTurn, now: str) -> tuple[object, ...]:
    return (session_id, turn.role, turn.author, turn.source, turn.text, len(turn.text.split()),
            turn.tg_chat_id, turn.tg_message_id, turn.part, now)


async def insert_turns(conn: aiosqlite.Connection, session_id: int,
                       turns: Sequence[NewTurn]) -> int:
    """Insert inside the caller's transaction; returns how many were new."""
    now = utcnow()
    added = 0
    for turn in turns:
        cursor = await conn.execute(_INSERT, _row(session_id, turn, now))
        added += cursor.rowcount
    return added


async def add_turns(db: Database, session_id: int, turns: Sequence[NewTurn]) -> int:
    """Store turns in one transaction; returns how many were new."""
    if len(turns) == 1:  # the common case: one statement is its own transaction
        return (await db.write(_INSERT, _row(session_id, turns[0], utcnow())))[1]
    async with db.transaction() as conn:
        return await insert_turns(conn, session_id, turns)


async def count_turns(db: Database, session_id: int) -> int:
    row = await db.fetchone("SELECT COUNT(*) AS n FROM turns WHERE session_id = ?", (session_id,))
    return int(row["n"]) if row else 0


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
