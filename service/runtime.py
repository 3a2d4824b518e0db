"""What the use cases run on: the database and the group-commit turn writer, opened once
at start-up by `bot/` and held on the Application, so handlers pass one object down and
never touch storage themselves."""
from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path

from storage.db import Database
from storage.turn_writer import Outcome, TurnWriter

AfterCommit = Callable[["Runtime", list[Outcome]], Awaitable[None]]


@dataclass
class Runtime:
    db: Database
    writer: TurnWriter  # captured turns are stored in batches by this one task

    @classmethod
    async def open(cls, path: str | Path, after_commit: AfterCommit) -> Runtime:
        """Open (and migrate) the database; `after_commit` sees each batch the writer stored,
        with this runtime, so it can look things up in the same database."""
        db = await Database.open(path)
        runtime: Runtime | None = None

        async def on_commit(outcomes: list[Outcome]) -> None:
            assert runtime is not None  # the writer runs only once a turn was submitted
            await after_commit(runtime, outcomes)

        runtime = cls(db, TurnWriter(db, on_commit))
        return runtime

    async def drain(self) -> None:
        """Wait until every turn submitted so far is stored."""
        await self.writer.drain()

    async def close(self) -> None:
        """Store what is queued, then close the database."""
        await self.writer.drain()
        await self.db.close()
