"""The handoff document as data: sections, session log and footer, to and from markdown.

A previous handoff is the only memory of older sessions, so it must parse back reliably
whether this builder or an LLM wrote it (same headings, looser formatting).
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field

from handoff.text import one_line, unescape_cell

MASTER = "Master prompt"
GOAL = "Goal"
STATE = "Current state"
DONE = "Done"
DECISIONS = "Decisions"
CONSTRAINTS = "Constraints"
REQUESTS = "Requests"
ARTIFACTS = "Artifacts"
PROBLEMS = "Problems and fixes"
OPEN = "Open problems"
NEXT = "Next steps"
NOTES = "Notes"
LAST_REQUEST = "Latest exchange"
LOG = "Session log"
SECTIONS: tuple[str, ...] = (MASTER, GOAL, STATE, DONE, DECISIONS, CONSTRAINTS, REQUESTS,
                             ARTIFACTS, PROBLEMS, OPEN, NEXT, NOTES, LAST_REQUEST, LOG)
# Headings of earlier handoffs (and of models that remember them) read as today's.
_ALIASES = {"goal and scope": GOAL, "constraints and preferences": CONSTRAINTS,
            "open problems and blockers": OPEN, "last request": LAST_REQUEST,
            "key points": NOTES}
_CANON = {**{s.lower(): s for s in SECTIONS}, **_ALIASES}

_HEADING = re.compile(r"^##[ \t]+(.+?)[ \t#]*$")
_FENCE = re.compile(r"^[ \t]*(```|~~~)")
_BULLET = re.compile(r"^[ \t]{0,3}(?:[-*+]|\d{1,3}[.)])[ \t]+")
_FOOTER_SPAN = re.compile(r"sessions?\s+(\d+)(?:\s*[–-]\s*(\d+))?,\s*(\d+)\s+turns")
_FOOTER_KEEPS = re.compile(r"keeps\s+(\d+)\s+of\s+(\d+)")
_SEP = re.compile(r"(?<!\\)\|")


@dataclass(frozen=True, slots=True)
class LogRow:
    first: int
    last: int  # equal to first unless older sessions were collapsed into one row
    date: str
    turns: int
    outcome: str

    @property
    def label(self) -> str:
        return str(self.first) if self.first == self.last else f"{self.first}–{self.last}"


@dataclass(frozen=True, slots=True)
class Footer:
    generator: str
    first_session: int
    last_session: int
    turns: int
    kept: int
    total: int


@dataclass(slots=True)
class Document:
    """Title, optional preamble, ordered (heading, body) sections and a footer line."""

    title: str = ""
    sections: list[tuple[str, str]] = field(default_factory=list)
    preamble: str = ""
    footer: str = ""

    def get(self, name: str) -> str:
        """Body of a section by (case-insensitive) heading; "" if absent."""
        key = name.lower()
        for heading, body in self.sections:
            if heading.lower() == key:
                return body
        return ""

    def set(self, name: str, body: str) -> None:
        """Replace a section, or insert it at its canonical position."""
        for i, (heading, _) in enumerate(self.sections):
            if heading.lower() == name.lower():
                self.sections[i] = (heading, body)
                return
        order = SECTIONS.index(name) if name in SECTIONS else len(SECTIONS)
        at = len(self.sections)
        for i, (heading, _) in enumerate(self.sections):
            canon = _CANON.get(heading.lower())
            if canon is not None and SECTIONS.index(canon) > order:
                at = i
                break
        self.sections.insert(at, (name, body))


def _strip_body(lines: list[str]) -> str:
    return "\n".join(lines).strip("\n").rstrip()


def parse_markdown(markdown: str) -> Document:
    """Split a handoff into title, preamble, sections (by ``## ``) and footer."""
    lines = markdown.replace("\r\n", "\n").split("\n")
    doc = Document()
    # Footer: the last non-empty line after a final "---" rule.
    end = len(lines)
    while end and not lines[end - 1].strip():
        end -= 1
    if end >= 2 and lines[end - 1].startswith("_") and lines[end - 2].strip() == "---":
        doc.footer = lines[end - 1].strip()
        end -= 2
    heading: str | None = None
    buf: list[str] = []
    pre: list[str] = []
    in_fence = False
    for line in lines[:end]:
        if _FENCE.match(line):
            in_fence = not in_fence
        m = None if in_fence else _HEADING.match(line)
        if not doc.title and heading is None and not in_fence and line.startswith("# "):
            doc.title = line[2:].strip()
        elif m:
            if heading is not None:
                doc.sections.append((heading, _strip_body(buf)))
            heading, buf = m.group(1).strip(), []
        elif heading is None:
            pre.append(line)
        else:
            buf.append(line)
    if heading is not None:
        doc.sections.append((heading, _strip_body(buf)))
    doc.preamble = _strip_body(pre)
    return doc


def render_markdown(doc: Document) -> str:
    """Inverse of :func:`parse_markdown`; empty sections are omitted."""
    parts = [f"# {one_line(doc.title)}"] if doc.title else []
    if doc.preamble:
        parts.append(doc.preamble)
    parts += [f"## {h}\n{b}" for h, b in doc.sections if b.strip()]
    if doc.footer:
        parts.append(f"---\n{doc.footer}")
    return "\n\n".join(parts) + "\n"


def canonical(heading: str) -> str | None:
    """Canonical section name for a heading, tolerating LLM variations in case."""
    return _CANON.get(heading.strip().lower())


def parse_items(body: str) -> list[str]:
    """List items of a section (bullets or numbers); continuation lines are joined."""
    items: list[str] = []
    current: list[str] | None = None
    for line in body.split("\n"):
        if not line.strip():
            current = None
            continue
        m = _BULLET.match(line)
        if m:
            current = [line[m.end():].strip()]
            items.append("")
        elif current is None:
            current = [line.strip()]
            items.append("")
        else:
            current.append(line.strip())
        items[-1] = " ".join(current)
    return [i for i in items if i]


def render_bullets(items: list[str]) -> str:
    return "\n".join(f"- {one_line(i)}" for i in items)


def render_numbered(items: list[str]) -> str:
    return "\n".join(f"{n}. {one_line(i)}" for n, i in enumerate(items, 1))


def blockquote(text: str) -> str:
    """Quote text verbatim, line by line, so its own markdown cannot escape the quote."""
    return "\n".join(f"> {line}".rstrip() for line in text.strip("\n").split("\n"))


def unquote(body: str) -> str:
    """Text inside a blockquote section (inverse of :func:`blockquote`)."""
    out = []
    for line in body.split("\n"):
        out.append(line[2:] if line.startswith("> ") else line[1:] if line.startswith(">")
                   else line)
    return "\n".join(out).strip("\n")


_LOG_BULLET = re.compile(r"^[-*]\s+S?(\d+)(?:\s*[–-]\s*S?(\d+))?\s*[,·]\s*([^,·]*?)\s*[,·]"
                         r"\s*(\d+)\s+turns?\s*(?::\s*(.*))?$")


def parse_session_log(body: str) -> list[LogRow]:
    """Rows of the session log, as ``- S3, 2026-11-20, 214 turns: outcome`` bullets or an
    earlier handoff's ``| # | Date | Turns | Outcome |`` table; malformed rows are skipped."""
    rows: list[LogRow] = []
    for line in body.split("\n"):
        bullet = _LOG_BULLET.match(line.strip())
        if bullet:
            first = int(bullet.group(1))
            last = int(bullet.group(2)) if bullet.group(2) else first
            rows.append(LogRow(min(first, last), max(first, last), bullet.group(3),
                               int(bullet.group(4)), (bullet.group(5) or "").strip()))
            continue
        cells = [unescape_cell(c) for c in _SEP.split(line.strip().strip("|"))]
        if len(cells) < 3:
            continue
        m = re.fullmatch(r"S?(\d+)(?:\s*[–-]\s*S?(\d+))?", cells[0])
        turns = re.search(r"\d+", cells[2]) if len(cells) > 2 else None
        if not m:
            continue
        first = int(m.group(1))
        last = int(m.group(2)) if m.group(2) else first
        rows.append(LogRow(min(first, last), max(first, last), cells[1],
                           int(turns.group(0)) if turns else 0,
                           cells[3] if len(cells) > 3 else ""))
    return rows


def render_session_log(rows: list[LogRow]) -> str:
    return "\n".join(f"- S{r.label}, {one_line(r.date)}, {r.turns} turns"
                     + (f": {one_line(r.outcome)}" if r.outcome else "") for r in rows)


def parse_footer(line: str) -> Footer | None:
    """Numbers from a ``_Baton · gen · sessions A–B, T turns · keeps K of M …_`` line."""
    span = _FOOTER_SPAN.search(line)
    if not span:
        return None
    keeps = _FOOTER_KEEPS.search(line)
    parts = [p.strip(" _") for p in line.split("·")]
    first = int(span.group(1))
    return Footer(generator=parts[1] if len(parts) > 2 else "",
                  first_session=first,
                  last_session=int(span.group(2)) if span.group(2) else first,
                  turns=int(span.group(3)),
                  kept=int(keeps.group(1)) if keeps else 0,
                  total=int(keeps.group(2)) if keeps else 0)


def render_footer(f: Footer) -> str:
    pct = 100 if f.total == 0 else int(100 * f.kept / f.total)
    span = (f"session {f.first_session}" if f.first_session == f.last_session
            else f"sessions {f.first_session}–{f.last_session}")
    return (f"_Baton · {f.generator} · {span}, "
            f"{f.turns} turns · keeps {f.kept} of {f.total} key artifacts ({pct}%)_")
