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
from handoff.scan import MAX_UNIT_CHARS, Unit
from handoff.text import clip, one_line

CARRIED_POS = -1
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
        else:
            if name == LAST_REQUEST:
                quoted = []
                for line in body.split("\n"):
                    if not line.startswith(">"):
                        break
                    quoted.append(line)
                prev.last_request = unquote("\n".join(quoted))
            items = parse_items(unquote(body)) if name == LAST_REQUEST else parse_items(body)
            prev.units += [Unit(CARRIED_POS, "carried", clip(one_line(i), MAX_UNIT_CHARS),
                                section=name) for i in items]
    numbers = [r.last for r in prev.rows] + ([prev.footer.last_session] if prev.footer else [])
    prev.last_session = max(numbers, default=0)
    return prev
