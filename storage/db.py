"""The SQLite connection: pragmas, numbered migrations, and serialised transactions.

One aiosqlite connection is shared by every handler, so writes that span several
statements take a lock: otherwise two coroutines could interleave inside one BEGIN.
"""
from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from importlib import resources
from pathlib import Path
from typing import Any

import aiosqlite

MIGRATIONS_PACKAGE = "storage.migrations"


def utcnow() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def split_statements(script: str) -> list[str]:
    """Split a SQL script into statements without `executescript`, which commits implicitly."""
    statements: list[str] = []
    buffer = ""
    for line in script.splitlines(keepends=True):
        buffer += line
        if sqlite3.complete_statement(buffer):
            if buffer.strip():
                statements.append(buffer.strip())
            buffer = ""
    if buffer.strip() and not all(
        ln.strip().startswith("--") or not ln.strip() for ln in buffer.splitlines()
    ):
        raise ValueError("SQL script ends with an incomplete statement")
    return statements


def migration_scripts() -> list[tuple[int, str, str]]:
    """(version, name, sql) for every numbered migration shipped with the package."""
    found = []
    for entry in resources.files(MIGRATIONS_PACKAGE).iterdir():
        name = entry.name
        if name.endswith(".sql") and name[:4].isdigit():
            found.append((int(name[:4]), name, entry.read_text(encoding="utf-8")))
    return sorted(found)


class Database:
    def __init__(self, conn: aiosqlite.Connection) -> None:
        self.conn = conn
        self._write_lock = asyncio.Lock()

    @classmethod
    async def open(cls, path: str | Path) -> Database:
        if str(path) != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        conn = await aiosqlite.connect(str(path), isolation_level=None)
        try:
            conn.row_factory = aiosqlite.Row
            await conn.execute("PRAGMA journal_mode = WAL")
            await conn.execute("PRAGMA foreign_keys = ON")
            await conn.execute("PRAGMA synchronous = NORMAL")
            await conn.execute("PRAGMA busy_timeout = 5000")
            # Deleted rows are overwritten, not left in free space (some builds default to
            # it, many do not): what /forget or /deleteproject removes, or a stitched
            # fragment, is gone.
            await conn.execute("PRAGMA secure_delete = ON")
            db = cls(conn)
            await db.migrate()
        except BaseException:
            await conn.close()  # a file that is not a database: no thread left behind
            raise
        return db

    async def close(self) -> None:
        await self.conn.close()

    async def schema_version(self) -> int:
        await self.conn.execute(
            "CREATE TABLE IF NOT EXISTS schema_version"
            " (version INTEGER PRIMARY KEY, applied_at TEXT NOT NULL)"
        )
        row = await self.fetchone("SELECT MAX(version) AS v FROM schema_version")
        return int(row["v"] or 0) if row else 0

    async def migrate(self) -> int:
        """Apply pending migrations, each with its version row in the same transaction."""
        current = await self.schema_version()
        for version, _name, sql in migration_scripts():
            if version <= current:
                continue
            async with self.transaction():
                for statement in split_statements(sql):
                    await self.conn.execute(statement)
                await self.conn.execute(
                    "INSERT INTO schema_version (version, applied_at) VALUES (?, ?)",
                    (version, utcnow()),
                )
            current = version
        return current

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[aiosqlite.Connection]:
        async with self._write_lock, self._begun() as conn:
            yield conn

    @asynccontextmanager
    async def _begun(self) -> AsyncIterator[aiosqlite.Connection]:
        """BEGIN ... COMMIT, or ROLLBACK on any error; the caller holds the write lock."""
        await self.conn.execute("BEGIN IMMEDIATE")
        try:
            yield self.conn
        except BaseException:
            await self.conn.execute("ROLLBACK")
            raise
        await self.conn.execute("COMMIT")

    @asynccontextmanager
    async def erasing(self) -> AsyncIterator[aiosqlite.Connection]:
        """A transaction for deleting people's data: with `secure_delete` the freed bytes
        are overwritten, and the TRUNCATE checkpoint afterwards empties the -wal file, so
        the deleted text is left neither in the database file nor in the log."""
        async with self._write_lock:
            rows = await self.conn.execute_fetchall("PRAGMA secure_delete")
            before = int(next(iter(rows))[0])  # builds differ in their default: restore it
            await self.conn.execute("PRAGMA secure_delete = ON")
            try:
                async with self._begun() as conn:
                    yield conn
                await self.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
            finally:
                await self.conn.execute(f"PRAGMA secure_delete = {before}")

    async def execute(self, sql: str, params: Sequence[Any] = ()) -> int:
        """One write statement, atomic on its own (autocommit) and never inside another
        coroutine's open transaction; returns lastrowid."""
        async with self._write_lock:
            cursor = await self.conn.execute(sql, params)
            return cursor.lastrowid or 0

    async def write_returning(self, sql: str, params: Sequence[Any] = ()) -> list[aiosqlite.Row]:
        """One write statement with a RETURNING clause, in one round trip."""
        async with self._write_lock:
            return list(await self.conn.execute_fetchall(sql, params))

    # Reads use execute_fetchall: one trip to aiosqlite's thread instead of three
    # (execute, fetch, close), which is most of the cost of a small query.
    async def fetchone(self, sql: str, params: Sequence[Any] = ()) -> aiosqlite.Row | None:
        rows = await self.conn.execute_fetchall(sql, params)
        return next(iter(rows), None)

    async def fetchall(self, sql: str, params: Sequence[Any] = ()) -> list[aiosqlite.Row]:
        return list(await self.conn.execute_fetchall(sql, params))
