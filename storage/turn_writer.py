"""Group commit for captured turns.

Handlers hand turns over and return at once; one writer task stores whatever has queued
up in a single statement, so a busy chat costs one SQLite round trip per batch rather than
per message. Typed fragments waiting to be stitched queue here too, ahead of the paste
made of them, so they are stored in the same batches and never after their paste.
A turn is only stored while its session is still open (checked inside the
same statement), so a message that races a /complete is reported back instead of landing
in a closed session.
"""
from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Any

from storage.db import Database, utcnow
from storage.fragments import Fragment, add_fragments
from storage.models import NewTurn
from storage.turns import COLUMN_COUNT, COLUMNS, turn_values

log = logging.getLogger(__name__)
ROWS_PER_STATEMENT = 300  # 11 values a row, well under SQLite's variable limit


@dataclass(frozen=True, slots=True)
class Queued:
    session_id: int
    turn: NewTurn
    tag: Any  # the caller's, handed back with the outcome


@dataclass(frozen=True, slots=True)
class Outcome:
    item: Queued
    stored: bool  # False: already stored (a redelivery) or the session has closed
    session_open: bool


OnCommit = Callable[[list[Outcome]], Awaitable[None]]


def _statement(rows: int) -> str:
    values = ", ".join([f"({', '.join('?' * COLUMN_COUNT)})"] * rows)
    picked = ", ".join(f"v.column{i}" for i in range(1, COLUMN_COUNT + 1))
    return (f"INSERT OR IGNORE INTO turns ({COLUMNS}) SELECT {picked} FROM (VALUES {values}) AS v"
            " WHERE EXISTS (SELECT 1 FROM sessions s WHERE s.id = v.column1"
            " AND s.status = 'active') RETURNING tg_chat_id, tg_message_id, part")


class TurnWriter:
    def __init__(self, db: Database, on_commit: OnCommit) -> None:
        self.db = db
        self.on_commit = on_commit
        self._queue: list[Queued | Fragment] = []
        self._task: asyncio.Task[None] | None = None

    def submit(self, session_id: int, turn: NewTurn, tag: Any) -> None:
        self._enqueue(Queued(session_id, turn, tag))

    def keep_fragment(self, fragment: Fragment) -> None:
        """Store typed text that waits for its paste (`storage.fragments`)."""
        self._enqueue(fragment)

    def _enqueue(self, item: Queued | Fragment) -> None:
        self._queue.append(item)
        if self._task is None or self._task.done():
            self._task = asyncio.get_running_loop().create_task(self._run())

    async def drain(self) -> None:
        """Wait until everything submitted so far is stored (before /complete, at shutdown)."""
        while self._task is not None and not self._task.done():
            await asyncio.shield(self._task)

    async def _run(self) -> None:
        while self._queue:
            queued, self._queue = self._queue, []
            batch = [q for q in queued if isinstance(q, Queued)]
            try:
                await add_fragments(self.db, [q for q in queued if isinstance(q, Fragment)])
                if not batch:
                    continue
                outcomes = await self._write(batch)
            except Exception:  # noqa: BLE001 - keep the writer alive; the log has it
                log.exception("storing %d turns failed", len(batch))
                continue
            try:
                await self.on_commit(outcomes)
            except Exception:  # noqa: BLE001
                log.exception("after-commit hook failed")

    async def _write(self, batch: Sequence[Queued]) -> list[Outcome]:
        now = utcnow()
        stored: set[tuple[Any, Any, Any]] = set()
        firsts: dict[tuple[Any, Any, Any], Queued] = {}
        for q in batch:  # a message redelivered within one batch is written once
            firsts.setdefault((q.turn.tg_chat_id, q.turn.tg_message_id, q.turn.part), q)
        unique = list(firsts.values())
        for start in range(0, len(unique), ROWS_PER_STATEMENT):
            part = unique[start:start + ROWS_PER_STATEMENT]
            params: list[Any] = []
            for q in part:
                params += turn_values(q.session_id, q.turn, now)
            rows = await self.db.write_returning(_statement(len(part)), params)
            stored.update((r[0], r[1], r[2]) for r in rows)
        missing = {q.session_id for q in batch
                   if (q.turn.tg_chat_id, q.turn.tg_message_id, q.turn.part) not in stored}
        open_ids = set(missing)
        if missing:
            marks = ", ".join("?" * len(missing))
            rows = await self.db.fetchall(
                f"SELECT id FROM sessions WHERE id IN ({marks}) AND status = 'active'",
                list(missing))
            open_ids = {r[0] for r in rows}
        outcomes = []
        for q in batch:
            key = (q.turn.tg_chat_id, q.turn.tg_message_id, q.turn.part)
            outcomes.append(Outcome(q, key in stored and firsts[key] is q,
                                    q.session_id not in missing or q.session_id in open_ids))
        return outcomes
