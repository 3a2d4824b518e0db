"""Measured numbers about one project, all computed by SQL aggregates (turn counts from the
trigger-maintained turn_totals table, so /stats stays fast however long the history)."""
from __future__ import annotations

from dataclasses import dataclass, field

from storage.db import Database


@dataclass(frozen=True, slots=True)
class ProjectStats:
    sessions_completed: int
    sessions_active: int
    turns_by_role: dict[str, int] = field(default_factory=dict)
    turns_by_source: dict[str, int] = field(default_factory=dict)
    words: int = 0
    handoffs_final: int = 0
    handoffs_draft: int = 0
    avg_handoff_words: float | None = None
    avg_source_words: float | None = None
    last_activity: str | None = None  # ISO time of the newest session start or end

    @property
    def turns(self) -> int:
        return sum(self.turns_by_role.values())


async def project_stats(db: Database, project_id: int) -> ProjectStats:
    sessions = await db.fetchone(
        "SELECT SUM(status = 'completed') AS done, SUM(status = 'active') AS active,"
        " MAX(MAX(started_at), COALESCE(MAX(completed_at), '')) AS last"
        " FROM sessions WHERE project_id = ?",
        (project_id,),
    )
    by_role: dict[str, int] = {}
    by_source: dict[str, int] = {}
    words = 0
    # turn_totals (migration 0004) holds per-session sums kept by triggers: aggregating the
    # turns themselves took ~0.9 s for 1M turns, these few rows per session take a few ms.
    rows = await db.fetchall(
        "SELECT t.role, t.source, SUM(t.turns) AS n, SUM(t.words) AS w FROM turn_totals t"
        " JOIN sessions s ON s.id = t.session_id WHERE s.project_id = ?"
        " GROUP BY t.role, t.source HAVING SUM(t.turns) > 0",
        (project_id,),
    )
    for row in rows:
        by_role[row["role"]] = by_role.get(row["role"], 0) + row["n"]
        by_source[row["source"]] = by_source.get(row["source"], 0) + row["n"]
        words += int(row["w"] or 0)
    handoffs = await db.fetchone(
        "SELECT SUM(h.kind = 'final') AS finals, SUM(h.kind = 'draft') AS drafts,"
        " AVG(CASE WHEN h.kind = 'final' THEN h.words END) AS hw,"
        " AVG(CASE WHEN h.kind = 'final' THEN h.source_words END) AS sw"
        " FROM handoffs h JOIN sessions s ON s.id = h.session_id WHERE s.project_id = ?",
        (project_id,),
    )
    assert sessions is not None and handoffs is not None
    return ProjectStats(
        sessions_completed=int(sessions["done"] or 0),
        sessions_active=int(sessions["active"] or 0),
        turns_by_role=by_role,
        turns_by_source=by_source,
        words=words,
        handoffs_final=int(handoffs["finals"] or 0),
        handoffs_draft=int(handoffs["drafts"] or 0),
        avg_handoff_words=handoffs["hw"],
        avg_source_words=handoffs["sw"],
        last_activity=sessions["last"] or None,
    )


@dataclass(frozen=True, slots=True)
class MemberStats:
    """One member of a project, by the name Telegram shows: what they said (typed,
    forwarded from them, pasted as theirs) and the sessions they started and completed."""

    name: str
    turns: int = 0
    words: int = 0
    started: int = 0
    completed: int = 0


# Turns that are a member's: what they typed, pasted or noted (role note), and what a
# person wrote that was forwarded (role user). Not the AI's, not the speakers a pasted
# conversation's markers name ("You said:" is authored "You"), not an imported file's.
MEMBER_TURNS = ("(m.role = 'note' AND m.source != 'file')"
                " OR (m.role = 'user' AND m.source = 'forwarded')")


async def project_members(db: Database, project_id: int) -> list[MemberStats]:
    """The project's members, most turns first (then most sessions, then by name)."""
    found: dict[str, dict[str, int]] = {}

    def add(name: str | None, key: str, value: int, words: int = 0) -> None:
        if name and name.strip():
            counts = found.setdefault(name, {"turns": 0, "words": 0, "started": 0, "completed": 0})
            counts[key] += value
            counts["words"] += words

    # member_totals (migration 0012) holds per-session sums per author, kept by triggers.
    for row in await db.fetchall(
            "SELECT m.author, SUM(m.turns) AS n, SUM(m.words) AS w FROM member_totals m"
            " JOIN sessions s ON s.id = m.session_id WHERE s.project_id = ?"
            f" AND ({MEMBER_TURNS}) GROUP BY m.author", (project_id,)):
        add(row["author"], "turns", int(row["n"] or 0), int(row["w"] or 0))
    for row in await db.fetchall(
            "SELECT started_by_name AS name, COUNT(*) AS n FROM sessions"
            " WHERE project_id = ? GROUP BY started_by_name", (project_id,)):
        add(row["name"], "started", int(row["n"]))
    for row in await db.fetchall(
            "SELECT completed_by_name AS name, COUNT(*) AS n FROM sessions"
            " WHERE project_id = ? AND status = 'completed' GROUP BY completed_by_name",
            (project_id,)):
        add(row["name"], "completed", int(row["n"]))
    members = [MemberStats(name, **counts) for name, counts in found.items()]
    members.sort(key=lambda m: (-m.turns, -(m.started + m.completed), m.name.casefold()))
    return members
