"""`/stats` query time on a big project: 1M turns in 1k sessions (target <= 100 ms).

The database gets the real schema (opened once with `storage.db.Database.open`, so every
migration applies) and is then filled with plain sqlite3 executemany in large transactions,
which is much faster than going through the bot. The clock times `storage.stats.project_stats`,
the exact call the /stats handler makes; the first call is printed apart from the median of
the rest. A second, small project shares the database so the query has to filter.

    python -m bench.stats [--turns 1000000] [--sessions 1000] [--runs 7]
"""
from __future__ import annotations

import argparse
import asyncio
import random
import sqlite3
import statistics
import tempfile
import time
from collections.abc import Iterator, Sequence
from pathlib import Path

from storage.db import Database, utcnow
from storage.stats import ProjectStats, project_stats

TARGET_MS = 100.0
CHAT_ID = 4242
BATCH = 50_000

_WORDS = ("refund", "cart", "Decimal", "`pytest -q`", "src/shop/cart.py", "KeyError:", "'price'",
          "the", "totals", "migration", "we", "decided", "to", "keep", "service", "small", "and",
          "move", "logic", "next", "step", "port", "8000", "fails", "when", "empty")
_ROLES = ("user", "assistant", "assistant", "user", "assistant", "note", "tool")
_SOURCES = ("forwarded", "forwarded", "forwarded", "typed", "pasted", "file")


async def _create_schema(path: Path) -> None:
    db = await Database.open(path)
    await db.close()


def _turn_rows(session_ids: Sequence[int], per_session: int, first_message_id: int,
               seed: int) -> Iterator[tuple[object, ...]]:
    """Turns of 5-60 words each; texts are drawn from a small pool, so building is fast."""
    rng = random.Random(seed)
    texts = []
    for _ in range(512):
        text = " ".join(rng.choice(_WORDS) for _ in range(rng.randint(5, 60)))
        texts.append((text, len(text.split())))
    now = utcnow()
    message_id = first_message_id
    for session_id in session_ids:
        for i in range(per_session):
            text, words = texts[rng.randrange(len(texts))]
            message_id += 1
            yield (session_id, _ROLES[i % len(_ROLES)], "Rina", _SOURCES[i % len(_SOURCES)],
                   text, words, CHAT_ID, message_id, 0, now)


def _add_project(conn: sqlite3.Connection, name: str, sessions: int, turns_per_session: int,
                 first_message_id: int, seed: int) -> int:
    """A project with `sessions` sessions (all completed with a final handoff but the last)."""
    now = utcnow()
    project_id = conn.execute(
        "INSERT INTO projects (chat_id, name, name_key, created_at) VALUES (?, ?, ?, ?)",
        (CHAT_ID, name, name.casefold(), now)).lastrowid
    assert project_id is not None
    session_ids: list[int] = []
    for number in range(1, sessions + 1):
        active = number == sessions
        cursor = conn.execute(
            "INSERT INTO sessions (project_id, number, status, started_at, completed_at)"
            " VALUES (?, ?, ?, ?, ?)",
            (project_id, number, "active" if active else "completed", now, None if active else now))
        assert cursor.lastrowid is not None
        session_ids.append(cursor.lastrowid)
    markdown = "# Handoff\n\n" + "word " * 400
    conn.executemany(
        "INSERT INTO handoffs (session_id, kind, generator, markdown, words, tokens_est,"
        " source_words, first_session, last_session, turns_covered, artifacts_kept,"
        " artifacts_total, duration_ms, created_at) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
        [(sid, "final", "extractive", markdown, 1800, 2400, 30 * turns_per_session, 1, n + 1,
          turns_per_session * (n + 1), 38, 40, 120, now)
         for n, sid in enumerate(session_ids[:-1])])
    rows = _turn_rows(session_ids, turns_per_session, first_message_id, seed)
    insert = ("INSERT INTO turns (session_id, role, author, source, text, words, tg_chat_id,"
              " tg_message_id, part, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)")
    while True:
        batch = [row for _, row in zip(range(BATCH), rows, strict=False)]  # at most BATCH
        if not batch:
            break
        conn.executemany(insert, batch)
    return project_id


def build_database(path: Path, turns: int, sessions: int) -> int:
    """Create the database; returns the id of the big project."""
    asyncio.run(_create_schema(path))
    conn = sqlite3.connect(path, isolation_level=None)
    try:
        conn.execute("PRAGMA synchronous = OFF")  # a throwaway file: no need to survive a crash
        conn.execute("BEGIN")
        conn.execute("INSERT INTO chats (id, created_at) VALUES (?, ?)", (CHAT_ID, utcnow()))
        project_id = _add_project(conn, "Big", sessions, max(1, turns // sessions), 0, seed=5)
        _add_project(conn, "Small", 10, 100, 10 * turns + 1, seed=6)
        conn.execute("UPDATE chats SET active_project_id = ? WHERE id = ?", (project_id, CHAT_ID))
        conn.execute("COMMIT")
        conn.execute("ANALYZE")
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    finally:
        conn.close()
    return project_id


async def time_stats(path: Path, project_id: int, runs: int) -> tuple[list[float], ProjectStats]:
    """Milliseconds per `project_stats` call, on the connection the bot would use."""
    db = await Database.open(path)
    try:
        times: list[float] = []
        result: ProjectStats | None = None
        for _ in range(runs):
            started = time.perf_counter()
            result = await project_stats(db, project_id)
            times.append(1000 * (time.perf_counter() - started))
        assert result is not None
        return times, result
    finally:
        await db.close()


def query_plan(path: Path, project_id: int) -> list[str]:
    """EXPLAIN QUERY PLAN of the turn aggregate, the statement that grows with history."""
    conn = sqlite3.connect(path)
    try:
        rows = conn.execute(
            "EXPLAIN QUERY PLAN SELECT t.role, t.source, SUM(t.turns) AS n, SUM(t.words) AS w"
            " FROM turn_totals t JOIN sessions s ON s.id = t.session_id WHERE s.project_id = ?"
            " GROUP BY t.role, t.source HAVING SUM(t.turns) > 0", (project_id,)).fetchall()
        return [str(row[-1]) for row in rows]
    finally:
        conn.close()


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.stats", description=__doc__.split("\n")[0])
    parser.add_argument("--turns", type=int, default=1_000_000, help="turns in the big project")
    parser.add_argument("--sessions", type=int, default=1000, help="sessions in the big project")
    parser.add_argument("--runs", type=int, default=7, help="timed project_stats calls")
    args = parser.parse_args(argv)
    if args.turns < 1 or args.sessions < 1 or args.runs < 2:
        parser.error("--turns and --sessions must be at least 1, --runs at least 2")
    with tempfile.TemporaryDirectory(prefix="baton-bench-") as tmp:
        path = Path(tmp) / "stats.db"
        started = time.perf_counter()
        project_id = build_database(path, args.turns, args.sessions)
        build_s = time.perf_counter() - started
        size_mb = path.stat().st_size / 2**20
        times, stats = asyncio.run(time_stats(path, project_id, args.runs))
        plan = query_plan(path, project_id)
    median = statistics.median(times[1:])
    print(f"stats: {stats.turns:,} turns in {args.sessions:,} sessions of one project "
          f"(+ a small second project); {size_mb:.0f} MB database built in {build_s:.1f} s")
    print(f"  project_stats: first call {times[0]:.1f} ms, median of the next {len(times) - 1}: "
          f"{median:.1f} ms (min {min(times[1:]):.1f}, max {max(times[1:]):.1f})")
    print(f"  counted: {stats.sessions_completed} completed + {stats.sessions_active} active "
          f"sessions, {stats.words:,} words, {stats.handoffs_final} final handoffs")
    print("  query plan (turn totals): " + " | ".join(plan))
    verdict = "meets" if median <= TARGET_MS else "misses"
    print(f"  {verdict} the <= {TARGET_MS:g} ms target")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
