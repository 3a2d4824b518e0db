"""Reading the previous handoff: the only memory of older sessions.

Everything it says becomes carried units that compete with this session's for the
budget (already distilled, so they weigh like the person's own words), its artifacts
enter the index as used twice, and its session log and totals continue.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field

from handoff.artifact_section import parse_artifacts_section
from handoff.artifacts import Artifact
from handoff.document import (
    ARTIFACTS,
    GOAL,
    LAST_REQUEST,
    LOG,
    MASTER,
    Footer,
    LogRow,
    canonical,
    parse_footer,
    parse_items,
    parse_markdown,
    parse_session_log,
    unquote,
)
from handoff.scan import MAX_UNIT_CHARS, Unit, units_of
from handoff.text import clip, one_line
from handoff.types import Role, TurnIn

CARRIED_POS = -1
_ROLES: dict[str, Role] = {"User": "user", "Assistant": "assistant", "Tool": "tool",
                           "System": "system"}
_ROLE_LABEL = re.compile(r"^(User|Assistant|Tool|System): ")
_PROMPT_GOAL = re.compile(r"\bGoal: (.+?)(?= Done: | Now \(| Next: | The rest is reference\.|$)")


@dataclass(slots=True)
class Previous:
    """What a previous handoff contributes; empty for a project's first session."""

    goal: list[str] = field(default_factory=list)
    units: list[Unit] = field(default_factory=list)  # every other item, with its section
    rows: list[LogRow] = field(default_factory=list)
    footer: Footer | None = None
    artifacts: list[Artifact] = field(default_factory=list)
    last_request: str = ""
    last_session: int = 0


def _quoted(body: str) -> str:
    """The request the latest exchange quotes (its leading "> " lines)."""
    quoted = []
    for line in body.split("\n"):
        if not line.startswith(">"):
            break
        quoted.append(line)
    return unquote("\n".join(quoted))


def _latest_units(body: str) -> list[Unit]:
    """The previous latest exchange, sentence by sentence, without its "Role:" labels; what
    a tool printed there weighs like tool output, not like a distilled item."""
    out: list[Unit] = []
    for para in unquote(body).split("\n\n"):
        label = _ROLE_LABEL.match(para)
        role = _ROLES[label.group(1)] if label else "user"
        text = para[label.end():] if label else para
        for u in units_of(CARRIED_POS, TurnIn(role, "", "file", text)):
            out.append(Unit(CARRIED_POS, "tool" if role in ("tool", "system") else "carried",
                            u.text, command=u.command, commit=u.commit, section=LAST_REQUEST))
    return out


def read_previous(markdown: str | None) -> Previous:
    """Parse a previous handoff (ours, an older Baton's, or a model's with our headings)."""
    prev = Previous()
    if not markdown or not markdown.strip():
        return prev
    doc = parse_markdown(markdown)
    prev.footer = parse_footer(doc.footer) if doc.footer else None
    for heading, body in doc.sections:
        name = canonical(heading)
        if name == MASTER:
            goal = _PROMPT_GOAL.search(one_line(body))
            if goal and not prev.goal:
                prev.goal = [goal.group(1).rstrip(".")]
            continue
        if name is None:
            continue
        if name == ARTIFACTS:
            prev.artifacts = parse_artifacts_section(body)
        elif name == LOG:
            prev.rows = parse_session_log(body)
        elif name == GOAL:
            prev.goal += parse_items(body)
        elif name == LAST_REQUEST:
            prev.last_request = _quoted(body)
            prev.units += _latest_units(body)
        else:
            prev.units += [Unit(CARRIED_POS, "carried", clip(one_line(i), MAX_UNIT_CHARS),
                                section=name) for i in parse_items(body)]
    numbers = [r.last for r in prev.rows] + ([prev.footer.last_session] if prev.footer else [])
    prev.last_session = max(numbers, default=0)
    return prev
