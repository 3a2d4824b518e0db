"""Storage: restart on the same file, migrations, pragmas, supergroup migration."""
from __future__ import annotations

import sqlite3
import threading
from pathlib import Path

import pytest

from storage.db import Database, migration_scripts, split_statements
from tests.harness import GROUP_CHAT, Harness, texts


async def test_restart_keeps_project_session_and_turns(baton: Harness, db_path: Path) -> None:
    await baton.send("/newproject Shop")
    await baton.send("/startsession")
    await baton.send("turn before restart")
    await baton.restart()
    await baton.send("turn after restart")
    [again] = texts(await baton.send("/startsession"))
    assert "Session 1 of <b>Shop</b> is still open" in again
    with sqlite3.connect(db_path) as conn:
        assert [r[0] for r in conn.execute("SELECT text FROM turns ORDER BY id")] == [
            "turn before restart", "turn after restart"]


async def test_migrations_are_recorded_and_not_reapplied(tmp_path: Path) -> None:
    path = tmp_path / "m.db"
    db = await Database.open(path)
    latest = max(v for v, _, _ in migration_scripts())
    assert await db.schema_version() == latest
    mode = await db.fetchone("PRAGMA journal_mode")
    fk = await db.fetchone("PRAGMA foreign_keys")
    assert mode is not None and mode[0] == "wal"
    assert fk is not None and fk[0] == 1
    await db.close()
    db = await Database.open(path)  # a second open must not fail on existing tables
    rows = await db.fetchall("SELECT version FROM schema_version")
    assert [r[0] for r in rows] == list(range(1, latest + 1))
    await db.close()


async def test_failed_migration_leaves_nothing_behind(tmp_path: Path, monkeypatch) -> None:
    import storage.db as storage_db

    broken = [(1, "0001_x.sql", "CREATE TABLE a (x INTEGER);\nCREATE TABLE a (y INTEGER);\n")]
    monkeypatch.setattr(storage_db, "migration_scripts", lambda: broken)
    path = tmp_path / "broken.db"
    try:
        await Database.open(path)
    except sqlite3.OperationalError:
        pass
    else:
        raise AssertionError("the broken migration should have failed")
    with sqlite3.connect(path) as conn:
        tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")}
        assert "a" not in tables
        assert conn.execute("SELECT COUNT(*) FROM schema_version").fetchone()[0] == 0


def test_split_statements_keeps_semicolons_in_strings() -> None:
    script = "-- c\nINSERT INTO t VALUES ('a;b');\nCREATE TABLE u (x);\n"
    assert split_statements(script) == ["-- c\nINSERT INTO t VALUES ('a;b');", "CREATE TABLE u (x);"]


async def test_group_becoming_supergroup_keeps_projects(baton: Harness) -> None:
    old_group = -4001
    await baton.send("/newproject Team", chat_id=old_group)
    await baton.send("/startsession", chat_id=old_group)
    await baton.send(extra={"migrate_to_chat_id": GROUP_CHAT}, chat_id=old_group)
    [stats] = texts(await baton.send("/stats", chat_id=GROUP_CHAT))
    assert "<b>Team</b>" in stats and "1 active" in stats


async def test_a_file_that_is_not_a_database_is_refused_without_a_thread_left(
        tmp_path: Path) -> None:
    path = tmp_path / "notes.db"
    path.write_text("just some text, not a database " * 100)
    before = set(threading.enumerate())
    with pytest.raises(sqlite3.DatabaseError):
        await Database.open(path)
    left = [t for t in threading.enumerate() if t not in before]
    for thread in left:
        thread.join(timeout=2)  # a closed connection's thread ends; an open one never does
    assert not [t for t in left if t.is_alive()]  # it would keep Python from exiting
