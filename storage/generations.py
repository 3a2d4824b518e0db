"""Accounting for every handoff generation: model calls, tokens, time, fallback reason."""
from __future__ import annotations

from dataclasses import dataclass

from storage.db import Database, utcnow


@dataclass(frozen=True, slots=True)
class ModelUsage:
    generations: int
    calls: int
    tokens_in: int
    tokens_out: int
    estimated: bool
    fallbacks: int


async def record(db: Database, session_id: int, handoff_id: int, *, generator: str,
                 model: str | None, calls: int, tokens_in: int, tokens_out: int,
                 estimated: bool, duration_ms: int, chunks: int, largest_request: int,
                 fallback_reason: str | None) -> None:
    await db.execute(
        "INSERT INTO generations (session_id, handoff_id, generator, model, calls, tokens_in,"
        " tokens_out, estimated, duration_ms, chunks, largest_request, fallback_reason,"
        " created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (session_id, handoff_id, generator, model, calls, tokens_in, tokens_out, int(estimated),
         duration_ms, chunks, largest_request, fallback_reason, utcnow()),
    )


async def project_usage(db: Database, project_id: int) -> ModelUsage:
    row = await db.fetchone(
        "SELECT COUNT(*) AS n, COALESCE(SUM(g.calls), 0) AS calls,"
        " COALESCE(SUM(g.tokens_in), 0) AS tin, COALESCE(SUM(g.tokens_out), 0) AS tout,"
        " COALESCE(MAX(g.estimated), 0) AS est,"
        " COALESCE(SUM(g.fallback_reason IS NOT NULL), 0) AS fallbacks"
        " FROM generations g JOIN sessions s ON s.id = g.session_id"
        " WHERE s.project_id = ? AND g.model IS NOT NULL",
        (project_id,),
    )
    assert row is not None
    return ModelUsage(int(row["n"]), int(row["calls"]), int(row["tin"]), int(row["tout"]),
                      bool(row["est"]), int(row["fallbacks"]))
