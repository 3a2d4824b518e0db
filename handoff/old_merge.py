"""Merge the previous handoff with what one session produced, as rankable entries.

The previous handoff is the only memory of older sessions: its constraints, decisions,
artifacts and open items are carried forward, minus what this session closed (moved to
Done) or replaced (struck through as ~~old~~ → new; revoked constraints are dropped).
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field

from handoff.artifacts import Artifact, extract_artifacts
from handoff.old_budget import Entry
from handoff.document import (CONSTRAINTS, DECISIONS, DONE, GOAL, LAST_REQUEST, LOG, NEXT, OPEN,
                          PROBLEMS, STATE, ARTIFACTS, Document, Footer, LogRow, canonical,
                          parse_footer, parse_items, parse_markdown, parse_session_log, unquote)
from handoff.types import ProjectIn, SessionIn
from handoff.artifact_section import parse_artifacts_section
from handoff.old_scan import Item, SessionScan
from handoff.text import keywords, one_line, truncate_words

_DONE_TAG = re.compile(r"^S(\d+)(?:\s*[–-]\s*S?\d+)?\s*:\s*")
_S_TAG = re.compile(r"\s*\(S(\d+)\)\s*$")
_OBJECTIVE = re.compile(r"^(?:Project:|Session \d+ objectives?:)", re.IGNORECASE)
_NEXT_LEAD = re.compile(r"(?i)^(?:(?:next(?: time| step| up)?|then|todo|to-do|after that)\b[:,]?\s*"
                        r"(?:we should|let'?s|we need to|i want to|we'?ll)?\s*)")
_CARRIED = (GOAL, STATE, DONE, DECISIONS, CONSTRAINTS, PROBLEMS, OPEN, NEXT)


@dataclass(slots=True)
class Previous:
    """What a previous handoff contributes; empty for a project's first session."""

    items: dict[str, list[str]] = field(default_factory=dict)
    rows: list[LogRow] = field(default_factory=list)
    footer: Footer | None = None
    artifacts: list[Artifact] = field(default_factory=list)  # its Artifacts section
    source_artifacts: list[Artifact] = field(default_factory=list)  # anywhere in it
    last_request: str = ""
    last_session: int = 0


def read_previous(markdown: str | None) -> Previous:
    """Parse a previous handoff (ours or an LLM's with the same headings)."""
    prev = Previous()
    if not markdown or not markdown.strip():
        return prev
    doc: Document = parse_markdown(markdown)
    prev.footer = parse_footer(doc.footer) if doc.footer else None
    for heading, body in doc.sections:
        name = canonical(heading)
        if name in _CARRIED:
            prev.items.setdefault(name, []).extend(parse_items(body))
        elif name == ARTIFACTS:
            prev.artifacts = parse_artifacts_section(body)
        elif name == LOG:
            prev.rows = parse_session_log(body)
        elif name == LAST_REQUEST:
            prev.last_request = unquote(body)
    prev.source_artifacts = extract_artifacts(markdown)
    numbers = [r.last for r in prev.rows] + ([prev.footer.last_session] if prev.footer else [])
    prev.last_session = max(numbers, default=0)
    return prev


def _tag(text: str, default: int) -> tuple[str, int]:
    """Strip an ``S3:`` prefix or ``(S3)`` suffix; return text and its session."""
    m = _DONE_TAG.match(text)
    if m:
        return text[m.end():], int(m.group(1))
    m = _S_TAG.search(text)
    if m:
        return text[: m.start()], int(m.group(1))
    return text, default


def carried_items(prev: Previous) -> list[Item]:
    """Previous decisions, constraints, next steps and open problems as scan items."""
    out: list[Item] = []
    for section in (DECISIONS, CONSTRAINTS, OPEN, NEXT):
        for i, raw in enumerate(prev.items.get(section, [])):
            text, session = _tag(raw, prev.last_session)
            if section == DECISIONS and "~~" in raw:
                text = raw  # already superseded earlier: shown as is, never re-matched
            arts = tuple(a.value for a in extract_artifacts(text))
            out.append(Item(section, text, 5.0 - 0.05 * i, -1000 + i, session,
                            keywords(text), arts, uid=len(out) + 1, previous=True))
    return out


def _keep(n: int, session: int) -> int:
    """Words allowed per entry by age: older sessions are compressed harder."""
    age = n - session
    return 40 if age <= 0 else 22 if age == 1 else 12


def entries(project: ProjectIn, session: SessionIn, prev: Previous, scan: SessionScan,
            carried: list[Item]) -> list[Entry]:
    """All candidate lines of the mergeable sections, ranked and ordered."""
    n = session.number
    out: list[Entry] = []
    add = out.append
    # Goal and scope: project description, this session's objectives, stated goals.
    if project.description.strip():
        add(Entry(GOAL, f"Project: {one_line(project.description)}", 10.0, (0,), 60))
    if session.objectives.strip():
        add(Entry(GOAL, f"Session {n} objective: {one_line(session.objectives)}", 9.5, (1,), 60))
    for i, text in enumerate(prev.items.get(GOAL, [])):
        if not _OBJECTIVE.match(text):
            add(Entry(GOAL, text, 5.0 - 0.1 * i, (2, i), 40))
    for item in scan.candidates(GOAL):
        add(Entry(GOAL, item.text, item.score, (3, item.seq), 40))
    # Current state: this session's view; the previous one only if there is nothing new.
    state = scan.candidates(STATE)
    for item in state:
        add(Entry(STATE, item.text, item.score, (-item.seq,), 35))
    if not state and not session.notes.strip():
        for i, text in enumerate(prev.items.get(STATE, [])):
            add(Entry(STATE, text, 2.0 - 0.1 * i, (i,), 25))
    # Done: notes, closed items, done sentences; then older sessions, compressed.
    if session.notes.strip():
        add(Entry(DONE, f"S{n}: {one_line(session.notes)}", 9.0, (-n, 0), 50))
    for item in scan.resolved:
        text = _NEXT_LEAD.sub("", _tag(item.text, n)[0]) or item.text
        add(Entry(DONE, f"S{n}: {text} — {item.resolved_by}", 8.0, (-n, 1, item.seq), 40))
    for item in scan.candidates(DONE):
        add(Entry(DONE, f"S{n}: {item.text}", item.score, (-n, 2, item.seq), 30))
    for i, raw in enumerate(prev.items.get(DONE, [])):
        text, s = _tag(raw, prev.last_session)
        age = max(n - s, 1)
        add(Entry(DONE, f"S{s}: {text}", 4.0 - 0.6 * age - 0.05 * i, (-s, 3, i), _keep(n, s)))
    # Decisions: carried and new; superseded ones struck through.
    for item in [i for i in carried if i.section == DECISIONS] + scan.candidates(DECISIONS):
        if not item.superseded_by:  # superseded ones are shown struck, beside their successor
            add(_decision(item, n))
    # Constraints: carried unchanged unless revoked, plus new ones.
    seen = set()
    for item in [i for i in carried if i.section == CONSTRAINTS] + scan.candidates(CONSTRAINTS):
        norm = re.sub(r"\W+", " ", item.text.lower()).strip()
        if item.superseded_by or norm in seen:
            continue
        seen.add(norm)
        rank = 6.0 - 0.02 * len(seen) if item.previous else item.score
        add(Entry(CONSTRAINTS, item.text, rank, (0 if item.previous else 1, item.seq), 40))
    # Problems and fixes: carried (older compressed) plus this session's pairs.
    for i, raw in enumerate(prev.items.get(PROBLEMS, [])):
        text, s = _tag(raw, prev.last_session)
        add(Entry(PROBLEMS, f"{text} (S{s})", 4.5 - 0.3 * (n - s) - 0.05 * i, (0, -s, i),
                  _keep(n, s) + 10))
    for item in scan.candidates(PROBLEMS):
        add(Entry(PROBLEMS, f"{item.text} (S{n})", item.score, (1, item.seq), 45))
    # Open problems and next steps: whatever nobody closed; this session's newest first.
    for section in (OPEN, NEXT):
        for item in scan.candidates(section):
            add(Entry(section, item.text, item.score + 0.5, (0, -item.turn, item.seq), 40))
        for item in carried:
            if item.section == section and not item.resolved_by:
                add(Entry(section, item.text, item.score, (1, item.seq), 30))
    return out


def _decision(item: Item, n: int) -> Entry:
    text, s = (item.text, item.session) if item.previous else (item.text, n)
    if "~~" in text:  # superseded in an earlier session: keep briefly, lowest rank
        return Entry(DECISIONS, text, 0.5, (2, item.seq), 30)
    rank = 5.5 - 0.3 * (n - s) if item.previous else item.score
    if item.replaces:
        struck = "; ".join(f"~~{truncate_words(t, 12).replace('~~', '')}~~" for t in item.replaces)
        return Entry(DECISIONS, f"{struck} → {text} (S{s})", rank, (0, item.seq), 60)
    return Entry(DECISIONS, f"{text} (S{s})", rank, (0, item.seq), 40)


def last_request(session: SessionIn, prev: Previous, max_words: int) -> str:
    """The most recent user turn (else note) verbatim, cut after ``max_words`` words."""
    text = ""
    for role in ("user", "note"):
        text = next((t.text for t in reversed(session.turns) if t.role == role
                     and t.text.strip()), "")
        if text:
            break
    if not text:
        return prev.last_request
    ends = [m.end() for m in re.finditer(r"\S+", text)]
    if len(ends) > max_words:
        return text[: ends[max_words - 1]] + " …"
    return text.strip("\n")
