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


async def add_fragment(db: Database, fragment: Fragment) -> bool:
    """Store one fragment; False when this message is already stored (a redelivery)."""
    rows = await db.write_returning(
        "INSERT OR IGNORE INTO fragments (chat_id, thread_id, user_id, author, message_id, text,"
        " received_at) VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING id",
        (fragment.chat_id, fragment.thread_id, fragment.user_id, fragment.author,
         fragment.message_id, fragment.text, utcnow()))
    return bool(rows)


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
