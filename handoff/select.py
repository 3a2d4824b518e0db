"""Choosing the sentences to keep: budgeted maximum coverage.

Each unit covers a set of content words; a word's worth grows with how often the
session uses it. Greedily taking the unit with the most not-yet-covered worth per
character (weighted by who said it and how late) keeps many distinct facts and few
repetitions, whatever the session is about. Lazy evaluation keeps it near-linear.
"""
from __future__ import annotations

import heapq
import math
from collections import Counter
from collections.abc import Iterable

from handoff.classify import is_error
from handoff.scan import Unit, content_words

UNIT_OVERHEAD = 20  # chars a unit costs beyond its text (bullet, newline), and the
# length penalty that keeps many one-word fragments from beating one real sentence
RECENCY = 1.0  # a unit from the end weighs (1 + RECENCY) times one from the start
ROLE_WEIGHT = {"user": 2.0, "note": 2.0, "carried": 2.0, "assistant": 1.0, "tool": 0.5,
               "system": 0.3}
BULK_WEIGHT = 0.5
ERROR_LINE_WEIGHT = 1.0  # tool output that reports an error weighs like the assistant
COMMIT_WEIGHT = 2.0  # a commit made is finished work, said in one line
POOL_PER_CHAR = 0.05  # candidates kept per budget character (bounds memory by budget)
MIN_POOL = 400


def unit_weight(u: Unit, turns: int) -> float:
    role = BULK_WEIGHT if u.bulk else ROLE_WEIGHT.get(u.role, 1.0)
    if u.role == "tool" and is_error(u.text):
        role = ERROR_LINE_WEIGHT
    if u.commit:
        role = COMMIT_WEIGHT
    return role * (1.0 + RECENCY * max(u.pos + 1, 0) / max(turns, 1))


class Selector:
    """Collects candidates in one pass (keeping a bounded pool), then picks."""

    def __init__(self, df: Counter[str], turns: int, budget_chars: int,
                 covered: Iterable[str] = ()) -> None:
        self.df = df
        self.turns = turns
        self.covered = set(covered)
        self.pool_size = max(MIN_POOL, int(budget_chars * POOL_PER_CHAR))
        self.pool: list[tuple[float, int, Unit, frozenset[str]]] = []
        self.seq = 0

    def value(self, u: Unit, feats: frozenset[str], covered: set[str]) -> float:
        """Worth of what ``u`` adds beyond ``covered``, per character."""
        gain = sum(math.log1p(self.df[c]) for c in feats if c not in covered)
        return gain * unit_weight(u, self.turns) / (len(u.text) + UNIT_OVERHEAD)

    def offer(self, u: Unit) -> None:
        feats = frozenset(content_words(u.text))
        v = self.value(u, feats, self.covered)
        if v <= 0:
            return
        self.seq += 1
        item = (v, self.seq, u, feats)
        if len(self.pool) < self.pool_size:
            heapq.heappush(self.pool, item)
        elif v > self.pool[0][0]:
            heapq.heapreplace(self.pool, item)

    def pick(self, budget_chars: int, covered: Iterable[str] | None = None) -> list[Unit]:
        """Greedy by marginal worth per character, within the budget; in time order."""
        covered = set(self.covered if covered is None else covered)
        heap = [(-v, seq, u, f) for v, seq, u, f in self.pool]
        heapq.heapify(heap)
        chosen: list[tuple[int, int, Unit]] = []
        used = 0
        while heap and used < budget_chars:
            _, seq, u, feats = heapq.heappop(heap)
            v = self.value(u, feats, covered)
            if v <= 0:
                continue
            if heap and v < -heap[0][0]:
                heapq.heappush(heap, (-v, seq, u, feats))
                continue
            cost = len(u.text) + 3
            if used + cost > budget_chars:
                continue
            chosen.append((u.pos, seq, u))
            covered |= feats
            used += cost
        chosen.sort(key=lambda c: (c[0], c[1]))
        return [u for _, _, u in chosen]
