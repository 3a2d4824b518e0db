"""Entry point of the deterministic (no LLM, no network) handoff builder.

Pipeline: parse the previous handoff → one streaming scan of the session → merge into
ranked entries → select within the word budget → render → measure coverage. Same input,
same output: nothing depends on hash order, clocks (unless ``today`` is omitted) or I/O.
"""
from __future__ import annotations

import re
from datetime import date

from handoff.artifacts import Artifact, coverage
from handoff.old_budget import RankedArtifact, artifact_rank, select, series_sizes
from handoff.document import (ARTIFACTS, DONE, GOAL, LAST_REQUEST, LOG, MASTER, NEXT, SECTIONS,
                          STATE, Document, Footer, LogRow, blockquote, render_bullets,
                          render_footer, render_markdown, render_numbered, render_session_log)
from handoff.old_merge import Previous, carried_items, entries, last_request, read_previous
from handoff.types import Handoff, ProjectIn, SessionIn
from handoff.artifact_section import format_artifacts, group_of
from handoff.old_scan import SessionScan
from handoff.text import one_line, truncate_words
from handoff.text import count_words
from llm.tokens import estimate_tokens

GENERATOR = "extractive"
_GOAL_LEAD = re.compile(r"(?i)^(?:the|our|my|main|project) goal (?:is|was) (?:to )?")
MAX_LOG_ROWS = 10
_CLOSING = ("Respect the constraints below, do not retry approaches listed as failed, start "
            "with the first item under Next steps. Everything after this paragraph is reference.")


def build_handoff(project: ProjectIn, session: SessionIn, previous: str | None, *,
                  budget_words: int = 2000, final: bool = True,
                  today: date | None = None) -> Handoff:
    """Handoff markdown for ``session`` merged with the ``previous`` handoff, if any."""
    n = session.number
    prev = read_previous(previous)
    carried = carried_items(prev)
    scan = SessionScan(n, carried, want_goal=not prev.items.get(GOAL))
    for turn in session.turns:
        scan.feed(turn)
    if session.notes.strip():
        scan.settle(session.notes)
    ents = entries(project, session, prev, scan, carried)
    ranked, source = _rank_artifacts(prev, scan)
    name = one_line(project.name) or "Project"
    title = f"{name} — {'handoff after' if final else 'draft during'} session {n}"
    request = last_request(session, prev, min(150, max(20, budget_words // 10)))
    rows = _log_rows(prev, session, today)
    first = min([n] + [r.first for r in prev.rows]
                + ([prev.footer.first_session] if prev.footer else []))
    last = max(n, prev.last_session)
    turns = _turns_covered(prev, session)

    available = budget_words - 40 - count_words(request) - 8 * (len(rows) + 2) - 110
    doc = Document(title=title)
    for _ in range(8):
        chosen, picked = select(ents, ranked, available)
        rows_now = _outcome(rows, n, session, scan, chosen, final)
        doc = _document(title, project, scan.author(), chosen, picked, request, rows_now)
        words = count_words(render_markdown(doc)) + 20  # + footer
        if words <= budget_words or available <= 0:
            break
        available -= words - budget_words + 5
    body = render_markdown(doc)
    kept, total = coverage(body, source)
    doc.footer = render_footer(Footer(GENERATOR, first, last, turns, kept, total))
    markdown = render_markdown(doc)
    return Handoff(markdown=markdown, generator=GENERATOR, first_session=first,
                   last_session=last, turns_covered=turns, artifacts_kept=kept,
                   artifacts_total=total, words=count_words(markdown),
                   extra={"tokens": estimate_tokens(markdown), "budget_words": budget_words,
                          "draft": not final,
                          "sections": [h for h, b in doc.sections if b.strip()],
                          # the record an LLM-written handoff is merged with and measured on
                          "source_artifacts": source})


def _rank_artifacts(prev: Previous, scan: SessionScan
                    ) -> tuple[list[RankedArtifact], list[Artifact]]:
    """Every source artifact (previous handoff + turns) with its budget rank."""
    recorded = _standing(prev.artifacts)
    sizes = series_sizes([a.value for a in prev.artifacts + prev.source_artifacts]
                         + list(scan.arts))
    out: dict[str, RankedArtifact] = {}
    for a in prev.artifacts + prev.source_artifacts:
        if a.value not in out:
            stat = scan.arts.get(a.value)
            out[a.value] = RankedArtifact(a, artifact_rank(
                a, 1 + (stat.count if stat else 0), bool(stat and stat.by_user),
                a.value in recorded, mentions=1 + (stat.mentions if stat else 0),
                focus=bool(stat and stat.focus), standing=recorded.get(a.value, 0.0),
                series=sizes[a.value]))
    for value, stat in scan.arts.items():
        if value not in out:
            out[value] = RankedArtifact(stat.artifact, artifact_rank(
                stat.artifact, stat.count, stat.by_user, False, stat.prose, stat.mentions,
                stat.focus, series=sizes[value]), stat.prose)
    ranked = list(out.values())
    return ranked, [r.artifact for r in ranked]


def _standing(recorded: list[Artifact]) -> dict[str, float]:
    """Each recorded artifact's place in its group of the previous record, 1.0 (first)
    down towards 0: groups are written in rank order, so this is what the earlier
    session knew about it (stated on its own, repeated) that the text no longer says."""
    groups: dict[str, list[str]] = {}
    for a in recorded:
        groups.setdefault(group_of(a), []).append(a.value)
    return {v: 1.0 - i / len(vs) for vs in groups.values() for i, v in enumerate(vs)}


def _turns_covered(prev: Previous, session: SessionIn) -> int:
    """Cumulative turns; a previous draft of this same session is not counted twice."""
    base = prev.footer.turns if prev.footer else sum(r.turns for r in prev.rows)
    again = sum(r.turns for r in prev.rows if r.first == r.last == session.number)
    return max(base - again, 0) + len(session.turns)


def _log_rows(prev: Previous, session: SessionIn, today: date | None) -> list[LogRow]:
    """Previous rows plus this session's (outcome filled in later), newest first."""
    when = session.completed_at or session.started_at
    day = when.date().isoformat() if when else (today or date.today()).isoformat()
    rows = [r for r in prev.rows if not r.first <= session.number <= r.last]
    rows.append(LogRow(session.number, session.number, day, len(session.turns), ""))
    rows.sort(key=lambda r: (-r.last, -r.first))
    if len(rows) > MAX_LOG_ROWS:
        old = rows[MAX_LOG_ROWS - 1:]
        rows = rows[: MAX_LOG_ROWS - 1] + [LogRow(
            min(r.first for r in old), max(r.last for r in old), old[0].date,
            sum(r.turns for r in old), "earlier sessions, see Done")]
    return rows


def _outcome(rows: list[LogRow], n: int, session: SessionIn, scan: SessionScan,
             chosen: dict[str, list[str]], final: bool) -> list[LogRow]:
    """Fill this session's one-line outcome from notes, else its first Done/state line."""
    text = session.notes.strip() or next((i.resolved_by for i in scan.resolved), "") or next(
        (i.text for i in scan.candidates(DONE)), "") or (
        chosen[STATE][0] if chosen[STATE] else "") or "no outcome recorded"
    text = truncate_words(text, 12)
    if not final:
        text = f"in progress: {text}"
    return [LogRow(r.first, r.last, r.date, r.turns, text) if r.first == r.last == n else r
            for r in rows]


def master_prompt(project: ProjectIn, author: str, chosen: dict[str, list[str]]) -> str:
    """One pasteable paragraph: who, goal, where things stand, what to do first."""
    who = f" with me ({one_line(author)})" if author else " with me"
    desc = f", {truncate_words(project.description, 25)}" if project.description.strip() else ""
    parts = [f"You are continuing work on **{one_line(project.name) or 'this project'}**"
             f"{desc},{who}."]
    goals = [g for g in chosen[GOAL] if not g.startswith("Project:")]
    if goals:
        goal = _GOAL_LEAD.sub("", goals[0].split(": ", 1)[-1])
        parts.append(f"Goal: {truncate_words(goal, 25)}.")
    state = chosen[STATE] or [d.split(": ", 1)[-1] for d in chosen[DONE][:1]]
    if state:
        parts.append(f"Current state: {truncate_words(state[0], 25)}.")
    if chosen[NEXT]:
        parts.append(f"First next step: {truncate_words(chosen[NEXT][0], 25)}.")
    parts.append(_CLOSING)
    return " ".join(p.replace("..", ".") for p in parts)


def _document(title: str, project: ProjectIn, author: str, chosen: dict[str, list[str]],
              picked: list[Artifact], request: str, rows: list[LogRow]) -> Document:
    doc = Document(title=title)
    for section in SECTIONS:
        if section == MASTER:
            body = master_prompt(project, author, chosen)
        elif section == ARTIFACTS:
            body = "\n".join(format_artifacts(picked))
        elif section == NEXT:
            body = render_numbered(chosen[NEXT])
        elif section == LAST_REQUEST:
            body = blockquote(request) if request.strip() else ""
        elif section == LOG:
            body = render_session_log(rows)
        else:
            body = render_bullets(chosen[section])
        if body.strip():
            doc.sections.append((section, body))
    return doc


__all__ = ["GENERATOR", "build_handoff", "master_prompt"]
