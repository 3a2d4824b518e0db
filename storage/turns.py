"""Conversation turns. The (chat, message, part) key makes redelivered updates no-ops; an
imported turn's key also holds its import, so every conversation of one upload fits."""
from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from datetime import UTC, datetime

import aiosqlite

from storage.db import Database, utcnow
from storage.models import NewTurn, Turn

COLUMNS = ("session_id, role, author, source, text, words, tg_chat_id, tg_message_id, part,"
           " created_at, said_at")
COLUMN_COUNT = len(COLUMNS.split(","))
_INSERT = f"INSERT OR IGNORE INTO turns ({COLUMNS}) VALUES ({', '.join('?' * COLUMN_COUNT)})"
# An imported turn carries its import's id (migration 0006), which is part of its key.
_INSERT_IMPORTED = (f"INSERT OR IGNORE INTO turns ({COLUMNS}, import_id)"
                    f" VALUES ({', '.join('?' * (COLUMN_COUNT + 1))})")
# A session in its own time: turns with a time of their own by it, the rest by arrival.
# Matches the index turns_by_session_time (migration 0005), so reading pages through it.
ORDER_KEY = "COALESCE(said_at, created_at)"


def said_at_text(moment: datetime | None) -> str | None:
    """The stored form of a turn's own time: UTC ISO-8601, comparable as text with
    `created_at` (naive means UTC)."""
    if moment is None:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC).isoformat(timespec="microseconds")


def turn_values(session_id: int, turn: NewTurn, now: str,
                said_at: datetime | None = None) -> tuple[object, ...]:
    """The row for `COLUMNS`, in order; `said_at` is the turn's own time, if it has one."""
    return (session_id, turn.role, turn.author, turn.source, turn.text, len(turn.text.split()),
            turn.tg_chat_id, turn.tg_message_id, turn.part, now, said_at_text(said_at))


async def insert_turns(conn: aiosqlite.Connection, session_id: int, turns: Sequence[NewTurn],
                       said_at: Sequence[datetime | None] = (),
                       import_id: int | None = None) -> int:
    """Insert inside the caller's transaction; returns how many were new. `said_at`, when
    given, holds each turn's own time (None where it has none), in the order of `turns`.
    `import_id` ties the turns to their row in `imports` (and into their key)."""
    if said_at and len(said_at) != len(turns):
        raise ValueError(f"{len(said_at)} times for {len(turns)} turns")
    now = utcnow()
    rows = [turn_values(session_id, turn, now, said_at[i] if said_at else None)
            for i, turn in enumerate(turns)]
    # executemany: one trip to aiosqlite's thread however many turns a file has
    if import_id is None:
        cursor = await conn.executemany(_INSERT, rows)
    else:
        cursor = await conn.executemany(_INSERT_IMPORTED, [(*row, import_id) for row in rows])
    return max(cursor.rowcount, 0)


async def iter_turns(db: Database, session_id: int, batch: int = 2000) -> AsyncIterator[Turn]:
    """Stream a session's turns in time order (`ORDER_KEY`, ties by id), in batches, so huge
    sessions don't sit in memory twice."""
    last: tuple[str, int] = ("", 0)
    while True:
        rows = await db.fetchall(
            f"SELECT *, {ORDER_KEY} AS order_key FROM turns"
            # (key, id) > (last key, last id), spelt out so the index range is used
            f" WHERE session_id = ? AND {ORDER_KEY} >= ? AND ({ORDER_KEY} > ? OR id > ?)"
            f" ORDER BY {ORDER_KEY}, id LIMIT ?",
            (session_id, last[0], last[0], last[1], batch),
        )
        if not rows:
            return
        for row in rows:
            yield Turn.from_row(row)
        last = (rows[-1]["order_key"], rows[-1]["id"])
