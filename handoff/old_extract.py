"""Split turns into sentences and classify them into handoff sections by cue phrases.

Cue phrases are crude but predictable; the order of the checks encodes which reading
wins when a sentence carries several cues ("do not retry X, it failed" is a failed
approach, not a constraint; "not fixed yet" is an open problem, not done work).
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Iterator

from handoff.document import CONSTRAINTS, DECISIONS, DONE, GOAL, NEXT, OPEN, PROBLEMS, STATE
from handoff.text import keywords, one_line, tokens

MAX_SENTENCE_TOKENS = 80
FAILED_PREFIX = "Failed, do not retry: "

FENCE_BLOCK = re.compile(r"^[ \t]*(`{3,}|~{3,})[^\n]*\n.*?(?:^[ \t]*\1[ \t]*$|\Z)",
                          re.MULTILINE | re.DOTALL)
_BOUNDARY = re.compile(r"(?<=[.!?])[\"')\]]?\s+(?=[A-Z0-9\"'`(\[*_#~])")
_LINE_PREFIX = re.compile(r"^\s*(?:>\s*)*(?:[-*+•]|\d{1,3}[.)])?\s*")
_MARKERS = frozenset("-*+•>0123456789")
_RULE_CHARS = "-=_*#~ "  # a line made only of these is a horizontal rule or decoration
_ABBREV = frozenset({"e.g.", "i.e.", "etc.", "vs.", "mr.", "mrs.", "dr.", "cf.", "approx.",
                     "no.", "fig.", "st.", "jr.", "sr.", "inc.", "ltd."})


@dataclass(frozen=True, slots=True)
class Cue:
    """A cue regex (matched on lower-cased text) gated by words it cannot match without.

    The gate is a set intersection, so the (slow, many-alternative) regex only runs on
    the few sentences that could match; that keeps a 100k-turn scan fast.
    """

    triggers: frozenset[str]
    rx: re.Pattern[str]

    def search(self, low: str, words: frozenset[str]) -> bool:
        return not self.triggers.isdisjoint(words) and self.rx.search(low) is not None


def _cue(triggers: str, *alts: str) -> Cue:
    """Only whether a cue matches is used, so alternatives that all begin at a word
    boundary are merged under one ``\\b``: the engine then tests the boundary once per
    position and the alternatives' first letters, instead of every alternative in turn."""
    bounded = [a[2:] for a in alts if a.startswith(r"\b")]
    rest = [a for a in alts if not a.startswith(r"\b")]
    merged = ([r"\b(?:" + "|".join(bounded) + ")"] if bounded else []) + rest
    return Cue(frozenset(triggers.split()), re.compile("|".join(merged)))


_WORDS = re.compile(r"[a-z](?:[a-z0-9'-]*[a-z0-9])?")  # trailing ' and - are not part of a word
NEGATION = _cue("not never no cannot", r"\b(?:not|never|no longer|cannot)\b")
FAILED = _cue("work help fix retry again dead gave abandon abandoned luck worse approach "
              "attempt idea workaround tried failed difference effect",
              r"\b(?:didn'?t|did not|doesn'?t|does not|won'?t|will not) (?:work|help|fix)",
              r"\b(?:do not|don'?t|never) (?:retry|try .{0,40}? again)", r"\bdead end\b",
              r"\bgave up\b", r"\babandon(?:ed)?\b", r"\bno luck\b",
              r"\bmade (?:it|things) worse\b",
              r"\b(?:approach|attempt|idea|workaround) (?:failed|did ?n[o']t)",
              r"\btried\b.{1,80}?\bbut\b", r"\b(?:this|that|it) failed\b",
              r"\b(?:made|makes) (?:no|zero) difference\b", r"\bhad no effect\b")
FIX = _cue("fix fixed solved resolved root caused turned problem issue bug cause culprit "
           "workaround sorted rid",
           r"\bfix(?:ed)? (?:it |this |that )?(?:by|with|via)\b", r"\bthe fix (?:is|was)\b",
           r"\bfix was to\b", r"\b(?:solved|resolved) (?:it |this )?(?:by|with)\b",
           r"\broot cause\b", r"\b(?:was|is) caused by\b", r"\bturned out\b",
           r"\bthe (?:problem|issue|bug|cause|culprit) (?:is|was)\b", r"\bworkaround\b",
           r"\bfixed\b.*\b(?:because|by)\b", r"\bfixed it\b", r"\bgot rid of\b",
           r"\bsorted (?:it|this|that|the [\w.-]+(?: [\w.-]+)?) out\b")
OPEN_CUE = _cue("blocked blocker blockers blocking still open unresolved not unclear waiting "
                "flaky needs need idea can't cant known",
                r"\bblock(?:ed|er|ers|ing)\b", r"\bstill (?:fail(?:s|ing)?|broken|crash(?:es|ing)"
                r"|an issue|open|unresolved|missing|flaky|red|not)\b", r"\bopen question",
                r"\bunresolved\b", r"\bnot (?:yet )?(?:fixed|resolved|working|clear|sure|done)\b",
                r"\bnot yet\b", r"\bunclear\b", r"\bwaiting (?:on|for)\b", r"\bflaky\b",
                r"\bneeds? investigation\b", r"\bno idea why\b", r"\bcan'?t figure\b",
                r"\bopen problem", r"\bknown (?:issue|bug)\b")
GOAL_STRONG = _cue("goal goal: objective objectives objective: build aim purpose building scope "
                   "working",
                   r"\b(?:the|our|my|main|project) goal\b", r"\bgoal(?: is|:)", r"\bobjective",
                   r"\bwe need to build\b", r"\b(?:i|we) want to build\b", r"\bthe aim\b",
                   r"\bthe purpose\b", r"\bwe(?:'re| are) building\b", r"\btrying to build\b",
                   r"\bin scope\b", r"\bout of scope\b",
                   r"^(?:\w+[,!.]? )?(?:i'?m|we'?re|i am|we are) (?:working on|building) (?:an?|the|our|my)\b")
NEXT_STRONG = _cue("next then after todo to-do finally later still should let's lets we'll "
                   "remaining plan follow follow-up left pick first tomorrow",
                   r"^(?:next|then|after that|todo|to-do|finally|later)\b", r"\bnext steps?\b",
                   r"\bnext up\b", r"\bnext (?:time|session)\b", r"\btodo\b", r"\bto-do\b",
                   r"\bstill (?:need|have) to\b", r"\bwe should\b", r"\blet'?s do\b",
                   r"\bwe'?ll need to\b", r"\bremaining work\b", r"\bplan is to\b",
                   r"\bfollow[- ]up\b", r"\bleft to do\b", r"\bpick (?:this|it) (?:back )?up\b",
                   r"\bthe first thing (?:is|to do)\b", r"^tomorrow\b")
NEXT_LEAD = re.compile(r"(?:next|todo|to-do)\b|(?:then|after that|finally|later),? (?:we should|"
                       r"let'?s|we'?ll|we need to|i'?ll|you should)\b")
DECISION = _cue("decided decide decision let's lets we'll going go instead switch switched "
                "switching chose choose opted settled rather use agreed replace replaced "
                "replacing move moved moving longer went settling change scrap ditch keep",
                r"\bdecid(?:ed|e to)\b", r"\bdecision\b",
                r"\b(?:let'?s|we'?ll|we will) (?:use|go with|keep|stick|store|put|run|cache|send|"
                r"schedule|host|deploy)\b", r"\bgoing with\b", r"\bgo with\b", r"\bwent with\b",
                r"\binstead of\b", r"\bswitch(?:ed|ing)? (?:[\w-]+ ){0,3}(?:to|from|over)\b",
                r"\bchose\b", r"\bsettl(?:ed|ing) on\b", r"\bchange of plan\b",
                r"\b(?:scrap|ditch)\b", r"\bwe keep\b",
                r"\bchoose\b", r"\bopted\b", r"\bsettled on\b", r"\brather than\b",
                r"\bwe will use\b", r"\bagreed\b", r"\breplac(?:e|ed|ing)\b.{1,60}?\bwith\b",
                r"\bmov(?:e|ed|ing) (?:from|off)\b", r"\bno longer use\b")
# Leads that mark a standing instruction: "btw, keep ...", "Before I forget: ...".
_MEMO = r"^(?:(?:btw|also|and|please|oh|remember|before i forget)[,:]? )*"
CONSTRAINT = _cue("must mustn't mustnt never always don't dont do prefer preferred preference "
                  "prefers should shouldn't no avoid only require required requirement has "
                  "not without keep use have rule every remember forget",
                  r"\bmust(?:n'?t)?\b", r"\bnever\b", r"\balways\b", r"\bdon'?t\b",
                  r"\bdo not\b", r"\bprefer(?:red|ence|s)?\b", r"\bshould(?:n'?t| not)\b",
                  r"\bno new\b", r"\bavoid\b", r"\bonly use\b", r"\brequire(?:d|ment)\b",
                  r"\b(?:has|have) to\b", r"\bnot allowed\b", r"\bwithout asking\b",
                  r"\bone rule\b", r"\bevery\b.{1,60}\bneeds?\b",
                  _MEMO + r"(?:keep|stick to|stay on)\b",
                  r"^(?:(?:btw|also|and|please|oh)[,:]? )*(?:remember(?: that)?|before i forget)"
                  r"[,:]? (?!to\b)",
                  r"\bkeep\b.{1,40}\b(?:green|passing)\b", r"\buse \S+,? not \S+")
DONE_CUE = _cue("done fixed implemented added merged finished complete completed shipped "
                "deployed resolved closed landed created wrote written refactored migrated set "
                "renamed removed upgraded bumped solved ported",
                r"\bdone\b", r"\bfixed\b", r"\bimplemented\b", r"\badded\b", r"\bmerged\b",
                r"\bfinished\b", r"\bcompleted?\b", r"\bshipped\b", r"\bdeployed\b",
                r"\bresolved\b", r"\bclosed\b", r"\blanded\b", r"\bcreated\b",
                r"\bwr(?:ote|itten)\b", r"\brefactored\b", r"\bmigrated\b", r"\bset up\b",
                r"\brenamed\b", r"\bremoved\b", r"\bupgraded\b", r"\bbumped\b",
                r"\bsolved\b", r"\bported\b")
STATE_CUE = _cue("works working pass passes passed passing green running live currently "
                 "builds compiles now",
                 r"\bworks\b", r"\bworking\b", r"\bpass(?:es|ed|ing)?\b", r"\bgreen\b",
                 r"\bis running\b", r"\bup and running\b", r"\bis live\b", r"\bcurrently\b",
                 r"\b(?:builds|compiles) (?:fine|cleanly|again|now)\b",
                 r"\bnow (?:runs|works)\b")
GOAL_WEAK = _cue("want like", r"\b(?:i|we) want to\b", r"\b(?:i|we)'?d like to\b",
                 r"\bwant to build\b")
NEXT_WEAK = _cue("need let's lets we'll going plan should",
                 r"\b(?:i|we) need to\b", r"\blet'?s\b", r"\bwe'?ll\b", r"\bgoing to\b",
                 r"\bplan to\b", r"\bshould\b")
RESOLVES = _cue("done fixed resolved solved implemented finished complete completed merged "
                "closed shipped deployed works passes passed longer now added",
                r"\bdone\b", r"\bfixed\b", r"\bresolved\b", r"\bsolved\b", r"\bimplemented\b",
                r"\bfinished\b", r"\bcompleted?\b", r"\bmerged\b", r"\bclosed\b",
                r"\bshipped\b", r"\bdeployed\b", r"\bworks\b", r"\bpass(?:es|ed)\b",
                r"\bno longer (?:fails|failing|an issue|crashes)\b",
                r"\bnow (?:works|passes|runs)\b", r"\badded\b")
CHATTER = _cue("sure great thanks thank ok okay got sounds perfect cool nice awesome of "
               "certainly absolutely happy glad let hope feel here's here",
               r"^(?:sure|great|thanks|thank you|ok(?:ay)?|got it|sounds good|perfect|cool|"
               r"nice|awesome|of course|certainly|absolutely|happy to help|glad)\b[ !.,]*$",
               r"\blet me know if\b", r"\bhope (?:this|that) helps\b", r"\bfeel free to\b",
               r"\bhere(?:'s| is) (?:the|an?) (?:updated|revised|complete)\b")


# A sentence that announces a conclusion; the next sentence of the turn states it
# ("Right, that settles it. The importer will stream the CSV in chunks of 5,000 rows.").
ANNOUNCES = _cue("settles settled landed overnight decided decision verdict call conclusion "
                 "final thinking",
                 r"\b(?:that|this) settles it\b", r"\bwhere we landed\b", r"\bwe(?:'ve)? landed on\b",
                 r"\bthought about it\b", r"\bslept on it\b", r"\bafter (?:some )?thinking\b",
                 r"\b(?:final|my) (?:decision|verdict|call|answer)\b", r"\bdecision made\b",
                 r"\bin conclusion\b")

_ANNOUNCE_GATE = re.compile(r"settle|landed|overnight|decid|decision|verdict|call|conclusion|"
                            r"thinking")  # most sentences have none of these: skip _words


def announces(sentence: str) -> bool:
    """Does a sentence only announce that a decision follows?"""
    low = sentence.lower()
    return _ANNOUNCE_GATE.search(low) is not None and ANNOUNCES.search(low, _words(low))


_HEDGE = re.compile(r"\b(?:could|might|would|may|option|options|alternatively|either|if)\b")
_NEG_NEAR = re.compile(r"(?:\bnot|\bnever|n't|\bno longer)\s+(?:[\w-]+\s+){0,2}?(?:done|fixed|"
                       r"finished|implemented|complete|completed|merged|deployed|resolved|added|"
                       r"working|work|works|pass|passing|passes|green|running|ready)\b")


def _words(low: str) -> frozenset[str]:
    return frozenset(_WORDS.findall(low))


def _negated(low: str, words: frozenset[str]) -> bool:
    return "n't" in low or NEGATION.search(low, words)


ROLE_WEIGHT: dict[str, float] = {"user": 3.0, "note": 3.0, "assistant": 1.5, "tool": 0.4,
                                 "system": 0.4}


@dataclass(frozen=True, slots=True)
class Label:
    """Which section a sentence belongs to, and how strongly the cue said so."""

    section: str
    strength: float
    resolves: bool = False  # reports completion, so it may close a next step or problem


def prose(text: str) -> str:
    """Turn text without fenced code blocks (those only feed the artifact record)."""
    if "```" in text or "~~~" in text:
        return FENCE_BLOCK.sub("\n", text)
    return text


def split_sentences(text: str, limit: int = 400) -> Iterator[str]:
    """One-line sentences of a turn, never split inside a code span; at most ``limit``."""
    n = 0
    for raw in prose(text).split("\n"):
        line = raw.strip()
        if line[:1] in _MARKERS:
            line = _LINE_PREFIX.sub("", line, count=1).strip()
        if not line or line.startswith("|") or not line.strip(_RULE_CHARS):
            continue
        start = 0
        for m in _BOUNDARY.finditer(line):
            head = line[start:m.start()]
            last = head.rsplit(" ", 1)[-1].lower()
            if last in _ABBREV or head.count("`") % 2 or len(head) < 3:
                continue
            n += 1
            yield _cap(head)
            if n >= limit:
                return
            start = m.end()
        if line[start:].strip():
            n += 1
            yield _cap(line[start:])
            if n >= limit:
                return


def _cap(sentence: str) -> str:
    if len(sentence) < 400:
        return " ".join(sentence.split())
    toks = tokens(one_line(sentence))
    if len(toks) > MAX_SENTENCE_TOKENS:
        return " ".join(toks[:MAX_SENTENCE_TOKENS]) + " …"
    return " ".join(toks)


def classify(sentence: str, role: str) -> Label | None:
    """Section for a sentence, or None for chatter and plain reference text."""
    s = sentence.strip()
    if len(s) < 8:
        return None
    low = s.lower()
    w = _words(low)
    if CHATTER.search(low, w):
        return None
    question = s.endswith("?")
    speaker = role in ("user", "note")
    if FAILED.search(low, w):
        return Label(PROBLEMS, 1.5)
    if NEXT_LEAD.match(low) and not question:
        return Label(NEXT, 1.2)  # "Next we should fix the flaky test" is a plan first
    if FIX.search(low, w) and not question:
        return Label(PROBLEMS, 1.2, resolves=True)
    if OPEN_CUE.search(low, w):
        return Label(OPEN, 1.2)
    if GOAL_STRONG.search(low, w):
        return Label(GOAL, 1.2)
    if question:
        return None
    if NEXT_STRONG.search(low, w):
        return Label(NEXT, 1.0)
    if DECISION.search(low, w) and not _HEDGE.search(low):
        return Label(DECISIONS, 1.0)
    if CONSTRAINT.search(low, w):
        return Label(CONSTRAINTS, 1.0 if speaker else 0.3)
    if DONE_CUE.search(low, w):
        return Label(OPEN, 0.6) if _NEG_NEAR.search(low) else Label(DONE, 0.8, resolves=True)
    if STATE_CUE.search(low, w):
        return Label(OPEN, 0.6) if _NEG_NEAR.search(low) else Label(STATE, 0.8, resolves=True)
    if speaker and GOAL_WEAK.search(low, w):
        return Label(GOAL, 0.6)
    if speaker and NEXT_WEAK.search(low, w):
        return Label(NEXT, 0.5)
    return None


def resolves(sentence: str) -> bool:
    """Does a sentence report something as finished (and not in the negative)?"""
    low = sentence.lower()
    w = _words(low)
    return RESOLVES.search(low, w) and not _negated(low, w) \
        and not OPEN_CUE.search(low, w) and not sentence.rstrip().endswith("?")


def score(sentence: str, role: str, label: Label, n_artifacts: int,
          n_keys: int | None = None) -> float:
    """Informativeness: who said it, how specific it is, how clear the cue was.

    ``n_keys`` (the number of :func:`keywords`) may be passed when already known.
    """
    keys = len(keywords(sentence)) if n_keys is None else n_keys
    words = len(sentence.split())
    value = ROLE_WEIGHT.get(role, 1.0) + label.strength + 0.15 * min(keys, 12)
    value += 1.2 * min(n_artifacts, 3)
    if words < 4:
        value -= 1.0
    if words > 50:
        value -= 0.5
    return round(value, 3)
