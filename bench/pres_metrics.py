"""Scoring a handoff (or a baseline text) against labelled key facts.

Definitions, applied identically to the builder and to the baselines:

* **Normalisation**: lower case, curly quotes made straight, backticks dropped,
  runs of whitespace collapsed to one space.
* **Recall**: a fact is kept when one of its anchors, and every one of its ``requires``
  strings, occurs in the normalised text. Recall is averaged per fact kind first and the
  kinds are then averaged (so 20 file paths cannot outweigh one goal).
* **Recall by position**: the same hit/miss per fact, grouped by the fifth of the session
  in which the fact was stated (``min(int(position * 5), 4)``), not type-averaged.
* **Staleness errors**: (a) a *done* fact (a finished task or resolved problem) whose
  anchor appears in the body of "Next steps" or "Open problems and blockers"; (b) a
  *superseded* decision whose anchor appears in a line of "Master prompt", "Current
  state", "Decisions", "Constraints and preferences" or "Next steps", unless on that line
  the anchor lies inside a ``~~struck~~`` span or the word "superseded" follows it.
* **Unsupported identifiers**: artifacts (``handoff.artifacts.extract_artifacts``) of the
  handoff whose normalised value does not occur in the normalised source (transcripts,
  previous handoff, project description, objectives and notes).
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from statistics import mean

from bench.corpus import KINDS, Fact
from handoff.artifacts import extract_artifacts
from handoff.document import (
    CONSTRAINTS,
    DECISIONS,
    MASTER,
    NEXT,
    OPEN,
    STATE,
    canonical,
    parse_markdown,
)
from handoff.types import SessionIn

_QUOTES = str.maketrans({"\u2018": "'", "\u2019": "'", "\u201c": '"', "\u201d": '"', "`": None})
_WS = re.compile(r"\s+")
_STRIKE = re.compile(r"~~(.+?)~~")
STALE_DONE_SECTIONS = (NEXT, OPEN)
STALE_DECISION_SECTIONS = (MASTER, STATE, DECISIONS, CONSTRAINTS, NEXT)


def norm(text: str) -> str:
    """Case-, quote- and whitespace-insensitive form used for every comparison."""
    return _WS.sub(" ", text.translate(_QUOTES).lower()).strip()


def kept(fact: Fact, normed: str) -> bool:
    return any(norm(a) in normed for a in fact.anchors) and all(
        norm(r) in normed for r in fact.requires)


@dataclass(frozen=True, slots=True)
class Recall:
    by_kind: dict[str, float]  # only kinds that have facts
    by_fifth: list[float | None]  # None where no fact was stated in that fifth
    hits: int
    total: int

    @property
    def average(self) -> float:
        return mean(self.by_kind.values()) if self.by_kind else 1.0

    @property
    def ends(self) -> float | None:
        vals = [v for v in (self.by_fifth[0], self.by_fifth[4]) if v is not None]
        return mean(vals) if vals else None

    @property
    def middle(self) -> float | None:
        vals = [v for v in self.by_fifth[1:4] if v is not None]
        return mean(vals) if vals else None


def recall(facts: tuple[Fact, ...] | list[Fact], text: str) -> Recall:
    normed = norm(text)
    per_kind: dict[str, list[bool]] = {}
    per_fifth: list[list[bool]] = [[] for _ in range(5)]
    for f in facts:
        hit = kept(f, normed)
        per_kind.setdefault(f.kind, []).append(hit)
        per_fifth[min(int(f.position * 5), 4)].append(hit)
    by_kind = {k: mean(per_kind[k]) for k in KINDS if k in per_kind}
    by_fifth = [mean(v) if v else None for v in per_fifth]
    hits = sum(sum(v) for v in per_kind.values())
    return Recall(by_kind, by_fifth, hits, len(facts))


def _bodies(markdown: str) -> dict[str, str]:
    doc = parse_markdown(markdown)
    out: dict[str, str] = {}
    for heading, body in doc.sections:
        name = canonical(heading) or heading
        out[name] = out.get(name, "") + "\n" + body
    return out


def staleness(markdown: str, done: list[Fact], superseded: list[Fact]) -> list[str]:
    """Human-readable staleness errors (see module docstring for the exact rules)."""
    bodies = _bodies(markdown)
    errors: list[str] = []
    for f in done:
        for section in STALE_DONE_SECTIONS:
            body = norm(bodies.get(section, ""))
            if any(norm(a) in body for a in f.anchors):
                errors.append(f"done task under {section}: {f.anchors[0]}")
    for f in superseded:
        for section in STALE_DECISION_SECTIONS:
            for line in bodies.get(section, "").splitlines():
                if _current(norm(line), [norm(a) for a in f.anchors]):
                    errors.append(f"superseded decision as current in {section}: {f.anchors[0]}")
    return errors


def _current(line: str, anchors: list[str]) -> bool:
    """Does ``line`` state one of ``anchors`` without striking or marking it superseded?"""
    struck = [m.span(1) for m in _STRIKE.finditer(line)]
    for a in anchors:
        start = line.find(a)
        while start >= 0:
            inside = any(s <= start and start + len(a) <= e for s, e in struck)
            marked = "superseded" in line[start:]
            if not inside and not marked:
                return True
            start = line.find(a, start + 1)
    return False


def unsupported(markdown: str, source: str) -> list[str]:
    """Artifact values in the handoff that occur nowhere in the source."""
    normed = norm(source)
    return [a.value for a in extract_artifacts(markdown) if norm(a.value) not in normed]


def transcript_text(sessions: list[SessionIn]) -> str:
    """The raw transcript a baseline may cut from: one ``role: text`` block per turn."""
    return "\n\n".join(f"{t.role}: {t.text}" for s in sessions for t in s.turns)


def _spans(text: str) -> list[tuple[int, int]]:
    return [m.span() for m in re.finditer(r"\S+", text)]


def tail(text: str, words: int) -> str:
    """Baseline: the last ``words`` words of the transcript, verbatim."""
    spans = _spans(text)
    if len(spans) <= words:
        return text
    return text[spans[-words][0]:] if words > 0 else ""


def head_tail(text: str, words: int, head_share: float = 0.3) -> str:
    """Baseline: the first 30% and the last 70% of ``words`` words, verbatim."""
    spans = _spans(text)
    if len(spans) <= words:
        return text
    h = int(words * head_share)
    head = text[: spans[h - 1][1]] if h > 0 else ""
    return head + "\n…\n" + tail(text, words - h)
