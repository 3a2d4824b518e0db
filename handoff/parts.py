"""The parts of a handoff kept nearly verbatim, each in its own share of the budget:
the goal, the last request and what followed it, the person's other requests and the
rules they set, the commits made, and what the assistant last said about where things
stand. What these parts show, the sentence selection (:mod:`handoff.select`) skips.
"""
from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from handoff.classify import is_constraint, is_statement
from handoff.document import CONSTRAINTS, REQUESTS
from handoff.previous import Previous
from handoff.scan import has_commit, units_of
from handoff.text import clip, one_line, truncate_words
from handoff.types import ProjectIn, SessionIn, TurnIn

PERSON_ROLES = ("user", "note")  # what the person said: typed notes, and "User:" turns
PROMPT_ITEM_WORDS = 30  # the goal, and each item of the master prompt, at most
LATEST_SHARE = 0.45  # of the budget: the end of the session, nearly verbatim
REQUEST_SHARE = 0.2  # the person's own messages, newest first
RULE_SHARE = 0.06  # and the rules their sentences set
COMMIT_SHARE = 0.1  # commits made, newest first
LAST_REQUEST_CHARS = 600
REQUEST_CHARS = 240
MIN_REQUEST_CHARS = 80
GOAL_MIN_WORDS = 6  # the first request that says something ("/add x.py" does not)
_HEADING = re.compile(r"^\s*#{1,6}\s+[^\n]*\n?")  # "# Problem Statement": a heading line
_TAG = re.compile(r"</?[A-Za-z][\w-]*>")  # <uploaded_files>, <issue_description>
_SLASH_COMMAND = re.compile(r"/[a-z][\w-]*(?:\s|$)")  # "/add x.py", not "/workspace/x"


@dataclass(frozen=True, slots=True)
class Parts:
    goal: list[str]
    request: str
    latest: list[tuple[str, str]]  # (role, text) in time order
    requests: list[str]  # the person's own messages, newest first
    constraints: list[str]  # those of them that set a rule
    commits: list[str]  # commits made, newest first: finished work in one line each
    state: str


def fixed_parts(project: ProjectIn, session: SessionIn, turns: list[TurnIn], prev: Previous,
                 who: str, budget: int) -> Parts:
    mine = [i for i, t in enumerate(turns) if t.role in PERSON_ROLES and t.text.strip()
            and not (t.source == "forwarded" and t.author != who)]
    last_i = mine[-1] if mine else -1
    asked = turns[last_i].text.strip() if mine else prev.last_request
    request = asked if len(asked) <= LAST_REQUEST_CHARS else opening(asked)
    request = clip(request, max(int(budget * LATEST_SHARE), MIN_REQUEST_CHARS))
    start = last_i + 1 if 0 <= last_i < len(turns) - 1 else next(
        (i for i in range(last_i - 1, -1, -1) if turns[i].role not in PERSON_ROLES), 0)
    latest, latest_from = _latest(turns, last_i, start,
                                  int(budget * LATEST_SHARE) - len(request))
    requests: list[str] = []
    constraints: list[str] = []
    room = int(budget * REQUEST_SHARE)
    seen = {request}
    for i in reversed(mine[:-1]):
        if i >= latest_from:  # shown whole in the latest exchange
            continue
        text = clip(one_line(turns[i].text), REQUEST_CHARS)
        if text in seen or len(text) + 3 > room:
            continue
        seen.add(text)
        (constraints if is_constraint(text) else requests).append(text)
        room -= len(text) + 3
    older = [(REQUESTS, clip(one_line(prev.last_request), REQUEST_CHARS))] if mine else []
    older += [(u.section, u.text) for u in prev.units if u.section in (REQUESTS, CONSTRAINTS)]
    for section, text in older:  # older sessions' requests and rules, after this one's
        if text and text not in seen and len(text) + 3 <= room:
            seen.add(text)
            (constraints if section == CONSTRAINTS else requests).append(text)
            room -= len(text) + 3
    constraints += _rules(turns, mine, int(budget * RULE_SHARE),
                          "\n".join([request, *requests, *constraints]))
    goal = list(prev.goal)
    if not goal:
        asks = [opening(turns[i].text) for i in mine]
        first = project.description.strip() or next(
            (a for a in asks if len(a.split()) >= GOAL_MIN_WORDS and not _SLASH_COMMAND.match(a)), "")
        if first:
            goal.append(truncate_words(first, PROMPT_ITEM_WORDS))
    if session.objectives.strip():
        goal.append(f"Session {session.number}: {one_line(session.objectives)}")
    return Parts(goal, request, latest, requests, constraints,
                  _commits(turns, int(budget * COMMIT_SHARE), latest_from), _state(turns))


def _within(items: Iterable[str], room: int, shown: str = "") -> list[str]:
    """``items`` in their order, each once and not already ``shown``, until the next one
    does not fit in ``room`` characters (a bullet costs 3 more)."""
    out: list[str] = []
    for text in items:
        if text in shown or text in out:
            continue
        if len(text) + 3 > room:
            break
        out.append(text)
        room -= len(text) + 3
    return out


def _commits(turns: list[TurnIn], room: int, shown_from: int) -> list[str]:
    """The commits made before the latest exchange, newest first, each once (by its
    hash), within ``room``."""
    made: dict[str, str] = {}
    for pos in range(min(shown_from, len(turns)) - 1, -1, -1):
        if not has_commit(turns[pos].text):
            continue  # most turns: no need to read them into units
        for u in units_of(pos, turns[pos]):
            if u.commit:
                made.setdefault(u.text.split()[1], u.text)
    return _within(made.values(), room)


def _rules(turns: list[TurnIn], mine: list[int], room: int, shown: str) -> list[str]:
    """Sentences of the person's messages that set a rule (must, never, only...), newest
    first: a long message's rules are past the opening that the requests show."""
    return _within((clip(u.text, REQUEST_CHARS) for i in reversed(mine)
                    for u in units_of(i, turns[i])
                    if not (u.bulk or u.command or u.text in shown) and is_constraint(u.text)),
                   room, shown)


def opening(text: str) -> str:
    """A long message's first paragraph, where a task is stated before any manual; markup
    tags dropped, and a paragraph that ends in a colon or comes before a heading read with
    the one it introduces."""
    out: list[str] = []
    paras = [p for p in text.strip().split("\n\n") if _TAG.sub(" ", p).strip()]
    for n, para in enumerate(paras):
        out.append(one_line(_HEADING.sub("", _TAG.sub(" ", para))))
        follows = paras[n + 1] if n + 1 < len(paras) else ""
        if not (out[-1].endswith(":") or _HEADING.match(follows)):
            break
    return clip(" ".join(out), LAST_REQUEST_CHARS)


def _latest(turns: list[TurnIn], request_at: int, start: int, room: int
            ) -> tuple[list[tuple[str, str]], int]:
    """What the assistant (and its tools) did and said in the latest exchange, from the
    end backwards, as units so code bodies and diffs do not eat the room; and the first
    turn shown whole."""
    out: list[tuple[str, str]] = []
    for pos in range(len(turns) - 1, start - 1, -1):
        if pos == request_at:
            continue
        turn = turns[pos]
        texts = [f"`{u.text}`" if u.command else u.text for u in units_of(pos, turn)]
        for text in reversed(texts):
            if len(text) + 2 > room:
                return out[::-1], pos + 1
            out.append((turn.role, text))
            room -= len(text) + 2
    return out[::-1], start


def _state(turns: list[TurnIn]) -> str:
    """What the assistant last said about where things stand: the first statement (not
    an instruction, not a question) of its last message that has one."""
    for pos in range(len(turns) - 1, -1, -1):
        if turns[pos].role != "assistant":
            continue
        for u in units_of(pos, turns[pos]):
            if not u.command and is_statement(u.text) and len(u.text.split()) >= 4:
                return u.text
    return ""
