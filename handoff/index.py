"""The artifact index: every verbatim token a session uses, ranked by count and recency.

Paths, identifiers, commit hashes, versions, error names and whole commands are the
densest facts a handoff can carry: one token, one fact, no paraphrase. What the session
uses often and lately comes first; what the person typed themselves ranks higher.
"""
from __future__ import annotations

import math
import re
from collections.abc import Iterable
from dataclasses import dataclass

from handoff.artifacts import Artifact, Kind
from handoff.scan import commands_in, technical_tokens

RECENCY_FLOOR = 0.3  # an artifact last used at the start still ranks 0.3 of one used last
USER_BOOST = 1.5  # the person named it
NUMBER_WEIGHT = 0.3  # a bare number or address (sizes, counts, pointers) is rarely a fact
_NUMBERISH = re.compile(r"(?:0x)?[0-9a-f]*\d[0-9a-f]*|[$€£]?[\d.,:]+(?:[kKMG]i?[bB]?|%|ms|s)?"
                        r"|[d-]?[r-][w-][xsS-][r-][w-][xsS-][r-][w-]?[xtT-]?@?")  # ls -l modes
CARRIED_COUNT = 2  # an artifact recorded by the previous handoff counts as used twice,
CARRIED_RECENCY = 0.65  # and as last used mid-way: it was chosen once already
MAX_CANDIDATES = 3000  # the index never looks further down the ranking
_HASH = re.compile(r"(?=[0-9a-f]*[a-f])[0-9a-f]{7,40}")  # commits are facts, 0x... are not
_EXT = re.compile(r"\.[A-Za-z][A-Za-z0-9]{0,5}$")
_ERROR = re.compile(r"(?:Error|Exception|Warning|Fault)$")


@dataclass(slots=True)
class Stat:
    count: int
    last: int
    by_user: bool
    kind: Kind


def kind_of(token: str) -> Kind:
    if "://" in token:
        return "url"
    if _ERROR.search(token):
        return "error"
    if "/" in token or "\\" in token or _EXT.search(token):
        return "path"
    return "identifier"


class ArtifactIndex:
    def __init__(self) -> None:
        self.stats: dict[str, Stat] = {}
        self.turns = 0

    def _add(self, token: str, pos: int, by_user: bool, kind: Kind, count: int = 1) -> None:
        s = self.stats.get(token)
        if s is None:
            self.stats[token] = Stat(count, pos, by_user, kind)
        else:
            s.count += count
            s.last = max(s.last, pos)
            s.by_user = s.by_user or by_user
            if kind == "command":
                s.kind = kind

    def feed(self, pos: int, text: str, by_user: bool) -> None:
        """Count what ``text`` (turn ``pos``; negative: the previous handoff) uses."""
        self.turns = max(self.turns, pos + 1)
        count = CARRIED_COUNT if pos < 0 else 1
        for cmd in commands_in(text):
            self._add(cmd, pos, by_user, "command", count)
        for tok in technical_tokens(text):
            self._add(tok, pos, by_user, kind_of(tok), count)

    def carry(self, artifacts: Iterable[Artifact]) -> None:
        """Artifacts the previous handoff recorded: they stay until this session's use of
        other things outranks them."""
        for a in artifacts:
            self._add(a.value, -1, False, a.kind, CARRIED_COUNT)

    def score(self, token: str) -> float:
        s = self.stats[token]
        recency = CARRIED_RECENCY if s.last < 0 else (
            RECENCY_FLOOR + (1 - RECENCY_FLOOR) * (s.last + 1) / max(self.turns, 1))
        weight = USER_BOOST if s.by_user else 1.0
        if _NUMBERISH.fullmatch(token) and not _HASH.fullmatch(token):
            weight *= NUMBER_WEIGHT
        return math.log1p(s.count) * recency * weight

    def ranked(self) -> list[str]:
        return sorted(self.stats, key=lambda t: (-self.score(t), t))

    def fold_paths(self) -> None:
        """A path also named by a shorter tail of it (``/home/me/app/src/x.py`` and
        ``src/x.py``) counts as that tail: one file, shown once, in its shorter name."""
        paths = {t for t, s in self.stats.items() if s.kind == "path" and "/" in t}
        for token in sorted(paths, key=len, reverse=True):
            parts = token.split("/")
            tail = next((t for t in ("/".join(parts[i:]) for i in range(1, len(parts)))
                         if t in paths and "/" in t), None)
            if tail is None:
                continue
            long, short = self.stats.pop(token), self.stats[tail]
            short.count += long.count
            short.last = max(short.last, long.last)
            short.by_user = short.by_user or long.by_user
            paths.discard(token)

    def key_artifacts(self) -> list[Artifact]:
        """What the footer's coverage is measured on: used at least twice, or named by the
        person (carried ones count as used twice)."""
        return [Artifact(s.kind, t) for t, s in self.stats.items() if s.count >= 2 or s.by_user]

    def pick(self, max_chars: int, present: str) -> list[Artifact]:
        """The best-ranked artifacts within ``max_chars``, skipping those ``present``
        already shows (or a longer picked one contains)."""
        out: list[Artifact] = []
        shown = present
        used = 0
        for token in self.ranked()[:MAX_CANDIDATES]:
            cost = len(token) + 4  # backticks, comma, space
            if used + cost > max_chars:
                if used >= max_chars - 8:
                    break
                continue
            if token in shown:
                continue
            out.append(Artifact(self.stats[token].kind, token))
            shown += " " + token
            used += cost
        return out
