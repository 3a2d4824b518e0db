"""Seeded synthetic sessions with labelled key facts, single sessions and multi-session chains.

A session is a list of *atoms* (turns that plant one fact, or the two halves of a
change: a plan and its completion, a decision and its reversal) spread evenly over the
session and padded with filler from :mod:`bench.corpus_noise`. Every fact records the
relative position of the turn that states it, so recall can be read per fifth.

Fact kinds scored for recall: ``KINDS``. Two more kinds exist for staleness only:
``superseded`` (a decision later reversed) and every ``done`` fact (a task that was
planned or reported open and then finished).
"""
from __future__ import annotations

import math
import random
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from typing import Any

from bench import corpus_text as T
from bench.corpus_noise import BOT, USER, code_block, noise_turns
from handoff.types import ProjectIn, SessionIn, TurnIn

KINDS: tuple[str, ...] = ("goal", "constraint", "decision", "file", "command", "error_fix",
                          "failed", "identifier", "open", "done", "next", "last_request")
SUPERSEDED = "superseded"


@dataclass(frozen=True, slots=True)
class Fact:
    """A labelled key fact: kept when any anchor (and every ``requires``) is in the handoff."""

    kind: str
    anchors: tuple[str, ...]
    requires: tuple[str, ...] = ()
    position: float = 0.0  # of the stating turn within its session, 0..1
    session: int = 1


@dataclass(frozen=True, slots=True)
class Checkpoint:
    """One session to build a handoff from, and what that handoff must then hold."""

    session: SessionIn
    facts: tuple[Fact, ...]  # current facts (recall), done facts included
    superseded: tuple[Fact, ...]  # must not be stated as current decisions


@dataclass(frozen=True, slots=True)
class Scenario:
    name: str
    project: ProjectIn
    checkpoints: tuple[Checkpoint, ...]


@dataclass(slots=True)
class _Atom:
    turns: list[TurnIn]
    facts: list[Fact]  # position filled in when placed; anchor turn = last turn
    after: _Atom | None = None  # must be placed later than this atom


def _u(text: str) -> TurnIn:
    return TurnIn("user", USER, "typed", text)


def _a(text: str) -> TurnIn:
    return TurnIn("assistant", BOT, "typed", text)


@dataclass(slots=True)
class Deck:
    """Shuffled phrase pools drawn without replacement across a whole scenario."""

    rng: random.Random
    pools: dict[str, list[object]] = field(default_factory=dict)

    def draw(self, name: str, source: tuple[Any, ...]) -> Any:  # a tuple of the source, or None
        if name not in self.pools:
            items = list(source)
            self.rng.shuffle(items)
            self.pools[name] = items
        return self.pools[name].pop() if self.pools[name] else None


def _files() -> tuple[str, ...]:
    return tuple(f"{d}/{n}.py" for d in T.FILE_DIRS for n in T.FILE_NAMES)


class SessionPlan:
    """Collects atoms for one session, then lays them out among filler turns."""

    def __init__(self, rng: random.Random, deck: Deck, number: int) -> None:
        self.rng, self.deck, self.n = rng, deck, number
        self.head: list[_Atom] = []
        self.body: list[_Atom] = []
        self.tail: list[_Atom] = []

    def fact(self, kind: str, *anchors: str, requires: tuple[str, ...] = ()) -> Fact:
        return Fact(kind, tuple(anchors), requires, session=self.n)

    # -- planting ---------------------------------------------------------------------
    def goal(self, phrase: str, anchor: str) -> None:
        text = self.rng.choice(T.GOAL_LINES).format(g=phrase)
        self.head.append(_Atom([_u(text)], [self.fact("goal", anchor)]))

    def constraint(self) -> None:
        item = self.deck.draw("constraint", T.CONSTRAINTS)
        if item:
            c, anchor = item
            text = self.rng.choice(T.CONSTRAINT_LINES).format(c=c)
            self.body.append(_Atom([_u(text)], [self.fact("constraint", anchor)]))

    def decision(self, sentence: str, anchor: str, kind: str = "decision") -> _Atom:
        if self.rng.random() < 0.7:
            turn = _u(self.rng.choice(T.DECISION_WRAP).format(d=sentence))
        else:
            turn = _a(f"Given the trade-offs, here is where we landed. {sentence} I'll adjust "
                      f"the code below.\n```python\n{code_block(self.rng)}\n```")
        atom = _Atom([turn], [self.fact(kind, anchor)])
        self.body.append(atom)
        return atom

    def reversal(self) -> None:
        item = self.deck.draw("superseded", T.SUPERSEDED)
        if item:
            old, old_anchor, new, new_anchor = item
            first = self.decision(old, old_anchor, SUPERSEDED)
            second = self.decision(new, new_anchor)
            second.after = first

    def file(self) -> None:
        path = self.deck.draw("file", _files())
        if path:
            i = self.rng.randrange(len(T.FILE_LINES))
            text = T.FILE_LINES[i].format(p=path, code=code_block(self.rng))
            turn = _u(text) if i in (0, 3) else _a(text)
            self.body.append(_Atom([turn], [self.fact("file", str(path))]))

    def command(self) -> None:
        cmd = self.deck.draw("command", T.COMMANDS)
        if cmd:
            i = self.rng.randrange(len(T.COMMAND_LINES))
            text = T.COMMAND_LINES[i].format(c=cmd)
            turn = _u(text) if i in (1, 3) else _a(text)
            self.body.append(_Atom([turn], [self.fact("command", str(cmd))]))

    def error_fix(self, near: tuple[str, ...]) -> None:
        item = self.deck.draw("error", T.ERRORS)
        if not item:
            return
        err, err_anchor, fix, fix_anchor = item
        trace = (f"```\nTraceback (most recent call last):\n  File \"src/ledger/sync.py\", line "
                 f"{self.rng.randint(20, 400)}, in run\n    batch = fetch(cursor)\n{err}\n```")
        first = _u(f"getting this now:\n{trace}") if self.rng.random() < 0.6 else TurnIn(
            "tool", "shell", "pasted", f"$ python -m ledger.sync\n{trace}")
        turns = [first]
        for _ in range(self.rng.randint(0, 2)):
            turns += noise_turns(self.rng, near)
        turns.append(_a(f"Looked into it. {fix} Here is the change:\n```python\n"
                        f"{code_block(self.rng)}\n```\nRun the tests again to confirm."))
        self.body.append(_Atom(turns, [self.fact("error_fix", err_anchor,
                                                 requires=(fix_anchor,))]))

    def failed(self) -> None:
        item = self.deck.draw("failed", T.FAILED)
        if item:
            sentence, anchor = item
            text = f"{sentence} Anyway, let's look at the other thing first."
            turn = _u(text) if self.rng.random() < 0.6 else _a(
                f"Some notes on what we tried. {sentence} I would look elsewhere.")
            self.body.append(_Atom([turn], [self.fact("failed", anchor)]))

    def identifier(self) -> None:
        item = self.deck.draw("identifier", T.IDENTIFIERS)
        if item:
            sentence, anchor = item
            turn = _u(f"Quick note. {sentence} Now back to the importer.") \
                if self.rng.random() < 0.6 else _a(f"For reference: {sentence}")
            self.body.append(_Atom([turn], [self.fact("identifier", anchor)]))

    def open_problem(self) -> tuple[Fact, str] | None:
        """Plant an open problem; return it with the sentence that will later resolve it."""
        item = self.deck.draw("open", T.OPEN)
        if not item:
            return None
        sentence, anchor, resolution = item
        f = self.fact("open", anchor)
        self.body.append(_Atom([_u(sentence)], [f]))
        return f, resolution

    def resolve(self, open_fact: Fact, resolution: str) -> None:
        """Report an earlier open problem solved: it becomes a done fact."""
        self.body.append(_Atom([_a(resolution)], [self.fact("done", *open_fact.anchors)]))

    def task(self, finish: bool = True) -> str | None:
        t = self.deck.draw("task", T.TASKS)
        if not t:
            return None
        plan = _Atom([_u(self.rng.choice(T.TASK_PLAN).format(t=t))], [])
        self.body.append(plan)
        if finish:
            self.finish(str(t), plan)
        return str(t)

    def finish(self, t: str, after: _Atom | None = None) -> None:
        text = self.rng.choice(T.TASK_DONE).format(t=t, T=t[:1].upper() + t[1:])
        turn = _u(text) if self.rng.random() < 0.5 else _a(text)
        self.body.append(_Atom([turn], [self.fact("done", t)], after=after))

    def next_step(self) -> str | None:
        x = self.deck.draw("next", T.NEXTS)
        if x:
            text = self.rng.choice(T.NEXT_LINES).format(x=x)
            self.tail.append(_Atom([_u(text)], [self.fact("next", str(x))]))
        return str(x) if x else None

    def last_request(self) -> None:
        item = self.deck.draw("last", T.LAST_REQUESTS)
        if item:
            text, anchor = item
            self.tail.append(_Atom([_u(text)], [self.fact("last_request", anchor)]))

    # -- layout -----------------------------------------------------------------------
    def build(self, total: int, near: tuple[str, ...]) -> tuple[list[TurnIn], list[Fact]]:
        """Spread body atoms evenly over ``total`` turns; head first, tail last."""
        body = list(self.body)
        self.rng.shuffle(body)
        index = {id(a): i for i, a in enumerate(body)}
        for i, atom in enumerate(body):  # a change comes after what it changes
            if atom.after is not None and index.get(id(atom.after), -1) > i:
                j = index[id(atom.after)]
                body[i], body[j] = body[j], body[i]
                index[id(atom)], index[id(atom.after)] = j, i
        turns: list[TurnIn] = []
        facts: list[Fact] = []
        tail_len = sum(len(a.turns) for a in self.tail) + 1
        span = max(total - tail_len, 1)

        def place(atom: _Atom) -> None:
            turns.extend(atom.turns)
            facts.extend(replace(f, position=(len(turns) - 1) / max(total, 1)) for f in atom.facts)

        for atom in self.head:
            place(atom)
        for i, atom in enumerate(body):
            slot = int((i + 0.5) / max(len(body), 1) * span)
            while len(turns) < slot:
                turns.extend(noise_turns(self.rng, near))
            place(atom)
        while len(turns) < span:
            turns.extend(noise_turns(self.rng, near))
        for atom in self.tail:
            place(atom)
        turns.append(_a("Sure, here you go:\n\n" + "\n".join(
            f"- {self.rng.choice(('done', 'see above', 'as discussed'))}" for _ in range(3))))
        n = len(turns)  # filler exchanges may overshoot ``total`` by a turn or two
        facts = [replace(f, position=min(f.position * total / n, 1.0)) for f in facts]
        return turns, facts


def per_type(turns: int) -> int:
    """Facts per kind: grows with the session, slowly (a handoff has a fixed budget)."""
    return max(1, min(5, round(math.log2(max(turns, 50) / 50))))


def _session(number: int, turns: list[TurnIn], start: datetime) -> SessionIn:
    return SessionIn(number, tuple(turns), started_at=start,
                     completed_at=start + timedelta(hours=8))


def single(size: int, seed: int) -> Scenario:
    """One session of about ``size`` turns with every fact kind planted."""
    rng = random.Random(f"single:{size}:{seed}")
    deck = Deck(rng)
    plan = SessionPlan(rng, deck, 1)
    goal, anchor = T.GOALS[rng.randrange(len(T.GOALS))]
    plan.goal(goal, anchor)
    k = per_type(size)
    near = T.FILE_NAMES
    for i in range(k):
        if i < 2:
            plan.reversal()
        d = deck.draw("decision", T.DECISIONS)
        if d:
            plan.decision(*d)
        for step in (plan.constraint, plan.file, plan.command, plan.failed, plan.identifier,
                     plan.open_problem, plan.task):
            step()
        plan.error_fix(near)
    plan.next_step()
    plan.last_request()
    turns, facts = plan.build(size, near)
    start = datetime(2026, 3, 2, 9, 0)
    current = tuple(f for f in facts if f.kind != SUPERSEDED)
    superseded = tuple(f for f in facts if f.kind == SUPERSEDED)
    return Scenario(f"single-{size}", ProjectIn("Ledger sync", ""),
                    (Checkpoint(_session(1, turns, start), current, superseded),))


def chain(length: int, seed: int, size: int = 200) -> Scenario:
    """``length`` sessions in which decisions change, blockers clear and tasks finish."""
    rng = random.Random(f"chain:{length}:{seed}")
    deck = Deck(rng)
    goal, goal_anchor = T.GOALS[rng.randrange(len(T.GOALS))]
    current: list[Fact] = []
    superseded: list[Fact] = []
    reversible: list[tuple[str, str, str, str]] = []
    open_facts: list[tuple[Fact, str]] = []
    pending: list[str] = []  # planned tasks and next steps not done yet
    points: list[Checkpoint] = []
    near = T.FILE_NAMES
    start = datetime(2026, 3, 2, 9, 0)
    for s in range(1, length + 1):
        plan = SessionPlan(rng, deck, s)
        if s == 1:
            plan.goal(goal, goal_anchor)
        if reversible and rng.random() < 0.8:  # reverse an earlier decision
            _, old_anchor, new, new_anchor = reversible.pop(0)
            plan.decision(new, new_anchor)
            gone = [f for f in current if f.kind == "decision" and old_anchor in f.anchors]
            current = [f for f in current if f not in gone]
            superseded += [replace(f, kind=SUPERSEDED) for f in gone]
        if open_facts:  # a blocker gets resolved
            done, resolution = open_facts.pop(0)
            plan.resolve(done, resolution)
            current = [c for c in current if c.anchors != done.anchors]
        for t in pending:  # last session's next step and leftover tasks get done
            plan.finish(t)
            current = [c for c in current if c.anchors != (t,) or c.kind == "done"]
        pending = []
        item = deck.draw("superseded", T.SUPERSEDED)
        if item:
            reversible.append(item)
            plan.decision(item[0], item[1])
        for step in (plan.constraint, plan.file, plan.command, plan.failed, plan.identifier):
            step()
        plan.error_fix(near)
        planted = plan.open_problem()
        if planted:
            open_facts.append(planted)
        task = plan.task(finish=False)
        if task:
            pending.append(task)
        x = plan.next_step()
        if x:
            pending.append(x)
        plan.last_request()
        turns, facts = plan.build(size, near)
        current = [c for c in current if c.kind not in ("next", "last_request")]
        current += [f for f in facts if f.kind != SUPERSEDED]
        session = _session(s, turns, start + timedelta(days=s - 1))
        points.append(Checkpoint(session, tuple(current), tuple(superseded)))
    return Scenario(f"chain-{length}", ProjectIn("Ledger sync", ""), tuple(points))
