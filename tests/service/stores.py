"""A real SQLite database for the use-case tests (no Telegram), and small ways to fill it."""
from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from storage.db import Database
from storage.models import NewTurn, Source
from storage.turns import insert_turns

CHAT = 42
OTHER_CHAT = 43
USER = 7


@asynccontextmanager
async def opened(folder: Path) -> AsyncIterator[Database]:
    """The bot's database, migrated, in a file under `folder` (each test its own fixture:
    `async with opened(tmp_path) as db: yield db`)."""
    database = await Database.open(folder / "baton.db")
    try:
        yield database
    finally:
        await database.close()


async def add_turns(db: Database, session_id: int, *texts: str, message_id: int = 1,
                    source: Source = "typed", chat: int = CHAT) -> None:
    """Store `texts` as the turns of one Telegram message (parts 0, 1, ...)."""
    turns = [NewTurn("note", "Rina", source, text, chat, message_id, part)
             for part, text in enumerate(texts)]
    async with db.transaction() as conn:
        await insert_turns(conn, session_id, turns)


async def allow(created_by: int | None) -> bool:
    return True


async def refuse(created_by: int | None) -> bool:
    return False
