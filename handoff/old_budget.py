"""Rank section entries and artifacts, and compress them into a word budget.

Priorities follow what a fresh session cannot recover on its own: artifacts (verbatim
paths, commands, errors) first, then constraints, decisions, open problems, next steps;
done work last, with older sessions allowed fewer words than newer ones.
"""
from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass

from handoff.artifacts import Artifact
from handoff.document import (CONSTRAINTS, DECISIONS, DONE, GOAL, NEXT, OPEN, PROBLEMS, SECTIONS,
                          STATE)
from handoff.artifact_section import GROUPS, code, group_of
from handoff.text import tie, truncate_words

SECTION_PRIORITY: dict[str, float] = {CONSTRAINTS: 6.0, DECISIONS: 5.0, OPEN: 4.5, NEXT: 4.5,
                                      PROBLEMS: 4.0, GOAL: 4.0, STATE: 3.5, DONE: 3.0}
ARTIFACT_SHARE = 0.45  # of the flexible budget reserved for the artifact record first
NOISE_SHARE = 0.1  # at most this much of it for artifacts seen only in tool output/sample code
SERIES_MIN, SERIES_PENALTY = 4, 1.5  # this many values of one shape are a series
_NUMBER = re.compile(r"\d+")
FOCUS_BONUS = 2.5  # stated on its own in a short sentence: outranks any amount of repetition
CARRY_BONUS, CARRY_STANDING = 1.0, 2.5  # survived a previous handoff; how high it stood
_KIND_RANK = {"error": 3.0, "command": 3.0, "path": 3.0, "url": 2.5, "identifier": 2.5}


@dataclass(frozen=True, slots=True)
class Entry:
    """One candidate line of a section."""

    section: str
    text: str
    rank: float  # higher is kept first
    order: tuple[float, ...]  # display position within the section (ascending)
    max_words: int  # compression: older sessions get fewer words

    @property
    def line(self) -> str:
        return truncate_words(self.text, self.max_words)


@dataclass(frozen=True, slots=True)
class RankedArtifact:
    artifact: Artifact
    rank: float
    core: bool = True  # competes for the reserved share; others only fill slack


def artifact_rank(a: Artifact, count: int, by_user: bool, carried: bool,
                  prose: bool = True, mentions: int | None = None, focus: bool = False,
                  standing: float = 1.0, series: int = 1) -> float:
    """Importance of an artifact: kind, repetition, who mentioned it, earlier survival.

    Something a person or the assistant named in prose outweighs anything that only
    scrolled past in tool output or inside sample code (test listings, pip freeze, ...):
    repetition counts mostly through ``mentions`` (occurrences in prose; all of
    ``count`` when unknown), and a value stated as the subject of a short sentence
    (``focus``) was meant to be kept. A ``carried`` artifact (in the previous record)
    keeps part of its earlier rank through ``standing``, its place in that record (1.0 =
    first of its group), so an issue number stated three sessions ago still outranks a
    path that scrolled past. A member of a ``series`` (distinct values of one
    :func:`shape`: ``src/mod7/file7.py``, ``pip install rich==5.2.1``) is generated
    output, not something stated. Position in the session deliberately plays no part.
    """
    said = count if mentions is None else min(mentions, count)
    value = _KIND_RANK[a.kind] + min(math.log2(said + 1), 3.0)
    value += min(math.log2(count - said + 1), 4.0) * 0.25
    many = series >= SERIES_MIN
    value += FOCUS_BONUS if focus and not many else 0.0
    value -= SERIES_PENALTY if many else 0.0
    value += 1.0 if by_user else 0.0
    value += CARRY_BONUS + CARRY_STANDING * standing if carried else 0.0
    value += 0.0 if prose or carried else -3.0
    if a.kind == "identifier" and len(a.value) <= 2:
        value -= 1.0
    return value


def shape(value: str) -> str:
    """A value with its numbers blanked: members of one generated series share it."""
    return _NUMBER.sub("#", value)


def series_sizes(values: Iterable[str]) -> dict[str, int]:
    """For each distinct value, how many distinct values share its :func:`shape`."""
    shapes = {v: shape(v) for v in values}
    sizes = Counter(shapes.values())
    return {v: sizes[s] for v, s in shapes.items()}


def _cost(text: str) -> int:
    return len(text.split())


def select(entries: list[Entry], artifacts: list[RankedArtifact], available: int
           ) -> tuple[dict[str, list[str]], list[Artifact]]:
    """Choose entries and artifacts worth at most ``available`` words.

    Every section first gets its best entry (so no section vanishes silently), then
    entries compete by rank; the artifact record gets its share up front and any slack
    at the end. Artifacts already quoted verbatim in a chosen entry are not repeated.
    """
    available = max(available, 0)
    art_total = sum(_cost(code(r.artifact.value)) for r in artifacts if r.core) + 2 * len(GROUPS)
    art_reserve = min(art_total, int(available * ARTIFACT_SHARE))
    room = available - art_reserve
    ranked = sorted(entries, key=lambda e: (-(e.rank + SECTION_PRIORITY.get(e.section, 0)),
                                            tie(e.text), e.text))
    chosen: list[Entry] = []
    used = 0
    firsts: set[str] = set()
    for e in ranked:  # pass 1: best entry of each section, in section priority order
        if e.section not in firsts:
            firsts.add(e.section)
            c = _cost("- " + e.line)
            if used + c <= room:
                chosen.append(e)
                used += c
    taken = {id(e) for e in chosen}
    for e in ranked:  # pass 2: everything else by rank
        if id(e) in taken:
            continue
        c = _cost("- " + e.line)
        if used + c <= room:
            chosen.append(e)
            used += c
    body = "\n".join(e.line for e in chosen)
    art_room = available - used
    picked: list[Artifact] = []
    groups: set[str] = set()
    spent = 0
    tight = art_total > art_room
    noise_room = int(available * NOISE_SHARE)
    for r in sorted(artifacts, key=lambda r: (-r.rank, tie(r.artifact.value), r.artifact.value)):
        if spent >= art_room:
            break  # every artifact costs at least one word
        a = r.artifact
        c = _cost(code(a.value)) + (0 if group_of(a) in groups else 2)
        if spent + c > art_room or (not r.core and c > noise_room):
            continue
        if tight and a.value in body:  # the substring test is the costly check: last
            continue
        if not r.core:
            noise_room -= c
        spent += c
        groups.add(group_of(a))
        picked.append(a)
    out: dict[str, list[str]] = {s: [] for s in SECTIONS}
    for e in sorted(chosen, key=lambda e: (SECTIONS.index(e.section), e.order)):
        out[e.section].append(e.line)
    return out, picked
