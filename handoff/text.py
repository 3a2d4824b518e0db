"""Small text helpers shared by the handoff builder.

Kept separate so truncation and key-word matching behave identically everywhere: a
truncated item must never cut a code span (or an artifact) in half, and "same task"
matching must use one definition of a key word.
"""
from __future__ import annotations

import re

# A code span is one atomic token so truncation never splits `pytest -q tests/`.
_TOKEN = re.compile(r"(?:[^\s`]|`+[^`]*?`+)+|\S+")
_WORD = re.compile(r"[A-Za-z][A-Za-z0-9_'+-]*")

STOPWORDS: frozenset[str] = frozenset(
    """
    a about above after again against all also am an and any are aren't as at be because
    been before being below between both but by can can't cannot could couldn't did didn't
    do does doesn't doing don't down during each few for from further get got had hadn't
    has hasn't have haven't having he her here hers herself him himself his how i i'm i've
    if in into is isn't it it's its itself just let let's like make me more most much must
    mustn't my myself need needs no nor not now of off on once only or other ought our ours
    ourselves out over own please same shall she should shouldn't so some such than that
    that's the their theirs them themselves then there there's these they they're this
    those through to too under until up use used using very via was wasn't we we'll we're
    we've were weren't what when where which while who whom why will with won't would
    wouldn't yes yet you you'll you're your yours yourself yourselves okay ok sure thanks
    thank great good fine next step steps done fixed works work working still also really
    maybe want going think know see look looks try tried one two first last new now again
    time today session let's lets need into onto ever every anything something thing things
    """.split()
)


def one_line(text: str) -> str:
    """Collapse all whitespace (including newlines) to single spaces."""
    return " ".join(text.split())


def clip(text: str, max_chars: int) -> str:
    """At most ``max_chars`` of a one-line text, cut at a space (never inside a word or
    path), with an ellipsis when cut."""
    if len(text) <= max_chars:
        return text
    cut = text.rfind(" ", 0, max_chars)
    return (text[:cut] if cut > max_chars // 2 else text[:max_chars - 1]).rstrip(",;: ") + "…"


def tokens(text: str) -> list[str]:
    """Whitespace tokens, with backtick code spans kept whole."""
    return _TOKEN.findall(text)


def truncate_words(text: str, max_words: int, ellipsis: str = "…") -> str:
    """First ``max_words`` tokens of a one-line text; never splits a code span."""
    toks = tokens(one_line(text))
    if len(toks) <= max_words:
        return " ".join(toks)
    kept = toks[: max(1, max_words)]
    return " ".join(kept).rstrip(",;:") + ellipsis


def keywords(text: str) -> frozenset[str]:
    """Lower-cased content words used to decide whether two items talk about one task."""
    out: set[str] = set()
    add = out.add
    for w in _WORD.findall(text):  # hot: called for every classified sentence
        w = w.lower().strip("'-+")
        if len(w) >= 3 and w not in STOPWORDS:
            add(_stem(w))
    return frozenset(out)


def _stem(word: str) -> str:
    """Crude suffix stripping so "reserve"/"reserved"/"reserving" match.

    First of -ing, -ed, -es, -s, -e that leaves at least four letters.
    """
    n = len(word)
    if n < 5:
        return word
    if n >= 7 and word.endswith("ing"):
        return word[:-3]
    if n >= 6 and word.endswith(("ed", "es")):
        return word[:-2]
    return word[:-1] if word.endswith(("s", "e")) else word


def unescape_cell(text: str) -> str:
    """A cell of an earlier handoff's session-log table, with its pipes unescaped."""
    return text.strip().replace("\\|", "|")


def count_words(text: str) -> int:
    """Whitespace-separated words, the unit of ``budget_words``."""
    return len(text.split())
