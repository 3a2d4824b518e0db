"""Smoke tests for the speed benches on tiny inputs (the real runs stay out of the suite),
and a check that the trigger-kept turn_totals /stats now reads always match the turns."""
from __future__ import annotations

import asyncio
import sqlite3
from pathlib import Path

import pytest

from bench import handoff_scale, ingest, stats
from storage.db import Database


def test_ingest_prints_both_rates_and_ratio(capsys: pytest.CaptureFixture[str]) -> None:
    assert ingest.main(["--updates", "50", "--rounds", "1"]) == 0
    out = capsys.readouterr().out
    assert "50 updates" in out and "-> 60 turns" in out
    assert "bare PTB echo :" in out and "Baton         :" in out
    assert "ratio Baton/bare:" in out


def test_handoff_scale_prints_times_memory_and_exponent(capsys: pytest.CaptureFixture[str]) -> None:
    assert handoff_scale.main(["--sizes", "100,200"]) == 0
    out = capsys.readouterr().out
    assert "peak MB" in out and "     100 " in out and "     200 " in out
    assert "time growth exponent: n^" in out and "peak memory growth exponent: n^" in out


def test_stats_prints_query_time(capsys: pytest.CaptureFixture[str]) -> None:
    assert stats.main(["--turns", "2000", "--sessions", "10", "--runs", "3"]) == 0
    out = capsys.readouterr().out
    assert "2,000 turns in 10 sessions" in out and "project_stats: first call" in out
    assert "ms target" in out


def test_growth_exponent_recovers_known_slopes() -> None:
    ns = [1000, 10000, 100000]
    assert handoff_scale.growth_exponent(ns, [n * 1e-5 for n in ns]) == pytest.approx(1.0)
    assert handoff_scale.growth_exponent(ns, [5.0, 5.0, 5.0]) == pytest.approx(0.0)


def _totals(conn: sqlite3.Connection) -> tuple[list[tuple[object, ...]], list[tuple[object, ...]]]:
    kept = conn.execute("SELECT session_id, role, source, turns, words FROM turn_totals"
                        " ORDER BY 1, 2, 3").fetchall()
    actual = conn.execute("SELECT session_id, role, source, COUNT(*), SUM(words) FROM turns"
                          " GROUP BY 1, 2, 3 ORDER BY 1, 2, 3").fetchall()
    return kept, actual


def test_turn_totals_follow_inserts_ignores_updates_and_deletes(tmp_path: Path) -> None:
    path = tmp_path / "totals.db"
    asyncio.run(_open_and_close(path))
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("PRAGMA foreign_keys = ON")
    conn.execute("INSERT INTO projects (id, chat_id, name, name_key, created_at)"
                 " VALUES (1, 1, 'P', 'p', 'now')")
    for sid in (1, 2):
        conn.execute("INSERT INTO sessions (id, project_id, number, status, started_at)"
                     " VALUES (?, 1, ?, 'completed', 'now')", (sid, sid))
    insert = ("INSERT OR IGNORE INTO turns (session_id, role, source, text, words, tg_chat_id,"
              " tg_message_id, part, created_at) VALUES (?, ?, ?, ?, ?, 1, ?, 0, 'now')")
    rows = [(1, "user", "typed", "a b", 2, 1), (1, "user", "typed", "c", 1, 2),
            (1, "assistant", "forwarded", "d e f", 3, 3), (2, "note", "pasted", "g", 1, 4)]
    conn.executemany(insert, rows)
    conn.execute(insert, (1, "user", "typed", "redelivered", 1, 1))  # ignored: same message
    kept, actual = _totals(conn)
    assert kept == actual == [(1, "assistant", "forwarded", 1, 3), (1, "user", "typed", 2, 3),
                              (2, "note", "pasted", 1, 1)]
    conn.execute("UPDATE turns SET role = 'note', words = 5 WHERE tg_message_id = 2")
    conn.execute("DELETE FROM turns WHERE tg_message_id = 3")
    kept, actual = _totals(conn)
    assert kept == actual
    conn.execute("DELETE FROM sessions WHERE id = 2")  # cascades to its turns and totals
    kept, actual = _totals(conn)
    assert kept == actual == [(1, "note", "typed", 1, 5), (1, "user", "typed", 1, 2)]
    conn.close()


async def _open_and_close(path: Path) -> None:
    db = await Database.open(path)
    await db.close()
