"""People taking their data back: what a project holds, its handoffs for the export, and
deletes that leave nothing behind (a project, or the turns one message became).

Deletes run in `Database.erasing`: SQLite's secure_delete overwrites the freed bytes and a
TRUNCATE checkpoint empties the -wal file, so a secret forwarded by mistake is really gone.
"""
from __future__ import annotations

import sqlite3
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass

from storage.db import Database

_MESSAGE_TURNS = (
    "SELECT t.id, t.source, t.text, t.tg_message_id, s.id AS session_id, s.number,"
    " p.id AS project_id, p.name"
    " FROM turns t JOIN sessions s ON s.id = t.session_id JOIN projects p ON p.id = s.project_id"
    " WHERE p.chat_id = ? AND t.tg_chat_id = ?"
)


@dataclass(frozen=True, slots=True)
class ProjectSize:
    sessions: int
    turns: int
    handoffs: int


@dataclass(frozen=True, slots=True)
class StoredMessage:
    """The turns one Telegram message (or one stitched paste) became, and where they are."""

    message_id: int
    turn_ids: tuple[int, ...]
    source: str
    text: str  # the turns' texts joined, to recognise a later fragment of a paste
    session_number: int
    project_id: int
    project_name: str


@dataclass(frozen=True, slots=True)
class HandoffEntry:
    id: int
    session_number: int
    kind: str
    created_at: str


async def project_size(db: Database, project_id: int) -> ProjectSize:
    row = await db.fetchone(
        "SELECT (SELECT COUNT(*) FROM sessions WHERE project_id = ?) AS sessions,"
        " (SELECT COALESCE(SUM(t.turns), 0) FROM turn_totals t JOIN sessions s"
        "  ON s.id = t.session_id WHERE s.project_id = ?) AS turns,"
        " (SELECT COUNT(*) FROM handoffs h JOIN sessions s ON s.id = h.session_id"
        "  WHERE s.project_id = ?) AS handoffs",
        (project_id, project_id, project_id),
    )
    assert row is not None
    return ProjectSize(int(row["sessions"]), int(row["turns"]), int(row["handoffs"]))


async def delete_project(db: Database, chat_id: int, project_id: int) -> bool:
    """Delete the project with everything below it; False when it was already gone.

    Sessions, and through them turns, turn totals, handoffs, generations and imports, go by
    their ON DELETE CASCADE keys in the same transaction; the chat's active project is set
    to NULL by its own key."""
    async with db.erasing() as conn:
        cursor = await conn.execute("DELETE FROM projects WHERE id = ? AND chat_id = ?",
                                    (project_id, chat_id))
        return cursor.rowcount > 0


def _stored_message(rows: Sequence[sqlite3.Row]) -> StoredMessage | None:
    if not rows:
        return None
    first = rows[0]
    return StoredMessage(
        message_id=int(first["tg_message_id"]),
        turn_ids=tuple(int(r["id"]) for r in rows),
        source=str(first["source"]),
        text="\n".join(str(r["text"]) for r in rows),
        session_number=int(first["number"]),
        project_id=int(first["project_id"]),
        project_name=str(first["name"]),
    )


async def message_turns(db: Database, chat_id: int, message_id: int) -> StoredMessage | None:
    """The turns stored from this chat's message `message_id` (all parts of a paste)."""
    rows = await db.fetchall(f"{_MESSAGE_TURNS} AND t.tg_message_id = ? ORDER BY t.part, t.id",
                             (chat_id, chat_id, message_id))
    return _stored_message(rows)


async def nearest_before(db: Database, chat_id: int, message_id: int,
                         lookback: int) -> StoredMessage | None:
    """The stored message closest before `message_id` (at most `lookback` ids back): a
    stitched paste is keyed by its first fragment, so a later fragment finds it here."""
    row = await db.fetchone(
        "SELECT MAX(tg_message_id) AS m FROM turns"
        " WHERE tg_chat_id = ? AND tg_message_id >= ? AND tg_message_id < ?",
        (chat_id, message_id - lookback, message_id),
    )
    if row is None or row["m"] is None:
        return None
    return await message_turns(db, chat_id, int(row["m"]))


async def forget_turns(db: Database, turn_ids: tuple[int, ...]) -> int:
    """Delete these turns for good; returns how many were deleted."""
    if not turn_ids:
        return 0
    marks = ", ".join("?" * len(turn_ids))
    async with db.erasing() as conn:
        rows = await conn.execute_fetchall(
            f"SELECT COUNT(*) FROM turns WHERE id IN ({marks})", turn_ids)
        # An imported file's turns take their import rows along (which cascade to them), so
        # sending the same file again imports it again instead of "already imported".
        await conn.execute(f"DELETE FROM imports WHERE id IN (SELECT import_id FROM turns"
                           f" WHERE id IN ({marks}))", turn_ids)
        await conn.execute(f"DELETE FROM turns WHERE id IN ({marks})", turn_ids)
        return int(next(iter(rows))[0])


async def handoffs_containing(db: Database, project_id: int, snippet: str) -> int:
    """How many stored handoffs of the project contain `snippet` verbatim."""
    row = await db.fetchone(
        "SELECT COUNT(*) AS n FROM handoffs h JOIN sessions s ON s.id = h.session_id"
        " WHERE s.project_id = ? AND instr(h.markdown, ?) > 0",
        (project_id, snippet),
    )
    return int(row["n"]) if row else 0


async def project_handoffs(db: Database, project_id: int) -> list[HandoffEntry]:
    """Every stored handoff of the project (finals and drafts), without their text."""
    rows = await db.fetchall(
        "SELECT h.id, s.number, h.kind, h.created_at FROM handoffs h"
        " JOIN sessions s ON s.id = h.session_id WHERE s.project_id = ? ORDER BY s.number, h.id",
        (project_id,),
    )
    return [HandoffEntry(int(r["id"]), int(r["number"]), str(r["kind"]), str(r["created_at"]))
            for r in rows]


async def handoff_markdowns(db: Database,
                            entries: list[HandoffEntry]) -> AsyncIterator[tuple[HandoffEntry, str]]:
    """The handoffs' markdown one at a time, so an export holds one document in memory."""
    for entry in entries:
        row = await db.fetchone("SELECT markdown FROM handoffs WHERE id = ?", (entry.id,))
        if row is not None:
            yield entry, str(row["markdown"])
