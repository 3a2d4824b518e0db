"""Digest schedules (migration 0011), one per place, and the period queries a digest reads.

Times are stored as UTC ISO-8601 text like every other table, so a period's bounds
compare with `created_at`, `started_at` and `completed_at` as text."""
from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Literal

from storage.db import Database
from storage.models import Project

Cadence = Literal["daily", "weekly"]


def stamp(moment: datetime) -> str:
    """The stored form of a time: UTC, to the second, as `storage.db.utcnow` writes it."""
    return moment.astimezone(UTC).isoformat(timespec="seconds")


@dataclass(frozen=True, slots=True)
class Schedule:
    chat_id: int
    thread_id: int  # 0: no topic
    cadence: Cadence
    weekday: int | None  # Monday 0 .. Sunday 6, weekly only
    local_time: str  # HH:MM on the zone's clock
    zone: str
    enabled: bool
    notice_pending: bool
    set_by: int | None
    created_at: str
    last_sent_at: str | None

    @classmethod
    def from_row(cls, row: sqlite3.Row) -> Schedule:
        return cls(row["chat_id"], row["thread_id"], row["cadence"], row["weekday"],
                   row["local_time"], row["zone"], bool(row["enabled"]),
                   bool(row["notice_pending"]), row["set_by"], row["created_at"],
                   row["last_sent_at"])


async def get_schedule(db: Database, chat_id: int, thread_id: int) -> Schedule | None:
    row = await db.fetchone("SELECT * FROM digests WHERE chat_id = ? AND thread_id = ?",
                            (chat_id, thread_id))
    return Schedule.from_row(row) if row else None


async def enabled_schedules(db: Database) -> list[Schedule]:
    rows = await db.fetchall("SELECT * FROM digests WHERE enabled = 1 ORDER BY chat_id, thread_id")
    return [Schedule.from_row(r) for r in rows]


async def chats_with_notices(db: Database) -> set[int]:
    """The chats a failed send turned a digest off in, not told yet (read at start-up, so
    the check on every message needs no query)."""
    rows = await db.fetchall("SELECT DISTINCT chat_id FROM digests WHERE notice_pending = 1")
    return {int(r[0]) for r in rows}


async def pending_notices(db: Database, chat_id: int) -> bool:
    """Whether a failed send turned off a digest of the chat that it was not told about: a
    read without the write lock, since it is asked for every message."""
    row = await db.fetchone(
        "SELECT 1 FROM digests WHERE chat_id = ? AND notice_pending = 1 LIMIT 1", (chat_id,))
    return row is not None


async def save_schedule(db: Database, chat_id: int, thread_id: int, cadence: Cadence,
                        weekday: int | None, local_time: str, zone: str, set_by: int | None,
                        now: datetime) -> Schedule:
    """Set (or replace) the place's schedule, enabled; it counts from `now`, so what was
    due before it is not sent. The last delivery is kept: the next digest covers since."""
    rows = await db.write_returning(
        "INSERT INTO digests (chat_id, thread_id, cadence, weekday, local_time, zone, enabled,"
        " notice_pending, set_by, created_at) VALUES (?, ?, ?, ?, ?, ?, 1, 0, ?, ?)"
        " ON CONFLICT (chat_id, thread_id) DO UPDATE SET cadence = excluded.cadence,"
        " weekday = excluded.weekday, local_time = excluded.local_time, zone = excluded.zone,"
        " enabled = 1, notice_pending = 0, set_by = excluded.set_by,"
        " created_at = excluded.created_at RETURNING *",
        (chat_id, thread_id, cadence, weekday, local_time, zone, set_by, stamp(now)),
    )
    return Schedule.from_row(rows[0])


async def turn_off(db: Database, chat_id: int, thread_id: int, *, notice: bool = False) -> bool:
    """Disable the place's schedule (kept, so /digest can say so); `notice` marks that the
    chat is to be told when it writes again. False when none was on."""
    rows = await db.write_returning(
        "UPDATE digests SET enabled = 0, notice_pending = ? WHERE chat_id = ? AND thread_id = ?"
        " AND enabled = 1 RETURNING chat_id",
        (int(notice), chat_id, thread_id),
    )
    return bool(rows)


async def take_notice(db: Database, chat_id: int) -> list[int]:
    """The threads of the chat whose turned-off digest is still to be told, cleared at once
    so the chat is told only once."""
    rows = await db.write_returning(
        "UPDATE digests SET notice_pending = 0 WHERE chat_id = ? AND notice_pending = 1"
        " RETURNING thread_id",
        (chat_id,),
    )
    return sorted(int(r["thread_id"]) for r in rows)


async def mark_sent(db: Database, chat_id: int, thread_id: int, when: datetime) -> None:
    await db.execute("UPDATE digests SET last_sent_at = ? WHERE chat_id = ? AND thread_id = ?",
                     (stamp(when), chat_id, thread_id))


# --- what happened in a period ---------------------------------------------------------

@dataclass(frozen=True, slots=True)
class Period:
    """(since, until]: stored times are whole seconds, so a digest takes what was stored in
    its own last second and the next one starts after it."""

    since: datetime
    until: datetime

    @property
    def bounds(self) -> tuple[str, str]:
        return stamp(self.since), stamp(self.until)


@dataclass(frozen=True, slots=True)
class ProjectActivity:
    sessions_opened: int
    sessions_completed: int
    by_author_hour: dict[tuple[str, str], int]  # (author, UTC 'YYYY-MM-DDTHH') -> turns
    by_source: dict[str, int]
    model_calls: int
    tokens_in: int
    tokens_out: int

    @property
    def turns(self) -> int:
        return sum(self.by_author_hour.values())

    @property
    def anything(self) -> bool:
        return bool(self.sessions_opened or self.sessions_completed or self.turns
                    or self.model_calls)


async def chat_projects(db: Database, chat_id: int) -> list[Project]:
    rows = await db.fetchall("SELECT * FROM projects WHERE chat_id = ? ORDER BY id", (chat_id,))
    return [Project.from_row(r) for r in rows]


async def project_activity(db: Database, project_id: int, period: Period) -> ProjectActivity:
    """What the project did in the period, by when it reached the bot (an old conversation
    imported today is today's activity)."""
    since, until = period.bounds
    sessions = await db.fetchone(
        "SELECT COALESCE(SUM(started_at > ? AND started_at <= ?), 0) AS opened,"
        " COALESCE(SUM(status = 'completed' AND completed_at > ? AND completed_at <= ?), 0) AS done"
        " FROM sessions WHERE project_id = ?",
        (since, until, since, until, project_id),
    )
    turns = await db.fetchall(
        "SELECT t.author, t.source, substr(t.created_at, 1, 13) AS hour, COUNT(*) AS n"
        " FROM sessions s JOIN turns t ON t.session_id = s.id"
        " WHERE s.project_id = ? AND t.created_at > ? AND t.created_at <= ?"
        " GROUP BY t.author, t.source, hour",
        (project_id, since, until),
    )
    model = await db.fetchone(
        "SELECT COALESCE(SUM(g.calls), 0) AS calls, COALESCE(SUM(g.tokens_in), 0) AS tin,"
        " COALESCE(SUM(g.tokens_out), 0) AS tout"
        " FROM generations g JOIN sessions s ON s.id = g.session_id"
        " WHERE s.project_id = ? AND g.model IS NOT NULL AND g.created_at > ? AND g.created_at <= ?",
        (project_id, since, until),
    )
    assert sessions is not None and model is not None
    by_author_hour: dict[tuple[str, str], int] = {}
    by_source: dict[str, int] = {}
    for row in turns:
        key = (str(row["author"]), str(row["hour"]))
        by_author_hour[key] = by_author_hour.get(key, 0) + int(row["n"])
        by_source[row["source"]] = by_source.get(row["source"], 0) + int(row["n"])
    return ProjectActivity(int(sessions["opened"]), int(sessions["done"]), by_author_hour,
                           by_source, int(model["calls"]), int(model["tin"]), int(model["tout"]))


async def last_activity(db: Database, project_id: int) -> str:
    """When the project last did anything: its newest session start or end, or the arrival
    of its newest turn; its creation when it has done nothing yet."""
    row = await db.fetchone(
        "SELECT MAX(p.created_at,"
        " COALESCE((SELECT MAX(MAX(s.started_at), COALESCE(MAX(s.completed_at), ''))"
        "           FROM sessions s WHERE s.project_id = p.id), ''),"
        " COALESCE((SELECT t.created_at FROM sessions s JOIN turns t ON t.session_id = s.id"
        "           WHERE s.project_id = p.id ORDER BY t.id DESC LIMIT 1), '')) AS last"
        " FROM projects p WHERE p.id = ?",
        (project_id,),
    )
    assert row is not None
    return str(row["last"])
