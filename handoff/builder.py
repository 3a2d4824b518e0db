"""The deterministic handoff (no model, no network): what keeps the most facts per word.

The budget is shared out by what each part keeps per character on real sessions: the
parts kept nearly verbatim (:mod:`handoff.parts`: the latest exchange, where the
session's current state is, the person's own requests newest first, commits made), a
ranked artifact index, and the sentences that cover the most of the rest
(:mod:`handoff.select`), each filed under the section its wording says. Fixed text
(headings, the prompt's frame, the log, the footer) stays small so a small budget goes
to content. Same input, same output.
"""
from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import replace
from datetime import date

from handoff.artifact_section import format_artifacts
from handoff.artifacts import Artifact, coverage
from handoff.classify import reconcile, section_of
from handoff.document import (
    ARTIFACTS,
    CONSTRAINTS,
    DONE,
    GOAL,
    LAST_REQUEST,
    LOG,
    MASTER,
    NEXT,
    REQUESTS,
    SECTIONS,
    Document,
    Footer,
    LogRow,
    blockquote,
    render_bullets,
    render_footer,
    render_markdown,
    render_numbered,
    render_session_log,
)
from handoff.index import ArtifactIndex
from handoff.parts import PERSON_ROLES, PROMPT_ITEM_WORDS, Parts, fixed_parts, opening
from handoff.previous import CARRIED_POS, Previous, read_previous
from handoff.scan import Unit, content_words, units_of
from handoff.select import Selector
from handoff.sizes import CHARS_PER_WORD, DEFAULT_BUDGET_WORDS, chars_for
from handoff.text import count_words, one_line, truncate_words
from handoff.types import Handoff, ProjectIn, SessionIn, TurnIn

GENERATOR = "extractive"
INDEX_SHARE = 0.35  # the artifact index
PROMPT_SHARE = 0.04  # a master prompt item: at most this share of the budget's words too
MIN_PROMPT_ITEM_WORDS = 6
MAX_LOG_ROWS = 10
OUTCOME_WORDS = 12
FRAME_CHARS = 400  # headings, the prompt's frame and the footer, before measuring them
FIT_ROUNDS = 8
FIT_SHRINK = 0.97  # each round over budget shrinks every part by the overflow, and this
GOAL_MIN_CHARS = 60  # the last request begins like the goal: it is the goal
_BRACKETED = re.compile(r"\[[^\[\]]{3,80}\]")
NOTICE_TAGGED_SHARE = 0.6  # of a message's lines in markup tags: a tool's notice
_MARKER_NAMES = frozenset({"you", "user", "human", "me", "i", "assistant", "ai", "chatgpt",
                           "claude", "gpt", "bot", "system", "tool"})


def build_handoff(project: ProjectIn, session: SessionIn, previous: str | None, *,
                  budget_words: int = DEFAULT_BUDGET_WORDS, final: bool = True,
                  today: date | None = None) -> Handoff:
    """Handoff markdown for ``session`` merged with the ``previous`` handoff, if any."""
    turns = in_time_order(session.turns)
    prev = read_previous(previous)
    budget = chars_for(budget_words)
    index = ArtifactIndex()
    index.carry(prev.artifacts)
    for u in prev.units:  # what the previous document showed outside its Artifacts
        index.feed(CARRIED_POS, u.text, by_user=False)
    df: Counter[str] = Counter()
    for pos, turn in enumerate(turns):
        index.feed(pos, turn.text, by_user=turn.role in PERSON_ROLES)
        for u in units_of(pos, turn):
            df.update(content_words(u.text))
    for u in prev.units:
        df.update(content_words(u.text))

    n = session.number
    name = one_line(project.name) or "Project"
    title = f"{name} — {'handoff after' if final else 'draft during'} session {n}"
    rows = _log_rows(prev, session, today)
    first = min([n] + [r.first for r in prev.rows]
                + ([prev.footer.first_session] if prev.footer else []))
    last = max(n, prev.last_session)
    covered_turns = _turns_covered(prev, session)
    who = person(turns)
    index.fold_paths()
    key = index.key_artifacts()

    scale = 1.0
    selector: Selector | None = None
    doc = Document(title=title)
    for _ in range(FIT_ROUNDS):
        room = int(budget * scale)
        parts = fixed_parts(project, session, turns, prev, who, room)
        shown = "\n".join([parts.request, *parts.requests, *parts.constraints, *parts.commits,
                           *(t for _, t in parts.latest)])
        artifacts = index.pick(int(room * INDEX_SHARE), shown)
        if selector is None:
            selector = _candidates(df, turns, prev, budget, shown, parts)
        chosen = selector.pick(max(room - _fixed_size(parts, artifacts, rows), 0),
                               covered=content_words(shown))
        sections = _file(chosen, len(turns))
        rows_now = _outcome(rows, n, session, sections, final)
        item_words = max(MIN_PROMPT_ITEM_WORDS,
                         min(PROMPT_ITEM_WORDS, int(room / CHARS_PER_WORD * PROMPT_SHARE)))
        doc = _document(title, project, who, parts, sections, artifacts, rows_now, n,
                        item_words)
        kept, total = coverage(render_markdown(doc), key)
        doc.footer = render_footer(Footer(GENERATOR, first, last, covered_turns, kept, total))
        markdown = render_markdown(doc)
        size = max(len(markdown) / budget, count_words(markdown) / budget_words)
        if size <= 1.0:
            break
        scale *= FIT_SHRINK / size
    markdown = render_markdown(doc)
    kept, total = coverage(markdown, key)
    return Handoff(markdown=markdown, generator=GENERATOR, first_session=first,
                   last_session=last, turns_covered=covered_turns, artifacts_kept=kept,
                   artifacts_total=total, words=count_words(markdown),
                   key_artifacts=tuple(key),
                   record=tuple(_shown(markdown, artifacts, key)))


def _shown(markdown: str, picked: list[Artifact], key: list[Artifact]) -> list[Artifact]:
    seen = {a.value for a in picked}
    return picked + [a for a in key if a.value not in seen and a.value in markdown]


def _candidates(df: Counter[str], turns: list[TurnIn], prev: Previous, budget: int,
                shown: str, parts: Parts) -> Selector:
    """Every unit not already shown verbatim, offered once (the pool keeps the best)."""
    selector = Selector(df, len(turns), budget, covered=content_words(shown))
    for u in prev.units:
        selector.offer(u)
    latest_texts = {t for _, t in parts.latest}
    for pos, turn in enumerate(turns):
        for u in units_of(pos, turn):
            if u.text not in latest_texts:
                selector.offer(u)
    return selector


def in_time_order(turns: Sequence[TurnIn]) -> list[TurnIn]:
    """Turns in the conversation's own time when every turn has one, else as given
    (arrival order); the sort is stable, so equal times keep their order. A notice a
    tool wrote in the person's name counts as the system's."""
    items = [replace(t, role="system") if t.role == "user" and is_notice(t.text) else t
             for t in turns]
    if items and all(t.created_at is not None for t in items):
        items.sort(key=lambda t: t.created_at)  # type: ignore[arg-type, return-value]
    return items


def is_notice(text: str) -> bool:
    """Written by a tool, not typed: "[Request interrupted by user]", or fields in markup
    tags (``<task-notification>`` and the like) with hardly a line of prose."""
    lines = [ln.strip() for ln in text.strip().splitlines() if ln.strip()]
    if len(lines) == 1 and _BRACKETED.fullmatch(lines[0]):
        return True
    tagged = sum(1 for ln in lines if ln.startswith("<") and ln.endswith(">"))
    return bool(lines) and tagged >= NOTICE_TAGGED_SHARE * len(lines)


def person(turns: list[TurnIn]) -> str:
    """Who the work is done with: the author of what was typed to the bot, never a role
    marker of a paste or a forwarded channel."""
    names = Counter(t.author for t in turns
                    if t.role in PERSON_ROLES and t.source == "typed" and t.author.strip()
                    and t.author.strip().lower() not in _MARKER_NAMES)
    return names.most_common(1)[0][0] if names else ""


def _file(chosen: list[Unit], turns: int) -> dict[str, list[str]]:
    late_from = turns * 4 // 5
    sections: dict[str, list[str]] = {}
    for u in chosen:
        name = u.section if u.section and u.section != LAST_REQUEST else section_of(
            u, late=u.pos >= late_from)
        sections.setdefault(name, []).append(f"`{u.text}`" if u.command else u.text)
    # newest first where recency is the point
    if DONE in sections:
        sections[DONE].reverse()
    reconcile(sections)
    return sections


def _fixed_size(parts: Parts, artifacts: list[Artifact], rows: list[LogRow]) -> int:
    text = "\n".join([*parts.goal, parts.request, *parts.requests, *parts.constraints,
                      *parts.commits, parts.state,
                      *(t for _, t in parts.latest), *format_artifacts(artifacts),
                      render_session_log(rows)])
    return len(text) + FRAME_CHARS


def _prompt(project: ProjectIn, who: str, parts: Parts, sections: dict[str, list[str]],
            n: int, words: int) -> str:
    desc = f" ({truncate_words(project.description, words)})" if project.description.strip() \
        and project.description.strip() not in parts.goal[:1] else ""
    name = one_line(project.name) or "this project"
    team = ", ".join(one_line(member) for member in project.team)  # a group: never one person
    with_whom = f" with the {name} team: {team}." if team else f" with {one_line(who)}." if who else "."
    out = [f"Continue **{name}**{desc}{with_whom}"]
    if parts.goal:
        out.append(f"Goal: {truncate_words(parts.goal[0], words)}")
    if sections.get(DONE):
        out.append(f"Done: {truncate_words(sections[DONE][0], words)}")
    if parts.state:
        out.append(f"Now: {truncate_words(parts.state, words)}")
    asked = parts.request if not parts.goal or opening(parts.request)[:GOAL_MIN_CHARS] \
        not in parts.goal[0] else ""  # the only request is the goal: no next step to name
    nxt = (sections.get(NEXT) or [asked])[0]
    if nxt:
        out.append(f"Next: {truncate_words(nxt, words)}")
    out.append("The rest is reference.")
    return " ".join(p if p.endswith((".", "!", "?", "…")) else p + "." for p in out)


def _document(title: str, project: ProjectIn, who: str, parts: Parts,
              sections: dict[str, list[str]], artifacts: list[Artifact], rows: list[LogRow],
              n: int, item_words: int) -> Document:
    doc = Document(title=title)
    for name in SECTIONS:
        if name == MASTER:
            body = _prompt(project, who, parts, sections, n, item_words)
        elif name == GOAL:  # the first goal is in the prompt already
            body = render_bullets(parts.goal[1:])
        elif name == REQUESTS:
            body = render_bullets(parts.requests + sections.get(REQUESTS, []))
        elif name == DONE:
            body = render_bullets(parts.commits + sections.get(DONE, []))
        elif name == CONSTRAINTS:
            body = render_bullets(parts.constraints + sections.get(CONSTRAINTS, []))
        elif name == ARTIFACTS:
            body = "\n".join(format_artifacts(artifacts))
        elif name == NEXT:
            body = render_numbered(sections.get(NEXT, []))
        elif name == LAST_REQUEST:
            body = _render_latest(parts)
        elif name == LOG:
            body = render_session_log(rows)
        else:
            body = render_bullets(sections.get(name, []))
        if body.strip():
            doc.sections.append((name, body))
    return doc


def _render_latest(parts: Parts) -> str:
    out = [blockquote(parts.request)] if parts.request else []
    role = ""
    para: list[str] = []
    for r, text in parts.latest:
        if r != role and para:
            out.append(f"{role.capitalize()}: " + " ".join(para))
            para = []
        role = r
        para.append(text)
    if para:
        out.append(f"{role.capitalize()}: " + " ".join(para))
    return "\n\n".join(out)


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
            sum(r.turns for r in old), "")]
    return rows


def _outcome(rows: list[LogRow], n: int, session: SessionIn, sections: dict[str, list[str]],
             final: bool) -> list[LogRow]:
    """This session's one-line outcome: the person's own words from /complete, else the
    newest Done item."""
    text = session.notes.strip() or next(iter(sections.get(DONE, [])), "")
    text = truncate_words(text, OUTCOME_WORDS) if text else ""
    if not final:
        text = f"in progress{': ' + text if text else ''}"
    return [LogRow(r.first, r.last, r.date, r.turns, text) if r.first == r.last == n else r
            for r in rows]


__all__ = ["GENERATOR", "build_handoff", "in_time_order", "person"]
