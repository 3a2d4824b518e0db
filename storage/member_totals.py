"""Who started and who completed a session, by the name Telegram shows (migration 0012):
sessions store the starter's user id, these add the names /stats and handoffs show."""
from __future__ import annotations

from storage.db import Database


async def name_starter(db: Database, chat_id: int, user_id: int, name: str) -> None:
    """Name the sessions `user_id` started in the chat that have no name yet (the one just
    started, and those from before names were kept)."""
    await db.execute(
        "UPDATE sessions SET started_by_name = ? WHERE started_by = ? AND started_by_name IS NULL"
        " AND project_id IN (SELECT id FROM projects WHERE chat_id = ?)",
        (name, user_id, chat_id))


async def name_completer(db: Database, session_id: int, user_id: int, name: str) -> None:
    """Record who is completing the open session (set before it closes; a later /complete
    of the same session by someone else replaces it)."""
    await db.execute(
        "UPDATE sessions SET completed_by = ?, completed_by_name = ?"
        " WHERE id = ? AND status = 'active'", (user_id, name, session_id))
