"""Part 2 of the preservation benchmark: the seeded synthetic corpus, kept as a regression
check of chains and staleness (issue 4).

Builds a handoff for every synthetic corpus (single sessions, multi-session chains scored
after every handoff) and scores it with the metrics of :mod:`bench.pres_metrics` next to
two baselines cut to the same word count: the last N words of the transcript, and its
first 30% + last 70%. Chain baselines cut from all of the chain's transcripts so far, which
only helps them. Targets (default budget): type-averaged recall >= 0.90, >= 2x the better
baseline, middle-fifths recall within 0.1 of the ends, no staleness errors, no unsupported
identifiers, never over budget.
"""
from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import date
from statistics import mean
from typing import TextIO

from bench.corpus import KINDS, SUPERSEDED, Scenario, chain, single
from bench.pres_metrics import (
    Recall,
    head_tail,
    recall,
    staleness,
    tail,
    transcript_text,
    unsupported,
)
from handoff.builder import build_handoff
from handoff.types import SessionIn

TODAY = date(2026, 3, 2)
METHODS = ("extractive", "tail", "head30+tail70")
_ABBR = {"goal": "goal", "constraint": "cons", "decision": "dec", "file": "file",
         "command": "cmd", "error_fix": "err>fix", "failed": "failed", "identifier": "ident",
         "open": "open", "done": "done", "next": "next", "last_request": "last"}


@dataclass(frozen=True, slots=True)
class Score:
    """One handoff (or baseline) of one checkpoint, scored."""

    session: int
    turns: int
    words: int
    budget: int
    recalls: dict[str, Recall]  # by method
    stale: list[str]
    unsupported: list[str]
    seconds: float

    @property
    def ext(self) -> Recall:
        return self.recalls["extractive"]

    @property
    def best_baseline(self) -> float:
        return max(self.recalls[m].average for m in METHODS[1:])


def run(scenario: Scenario, budget: int) -> list[Score]:
    """Build and score a handoff after every session of ``scenario``."""
    previous: str | None = None
    sessions: list[SessionIn] = []
    out: list[Score] = []
    for cp in scenario.checkpoints:
        s = cp.session
        sessions.append(s)
        t0 = time.perf_counter()
        h = build_handoff(scenario.project, s, previous, budget_words=budget, final=True,
                          today=TODAY)
        seconds = time.perf_counter() - t0
        source = "\n".join([transcript_text([s]), previous or "", scenario.project.name,
                            scenario.project.description, s.objectives, s.notes])
        text = transcript_text(sessions)
        recalls = {"extractive": recall(cp.facts, h.markdown),
                   "tail": recall(cp.facts, tail(text, h.words)),
                   "head30+tail70": recall(cp.facts, head_tail(text, h.words))}
        done = [f for f in cp.facts if f.kind == "done"]
        stale = staleness(h.markdown, done, [f for f in cp.superseded if f.kind == SUPERSEDED])
        out.append(Score(s.number, len(s.turns), h.words, budget, recalls, stale,
                         unsupported(h.markdown, source), seconds))
        previous = h.markdown
    return out


def _f(v: float | None) -> str:
    return "  -  " if v is None else f"{v:5.2f}"


def _gap(r: Recall) -> float | None:
    return None if r.middle is None or r.ends is None else r.middle - r.ends


def print_single(name: str, sc: Score, out: TextIO) -> None:
    """Table for one handoff: rows are metrics, columns the builder and the baselines."""
    r = sc.recalls
    print(f"\n== {name}: {sc.turns} turns, {sc.ext.total} facts, {sc.words} words "
          f"(budget {sc.budget}), built in {sc.seconds * 1000:.0f} ms ==", file=out)
    print(f"{'metric':<22}" + "".join(f"{m:>15}" for m in METHODS), file=out)
    rows: list[tuple[str, list[str]]] = [
        ("recall (type avg)", [_f(r[m].average) for m in METHODS]),
        ("facts kept", [f"{r[m].hits}/{r[m].total}" for m in METHODS])]
    for k in KINDS:
        if k in sc.ext.by_kind:
            rows.append((f"  {k}", [_f(r[m].by_kind.get(k)) for m in METHODS]))
    for i in range(5):
        rows.append((f"  fifth {i + 1}", [_f(r[m].by_fifth[i]) for m in METHODS]))
    rows.append(("middle - ends", [_f(_gap(r[m])) for m in METHODS]))
    rows.append(("staleness errors", [str(len(sc.stale)), "n/a", "n/a"]))
    rows.append(("unsupported ids", [str(len(sc.unsupported)), "0", "0"]))
    for label, cells in rows:
        print(f"{label:<22}" + "".join(f"{c:>15}" for c in cells), file=out)
    for msg in sc.stale[:5] + [f"unsupported: {v}" for v in sc.unsupported[:5]]:
        print(f"  ! {msg}", file=out)


def print_chain(name: str, scores: list[Score], out: TextIO) -> None:
    """Table for a chain: one row per handoff."""
    print(f"\n== {name}: {len(scores)} sessions, scored after every handoff ==", file=out)
    head = ["session", "turns", "facts", "words", "extractive", "tail", "h30+t70", "stale",
            "unsup", "kinds < 1.0 (extractive)"]
    print("".join(f"{h:>10}" for h in head[:-1]) + "  " + head[-1], file=out)
    for sc in scores:
        weak = ", ".join(f"{_ABBR[k]} {v:.2f}" for k, v in sc.ext.by_kind.items() if v < 1.0)
        cells = [sc.session, sc.turns, sc.ext.total, sc.words, _f(sc.ext.average),
                 _f(sc.recalls["tail"].average), _f(sc.recalls["head30+tail70"].average),
                 len(sc.stale), len(sc.unsupported)]
        print("".join(f"{c!s:>10}" for c in cells) + "  " + (weak or "-"), file=out)
        for msg in sc.stale[:3] + [f"unsupported: {v}" for v in sc.unsupported[:3]]:
            print(f"  ! {msg}", file=out)


def verdict(scores: list[Score], positional: bool = True) -> tuple[str, bool]:
    """Summary numbers and whether every target holds for these handoffs."""
    rec = [s.ext.average for s in scores]
    ratio = [s.ext.average / max(s.best_baseline, 1e-9) for s in scores]
    gaps = [g for g in (_gap(s.ext) for s in scores) if g is not None]
    stale = sum(len(s.stale) for s in scores)
    unsup = sum(len(s.unsupported) for s in scores)
    over = sum(s.words > s.budget for s in scores)
    ok = (min(rec) >= 0.90 and min(ratio) >= 2.0 and stale == 0 and unsup == 0 and over == 0
          and (not positional or all(abs(g) <= 0.1 for g in gaps)))
    shown = "/".join(f"{g:+.2f}" for g in gaps)
    text = (f"recall min {min(rec):.2f} mean {mean(rec):.2f}; vs best baseline x{min(ratio):.1f}"
            + (f"; middle-ends {shown}" if positional and gaps else "")
            + f"; stale {stale}; unsupported {unsup}; over budget {over}")
    return text, ok


def run_synthetic(sizes: list[int], chains: int, seed: int, budget: int,
                  out: TextIO) -> list[str]:
    """Print the synthetic tables; return the summary lines."""
    print(f"\n######## part 2: synthetic corpus (regression of chains and staleness; "
          f"budget {budget} words, seed {seed}) ########", file=out)
    summary: list[str] = []
    singles = []
    for size in sizes:
        sc = run(single(size, seed), budget)[0]
        print_single(f"single-{size}", sc, out)
        singles.append(sc)
    if singles:
        text, ok = verdict(singles)
        per = " ".join(f"{s.turns}t={s.ext.average:.2f}" for s in singles)
        summary.append(f"synthetic single ({per}): {text} -> {'MET' if ok else 'NOT MET'}")
    chained: list[Score] = []
    for i in range(chains):
        length = 3 + i % 3
        scores = run(chain(length, seed + i), budget)
        print_chain(f"chain-{length} (seed {seed + i})", scores, out)
        chained += scores
    if chained:
        text, ok = verdict(chained, positional=False)
        summary.append(f"synthetic chains ({chains} chains, {len(chained)} handoffs): "
                       f"{text} -> {'MET' if ok else 'NOT MET'}")
    return summary
