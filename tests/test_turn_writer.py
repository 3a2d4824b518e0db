"""Group commit of captured turns: batching, redeliveries, and sessions that close meanwhile."""
from __future__ import annotations

import sqlite3
from pathlib import Path

from storage import projects, sessions
from storage.db import Database
from storage.models import NewTurn
from storage.turn_writer import Outcome, TurnWriter
from tests.harness import Harness, open_session, stored_turns, texts


async def test_batches_dedupes_and_refuses_closed_sessions(tmp_path: Path) -> None:
    db = await Database.open(tmp_path / "w.db")
    project = await projects.create_project(db, 1, "P", "", None)
    open_one = await sessions.start_session(db, project.id, "", None)
    other = await projects.create_project(db, 2, "Q", "", None)
    closed = await sessions.start_session(db, other.id, "", None)
    await sessions.complete_session(db, closed.id, "")
    batches: list[list[Outcome]] = []

    async def on_commit(outcomes: list[Outcome]) -> None:
        batches.append(outcomes)

    writer = TurnWriter(db, on_commit)
    for i in range(700):  # more rows than one statement takes
        writer.submit(open_one.id, NewTurn("note", "a", "typed", f"t{i}", 1, i), i)
    writer.submit(open_one.id, NewTurn("note", "a", "typed", "t0 again", 1, 0), "dup")
    writer.submit(closed.id, NewTurn("note", "b", "typed", "late", 2, 1), "late")
    await writer.drain()
    outcomes = {o.item.tag: o for batch in batches for o in batch}
    assert sum(o.stored for o in outcomes.values()) == 700
    assert not outcomes["dup"].stored and outcomes["dup"].session_open
    assert not outcomes["late"].stored and not outcomes["late"].session_open
    assert len(batches) == 1  # all queued before the writer ran: one batch
    rows = await db.fetchall("SELECT session_id, COUNT(*) FROM turns GROUP BY session_id")
    assert [tuple(r) for r in rows] == [(open_one.id, 700)]
    await db.close()


async def test_turn_for_a_session_closed_behind_the_cache_is_refused(
        baton: Harness, db_path: Path) -> None:
    await open_session(baton)
    await baton.send("before")  # caches the chat's open session
    with sqlite3.connect(db_path) as conn:  # another actor closes it meanwhile
        conn.execute("UPDATE sessions SET status = 'completed', completed_at = 'x'")
    [nudge] = texts(await baton.send("after"))
    assert "no open session" in nudge
    assert [t[3] for t in stored_turns(db_path)] == ["before"]
    [again] = texts(await baton.send("/startsession"))  # the stale cache is gone
    assert "Session 2" in again
