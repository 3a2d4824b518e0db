"""Projects and each place's active project. Every query is scoped by chat id, so a
project is invisible from any other chat by name and by id.

A place is a chat, or one topic of a forum supergroup (`thread_id`; 0 for a chat without
topics and for a forum's General topic). Projects belong to the chat; each place has its
own active project (table `places`, migration 0010)."""
from __future__ import annotations

import sqlite3

from storage.db import Database, utcnow
from storage.models import Project

MAX_NAME_CHARS = 64


class DuplicateProject(Exception):
    pass


def name_key(name: str) -> str:
    return " ".join(name.split()).casefold()


async def ensure_chat(db: Database, chat_id: int) -> None:
    await db.execute("INSERT OR IGNORE INTO chats (id, created_at) VALUES (?, ?)", (chat_id, utcnow()))


_SET_ACTIVE = (
    "INSERT INTO places (chat_id, thread_id, active_project_id) VALUES (?, ?, ?)"
    " ON CONFLICT (chat_id, thread_id) DO UPDATE SET active_project_id = excluded.active_project_id"
)


async def create_project(db: Database, chat_id: int, name: str, description: str,
                         created_by: int | None, thread_id: int = 0) -> Project:
    """Create a project of the chat and make it the active one of the place (chat_id,
    thread_id) only; raises DuplicateProject on a case-insensitive clash."""
    name = " ".join(name.split())
    try:
        async with db.transaction() as conn:
            await conn.execute("INSERT OR IGNORE INTO chats (id, created_at) VALUES (?, ?)",
                               (chat_id, utcnow()))
            cursor = await conn.execute(
                "INSERT INTO projects (chat_id, name, name_key, description, created_by, created_at)"
                " VALUES (?, ?, ?, ?, ?, ?)",
                (chat_id, name, name_key(name), description.strip(), created_by, utcnow()),
            )
            project_id = cursor.lastrowid
            await conn.execute(_SET_ACTIVE, (chat_id, thread_id, project_id))
    except sqlite3.IntegrityError:
        raise DuplicateProject(name) from None
    project = await get_project(db, chat_id, int(project_id or 0))
    assert project is not None
    return project


async def get_project(db: Database, chat_id: int, project_id: int) -> Project | None:
    row = await db.fetchone("SELECT * FROM projects WHERE id = ? AND chat_id = ?",
                            (project_id, chat_id))
    return Project.from_row(row) if row else None


async def find_project(db: Database, chat_id: int, name: str) -> Project | None:
    row = await db.fetchone("SELECT * FROM projects WHERE chat_id = ? AND name_key = ?",
                            (chat_id, name_key(name)))
    return Project.from_row(row) if row else None


async def active_project(db: Database, chat_id: int, thread_id: int = 0) -> Project | None:
    """The active project of the place (chat_id, thread_id); a topic never falls back to
    another topic's project."""
    row = await db.fetchone(
        "SELECT p.* FROM places pl JOIN projects p ON p.id = pl.active_project_id"
        " WHERE pl.chat_id = ? AND pl.thread_id = ? AND p.chat_id = pl.chat_id",
        (chat_id, thread_id),
    )
    return Project.from_row(row) if row else None


async def set_active(db: Database, chat_id: int, project_id: int, thread_id: int = 0) -> None:
    """Bind one of the chat's projects to the place (chat_id, thread_id)."""
    async with db.transaction() as conn:
        await conn.execute("INSERT OR IGNORE INTO chats (id, created_at) VALUES (?, ?)",
                           (chat_id, utcnow()))
        await conn.execute(_SET_ACTIVE, (chat_id, thread_id, project_id))


async def list_projects(db: Database, chat_id: int) -> list[tuple[Project, int]]:
    """The chat's projects with their session counts, oldest first."""
    rows = await db.fetchall(
        "SELECT p.*, (SELECT COUNT(*) FROM sessions s WHERE s.project_id = p.id) AS sessions"
        " FROM projects p WHERE p.chat_id = ? ORDER BY p.id",
        (chat_id,),
    )
    return [(Project.from_row(r), int(r["sessions"])) for r in rows]


async def migrate_chat(db: Database, old_chat_id: int, new_chat_id: int) -> None:
    """Re-key a group's projects, places and digest schedules when Telegram turns it into a
    supergroup."""
    async with db.transaction() as conn:
        await conn.execute("INSERT OR IGNORE INTO chats (id, created_at) VALUES (?, ?)",
                           (new_chat_id, utcnow()))
        await conn.execute("UPDATE projects SET chat_id = ? WHERE chat_id = ?",
                           (new_chat_id, old_chat_id))
        await conn.execute(
            "INSERT OR REPLACE INTO places (chat_id, thread_id, active_project_id)"
            " SELECT ?, thread_id, active_project_id FROM places WHERE chat_id = ?",
            (new_chat_id, old_chat_id),
        )
        await conn.execute("UPDATE OR REPLACE digests SET chat_id = ? WHERE chat_id = ?",
                           (new_chat_id, old_chat_id))
        await conn.execute("DELETE FROM chats WHERE id = ?", (old_chat_id,))


async def rename_project(db: Database, chat_id: int, project_id: int, name: str) -> Project | None:
    """Rename a project of this chat; None when it is gone, DuplicateProject when another
    project of the chat already has the name (a change of case alone is allowed)."""
    name = " ".join(name.split())
    try:
        await db.execute("UPDATE projects SET name = ?, name_key = ? WHERE id = ? AND chat_id = ?",
                         (name, name_key(name), project_id, chat_id))
    except sqlite3.IntegrityError:
        raise DuplicateProject(name) from None
    return await get_project(db, chat_id, project_id)
