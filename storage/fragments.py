"""Typed text waiting for its paste to be stitched, kept in SQLite from the moment it
arrives until the turns made of it are stored."""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from storage.db import Database, utcnow


@dataclass(frozen=True, slots=True)
class Fragment:
    chat_id: int
    thread_id: int | None
    user_id: int
    author: str
    message_id: int
    text: str


ROWS_PER_STATEMENT = 100  # 7 values a row, well under SQLite's variable limit


async def add_fragments(db: Database, fragments: Sequence[Fragment]) -> None:
    """Store fragments in as few statements as fit; a message already stored (a
    redelivery) is left as it is."""
    now = utcnow()
    for start in range(0, len(fragments), ROWS_PER_STATEMENT):
        part = fragments[start:start + ROWS_PER_STATEMENT]
        values = ", ".join(["(?, ?, ?, ?, ?, ?, ?)"] * len(part))
        params = [v for f in part for v in (f.chat_id, f.thread_id, f.user_id, f.author,
                                            f.message_id, f.text, now)]
        await db.execute("INSERT OR IGNORE INTO fragments (chat_id, thread_id, user_id, author,"
                         f" message_id, text, received_at) VALUES {values}", params)


async def remove_fragments(db: Database, chat_id: int, message_ids: Sequence[int]) -> None:
    """Forget fragments whose turns are stored (or were refused and the user told)."""
    if message_ids:
        marks = ", ".join("?" * len(message_ids))
        await db.execute(f"DELETE FROM fragments WHERE chat_id = ? AND message_id IN ({marks})",
                         (chat_id, *message_ids))


async def pending_fragments(db: Database) -> list[Fragment]:
    """Everything a previous run left unstitched, per chat in message order."""
    rows = await db.fetchall(
        "SELECT chat_id, thread_id, user_id, author, message_id, text FROM fragments"
        " ORDER BY chat_id, message_id")
    return [Fragment(r["chat_id"], r["thread_id"], r["user_id"], r["author"], r["message_id"],
                     r["text"]) for r in rows]
