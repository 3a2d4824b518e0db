"""One streaming pass over a session: bounded per-section candidates and artifact stats.

Memory is bounded by the section capacities (plus one small record per distinct
artifact, needed for coverage), not by the number of turns: each section keeps a top-k
heap, so a 100k-turn session costs the same memory as a 1k-turn one. Scores do not
depend on position, so a fact from the middle competes on equal terms with the ends.
"""
from __future__ import annotations

import heapq
import re
from collections import Counter
from dataclasses import dataclass, field

from handoff.artifacts import Artifact, iter_artifacts
from handoff.document import CONSTRAINTS, DECISIONS, DONE, GOAL, NEXT, OPEN, PROBLEMS, STATE
from handoff.old_extract import (FAILED_PREFIX, FENCE_BLOCK, Label, announces, classify, resolves,
                         score, split_sentences)
from handoff.types import TurnIn
from handoff.artifact_section import code
from handoff.text import keywords, tie, truncate_words

CAPACITY: dict[str, int] = {GOAL: 10, STATE: 14, DONE: 24, DECISIONS: 24, CONSTRAINTS: 24,
                            PROBLEMS: 20, OPEN: 16, NEXT: 16}
_ERROR_WINDOW = 8  # turns within which a fix is paired with the last error
_FOCUS_WORDS = 25  # a statement longer than this is about more than its artifacts
_REPLACED = re.compile(
    r"(?i)\b(?:instead of|rather than|switch(?:ed|ing)? (?:[\w-]+ ){0,3}?(?:away )?from|"
    r"replac(?:e|ed|ing)|no longer us(?:e|ing)|stop using|mov(?:e|ed|ing) (?:away )?(?:from|off)|"
    r"drop(?:ped|ping)?|scrap(?:ped|ping)?|ditch(?:ed|ing)?|, not)\s+"
    r"(?:the |a |an |using |our |to )?([`\w][\w`./+#-]*(?:\s+[\w`./+#-]+){0,3})")
# A decision that announces a change of mind supersedes an earlier decision on the same
# subject even when it does not name what it replaces ("Change of plan: the sync runs as
# a Celery task now" replaces "We'll schedule the sync with cron").
_REVERSAL = re.compile(r"(?i)\b(?:change of plan|actually|instead|no longer|scrap|ditch|drop|"
                       r"switch(?:ed|ing)?|replac(?:e|ed|ing)|from now on|not anymore|"
                       r"rather than|changed my mind|on second thought)\b")
_DISTINCT = re.compile(r"[_.\d]")  # test_refund_race, ledger.sync, v2: names, not words
_REVOKE = re.compile(r"(?i)\b(?:no longer|not anymore|any ?more|you can now|it'?s (?:ok|okay|"
                     r"fine) to|is (?:ok|okay|fine|allowed) now|allowed now|lift(?:ed)? the|"
                     r"(?:drop|ignore|scrap) the rule)\b")


@dataclass(slots=True)
class Item:
    """A candidate line for one section, with what is needed to merge and rank it."""

    section: str
    text: str
    score: float
    seq: int
    session: int
    keys: frozenset[str]
    arts: tuple[str, ...] = ()
    uid: int = 0
    previous: bool = False
    turn: int = 0
    resolved_by: str = ""
    superseded_by: str = ""
    replaces: tuple[str, ...] = ()  # texts of the earlier decisions this one supersedes


@dataclass(slots=True)
class ArtStat:
    artifact: Artifact
    count: int = 0
    by_user: bool = False
    prose: bool = False  # named in someone's words, not only in tool output or sample code
    mentions: int = 0  # occurrences in someone's words (the rest scrolled past)
    focus: bool = False  # the subject of a short spoken statement (see SessionScan.feed)


@dataclass(slots=True)
class TopK:
    """Keep the ``k`` best items; duplicates by text are dropped.

    Ties are broken by ``tie`` (content hash) or, where newer really is better (current
    state), by recency.
    """

    k: int
    recency: bool = False
    heap: list[tuple[float, int, int]] = field(default_factory=list)
    by_uid: dict[int, Item] = field(default_factory=dict)
    norms: dict[int, str] = field(default_factory=dict)
    texts: set[str] = field(default_factory=set)

    def push(self, item: Item) -> Item | None:
        """Add an item; return whichever item fell out (possibly ``item`` itself)."""
        norm = re.sub(r"\W+", " ", item.text.lower()).strip()
        if norm in self.texts:
            return item
        entry = (item.score, item.seq if self.recency else tie(norm), item.uid)
        evicted: Item | None = None
        if len(self.heap) < self.k:
            heapq.heappush(self.heap, entry)
        elif entry > self.heap[0]:
            old = heapq.heapreplace(self.heap, entry)[2]
            evicted = self.by_uid.pop(old)
            self.texts.discard(self.norms.pop(old))
        else:
            return item
        self.by_uid[item.uid] = item
        self.norms[item.uid] = norm
        self.texts.add(norm)
        return evicted

    def items(self) -> list[Item]:
        return sorted(self.by_uid.values(), key=lambda i: i.seq)


def replaced_head(sentence: str) -> str | None:
    """Key word of what a decision replaces ("instead of Redis" → "redis"), if any."""
    m = _REPLACED.search(sentence)
    if not m:
        return None
    for word in m.group(1).split():
        k = keywords(word.strip("`"))
        if k:
            return min(k)
    return None


def chosen_keys(text: str) -> frozenset[str]:
    """Key words of what a decision chose, ignoring the part naming what it replaced."""
    return keywords(_REPLACED.sub(" ", text))


class SessionScan:
    """Feed turns in order; read the bounded candidates and artifact stats afterwards."""

    def __init__(self, session: int, carried: list[Item], want_goal: bool = False) -> None:
        self.session = session
        self.want_goal = want_goal  # no goal known yet: the opening request may state it
        self.heaps = {s: TopK(k, recency=s == STATE) for s, k in CAPACITY.items()}
        self.carried = carried  # previous-handoff items that this session may close
        self.index: dict[str, set[int]] = {}
        self.live: dict[int, Item] = {}
        self.resolved: list[Item] = []
        self.arts: dict[str, ArtStat] = {}
        self.authors: Counter[str] = Counter()
        self.seq = 0
        self.turns = 0
        self._uid = len(carried) + 1
        self._error: tuple[str, int] | None = None
        self._pair: Item | None = None  # last error → fix item, extended by its turn
        for item in carried:
            if item.section in (NEXT, OPEN):
                self._watch(item)

    def _watch(self, item: Item) -> None:
        self.live[item.uid] = item
        for k in item.keys:
            self.index.setdefault(k, set()).add(item.uid)

    def _unwatch(self, item: Item) -> None:
        self.live.pop(item.uid, None)
        for k in item.keys:
            ids = self.index.get(k)
            if ids is not None:
                ids.discard(item.uid)
                if not ids:
                    del self.index[k]

    def feed(self, turn: TurnIn) -> None:
        """Process one turn: artifacts always, sentences unless it is tool output."""
        self.turns += 1
        if turn.role == "user":
            self.authors[turn.author] += 1
        values: dict[str, None] = {}  # ordered set: first 40 are matched against sentences
        spoken = turn.role in ("user", "assistant", "note")
        fences = [m.span() for m in FENCE_BLOCK.finditer(turn.text)] \
            if spoken and ("```" in turn.text or "~~~" in turn.text) else []
        for pos, a in iter_artifacts(turn.text):
            stat = self.arts.get(a.value)
            if stat is None:
                stat = self.arts[a.value] = ArtStat(a)
            stat.count += 1
            stat.by_user = stat.by_user or turn.role in ("user", "note")
            warning = a.kind == "error" and "Warning" in a.value
            fenced = bool(fences) and any(s <= pos < e for s, e in fences)
            stat.mentions += spoken and (not fenced or a.kind == "command")  # "run this:"
            if not stat.prose:  # shell lines and errors count even inside a code block
                stat.prose = (a.kind == "error" and not warning) or (spoken and (
                    a.kind in ("command", "error") or not fenced))
            values.setdefault(a.value, None)
            if a.kind == "error" and not warning:  # a warning must not unpair an error
                self._error = (a.value, self.turns)
        if turn.role in ("tool", "system"):
            return
        limit = 30 if turn.source in ("pasted", "file") else 400
        head = [v for v, _ in zip(values, range(40))]
        opening = self.want_goal and turn.role == "user"
        announced = False
        for sentence in split_sentences(turn.text, limit):
            self.seq += 1
            if head:
                self._focus(sentence, head)
            label = classify(sentence, turn.role)
            if label is None and announced and not sentence.endswith("?") \
                    and len(keywords(sentence)) >= 2:
                label = Label(DECISIONS, 0.9)  # "That settles it. <the decision>"
            announced = (label is None or label.section in (DONE, STATE)) and announces(sentence)
            if announced:
                label = None  # "here is where we landed" is no finished work of its own
            if label is None and opening and len(keywords(sentence)) >= 4 \
                    and not sentence.endswith("?"):
                label = Label(GOAL, 0.5)  # the first substantial request sets the goal
            if label is not None:
                self.want_goal = self.want_goal and label.section != GOAL
                self._take(sentence, label, turn.role, head)
        if opening:
            self.want_goal = False

    def _focus(self, sentence: str, values: list[str]) -> None:
        """Mark the artifacts a short statement is about ("This is tracked in issue #482.").

        Stated on their own they were meant to be remembered, unlike the same kind of
        value in a listing or one of several in a long explanation; questions do not count.
        """
        if sentence.endswith("?") or sentence.count(" ") >= _FOCUS_WORDS:
            return
        named = [v for v in values if v in sentence]
        if 0 < len(named) <= 2:
            for v in named:
                self.arts[v].focus = True

    def settle(self, notes: str) -> None:
        """Let the /complete notes close next steps and open problems they report done."""
        for sentence in split_sentences(notes):
            label = classify(sentence, "note")
            if resolves(sentence) or (label is not None and label.resolves):
                self._resolve(sentence, keywords(sentence), ())

    def _take(self, sentence: str, label: Label, role: str, values: list[str]) -> None:
        arts = tuple(v for v in values if v in sentence)
        keys = keywords(sentence)
        if len(keys) < 2 and not arts:
            return  # "Do not retry that." says nothing on its own
        section, text = label.section, sentence
        finished = resolves(sentence)
        closed = self._resolve(sentence, keys, arts) if finished or label.resolves else []
        err = self._error
        fixing = label.section == PROBLEMS and label.resolves or (
            label.section == DONE and "fix" in sentence.lower())
        pair = self._pair
        if fixing and pair is not None and pair.turn == self.turns:
            pair.text = f"{pair.text} {sentence}"  # the fix continues in the same turn
            return
        if fixing and err is not None and self.turns - err[1] <= _ERROR_WINDOW:
            section = PROBLEMS
            if err[0] not in sentence:
                text = f"{code(err[0])} → {sentence}"
                arts = arts + (err[0],)
            self._error = None
        elif section == PROBLEMS and not label.resolves:
            text = FAILED_PREFIX + sentence
        if section == DONE and closed:
            return  # the closed items carry this sentence into Done already
        replaces = self._supersede(sentence) if section == DECISIONS else ()
        self._uid += 1
        item = Item(section, text, score(sentence, role, label, len(arts), len(keys)), self.seq,
                    self.session, keys, arts, self._uid, turn=self.turns, replaces=replaces)
        if section == PROBLEMS and text.startswith("`"):
            self._pair = item
        evicted = self.heaps[section].push(item)
        if section in (NEXT, OPEN):
            if evicted is not item:
                self._watch(item)
            if evicted is not None and evicted is not item:
                self._unwatch(evicted)

    def _resolve(self, sentence: str, keys: frozenset[str], arts: tuple[str, ...]) -> list[Item]:
        """Close watched next steps / open problems that this sentence reports as done."""
        hits: Counter[int] = Counter()
        for k in keys:
            for uid in self.index.get(k, ()):
                hits[uid] += 1
        closed = []
        for uid in sorted(hits):
            item = self.live[uid]
            shared = hits[uid]
            strong = any(v in sentence for v in item.arts if len(v) >= 3) or any(
                v in item.text for v in arts if len(v) >= 3) or any(
                _DISTINCT.search(k) for k in keys & item.keys)
            if (strong and shared >= 1) or (shared >= 2 and 2 * shared >= min(
                    len(item.keys), len(keys))):
                item.resolved_by = truncate_words(sentence, 25)
                closed.append(item)
        for item in closed:
            self._unwatch(item)
            self.resolved.append(item)
        return closed

    def _supersede(self, sentence: str) -> tuple[str, ...]:
        """Mark earlier decisions replaced by this one (returned); revoke constraints."""
        head = replaced_head(sentence)
        revoke = bool(_REVOKE.search(sentence))
        reversal = bool(_REVERSAL.search(sentence))
        if head is None and not revoke and not reversal:
            return ()
        new = truncate_words(sentence, 20)
        replaced: list[str] = []
        pool = [i for i in self.carried if i.section in (DECISIONS, CONSTRAINTS)]
        pool += self.heaps[DECISIONS].items()
        keys = keywords(sentence)
        for item in pool:
            if item.superseded_by:
                continue
            if item.section == DECISIONS and "~~" not in item.text and (
                    (head and head in chosen_keys(item.text))
                    or (reversal and len(keys & chosen_keys(item.text)) >= 2)):
                item.superseded_by = new
                replaced.append(item.text)
            elif item.section == CONSTRAINTS and revoke and (
                    (head and head in item.keys) or len(keys & item.keys) >= 2):
                item.superseded_by = new
        return tuple(replaced)

    def candidates(self, section: str) -> list[Item]:
        """Surviving, unresolved candidates of a section in chronological order."""
        return [i for i in self.heaps[section].items() if not i.resolved_by]

    def author(self) -> str:
        """Most frequent user author (ties: alphabetical), for the master prompt."""
        if not self.authors:
            return ""
        return min(self.authors.items(), key=lambda kv: (-kv[1], kv[0]))[0]
