"""Updates held in SQLite while a long handler works on them (file imports): the polling
loop confirms an update once its handler has *started*, so what the handler will store
must survive a crash until it has."""
from __future__ import annotations

from storage.db import Database, utcnow


async def hold(db: Database, update_id: int, chat_id: int, payload: str) -> bool:
    """Keep an update; False when it is held already (Telegram sent it again)."""
    rows = await db.write_returning(
        "INSERT OR IGNORE INTO held_updates (update_id, chat_id, payload, received_at)"
        " VALUES (?, ?, ?, ?) RETURNING update_id", (update_id, chat_id, payload, utcnow()))
    return bool(rows)


async def release(db: Database, update_id: int) -> None:
    """The update is handled (stored, refused or answered): forget it."""
    await db.execute("DELETE FROM held_updates WHERE update_id = ?", (update_id,))


async def held(db: Database) -> list[tuple[int, str]]:
    """(update id, payload) of everything a previous run did not finish, oldest first."""
    rows = await db.fetchall("SELECT update_id, payload FROM held_updates ORDER BY update_id")
    return [(int(r["update_id"]), str(r["payload"])) for r in rows]
