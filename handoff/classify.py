"""Which section a kept sentence belongs to, and keeping Done, Next and Open consistent.

Selection decides *what* is kept (by what it covers); this only decides *where* it is
shown, by the sentence's own wording. Cues are generic English of work reports, not the
vocabulary of any one project.
"""
from __future__ import annotations

import re

from handoff.document import CONSTRAINTS, DECISIONS, DONE, NEXT, NOTES, OPEN, PROBLEMS
from handoff.scan import Unit
from handoff.text import keywords

SAME_TASK = 0.6  # share of a next step's key words a later Done item must cover to close it

_FIXED_LEAD = re.compile(r"(?i)^(?:fixed|resolved|solved|done|completed|merged|closed)\b")
_DONE = re.compile(
    r"(?i)\b(?:i(?:'ve| have)|we(?:'ve| have)|has been|have been|was|were) (?:now )?"
    r"(?:added|fixed|created|updated|implemented|removed|renamed|moved|refactored|changed|"
    r"merged|committed|written|replaced|resolved|converted|installed|configured|deployed)\b"
    r"|\b(?:now (?:works|passes|pass|returns|runs|builds|shows))\b|\ball \d+ (?:tests )?pass"
    r"|\b\d+ passed\b|\bcommit [0-9a-f]{7,}\b|^(?:added|updated|created|implemented|removed)\b"
    r"|[✓✅]")
_ERROR = re.compile(
    r"(?:\w(?:Error|Exception)\b|\bTraceback\b|\bFAILED\b|\berror:|\bfailed\b|\bfails\b|"
    r"\bfailing\b|\bnot found\b|\bcannot\b|\bcan't\b|\bunable to\b|\bdenied\b|\brefused\b|"
    r"\btimed? ?out\b|\bcrash|\bbroken\b|\bwarning:)", re.IGNORECASE)
_FIX = re.compile(r"(?i)\b(?:fix(?:ed|es)?|because|caused by|the cause|solution|"
                  r"resolved|workaround|instead)\b|→|->")
_OPEN = re.compile(r"(?i)\b(?:still (?:fails|failing|broken|not|doesn't|don't|can't)|not yet|"
                   r"remains?|remaining|blocked|blocker|unresolved|open question|unclear|"
                   r"doesn't work|does not work|no longer works|todo)\b")
_NEXT = re.compile(r"(?i)^(?:next|then|later|todo|afterwards)\b|\bnext step|\bnext,|"
                   r"\b(?:we|you) (?:should|need to|will|could)\b|\blet's\b|\bi'll\b|"
                   r"\bplan(?:ned)? to\b|\bgoing to\b")
_DECISION = re.compile(r"(?i)\b(?:decided|decide|decision|instead of|rather than|go with|"
                       r"switch(?:ed)? to|chose|choose|opted|we'll use|we will use|settled on|"
                       r"prefer(?:red)?)\b")
_CONSTRAINT = re.compile(r"(?i)\b(?:must|never|always|don't|do not|should not|shouldn't|"
                         r"only|keep|without|no more than|at least|at most|required|"
                         r"make sure|avoid|not allowed)\b")
_IMPERATIVE = re.compile(r"(?i)^(?:please |now )?(?:run|try|add|open|install|check|use|make|"
                         r"create|type|paste|restart|go|click|see|let me|you can)\b")


def section_of(unit: Unit, late: bool) -> str:
    """The section a selected unit is shown in; ``late`` = from the session's last fifth."""
    text = unit.text
    if unit.role == "user" and not unit.bulk:
        if _CONSTRAINT.search(text):
            return CONSTRAINTS
        if _DECISION.search(text):
            return DECISIONS
    if _FIXED_LEAD.match(text) or (_DONE.search(text) and not _OPEN.search(text)):
        return DONE
    if _ERROR.search(text):
        if _FIX.search(text):
            return PROBLEMS
        return OPEN if late else PROBLEMS
    if _OPEN.search(text):
        return OPEN
    if _DECISION.search(text):
        return DECISIONS
    if _NEXT.search(text) and (late or unit.role == "carried"):
        return NEXT
    return NOTES


def is_constraint(text: str) -> bool:
    """The person's message sets a rule (must, never, keep, only...)."""
    return bool(_CONSTRAINT.search(text))


def is_error(text: str) -> bool:
    return bool(_ERROR.search(text))


def is_statement(text: str) -> bool:
    """A sentence that says how things are, not an instruction to the reader."""
    return not _IMPERATIVE.match(text) and not text.rstrip().endswith("?")


def reconcile(sections: dict[str, list[str]]) -> None:
    """Nothing done stays open or next: drop next steps and open problems that a Done
    item covers, in place."""
    done = [keywords(d) for d in sections.get(DONE, [])]
    for name in (NEXT, OPEN):
        kept = []
        for item in sections.get(name, []):
            if _FIXED_LEAD.match(item):
                sections.setdefault(DONE, []).append(item)
                continue
            keys = keywords(item)
            if keys and any(len(keys & d) >= SAME_TASK * len(keys) for d in done):
                continue
            kept.append(item)
        sections[name] = kept
