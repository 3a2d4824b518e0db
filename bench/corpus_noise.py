"""Filler turns for the synthetic corpus: chit-chat, side questions, long answers, tool output.

The filler is deliberately hostile to a naive summariser: it is full of artifacts (test
paths, pinned versions, ports, URLs, shas) and of sentences with decision-, constraint-
and done-like cue words that are *not* key facts, plus near-miss variants of the planted
file names. A builder that keeps whatever looks important, rather than ranking, loses.
"""
from __future__ import annotations

import random

from handoff.types import TurnIn

USER, BOT = "Dana", "Assistant"
_WORDS = ("batch", "cursor", "tenant", "ledger", "payout", "refund", "invoice", "rate",
          "webhook", "report", "queue", "client", "config", "schema", "token", "cache",
          "account", "export", "import", "statement", "feed", "session", "user", "price")
_PKGS = ("pydantic", "sqlalchemy", "httpx", "structlog", "typer", "rich", "orjson", "attrs",
         "tenacity", "boto3", "celery", "redis", "psycopg", "alembic", "freezegun", "faker")
_CHAT = ("ok", "thanks!", "hmm, one sec", "lol yes exactly", "brb, coffee", "that makes sense",
         "perfect, thanks", "wait, what?", "ok trying that now", "nice", "hm. ok", "cool cool",
         "ah right, forgot about that", "sorry, got pulled into a meeting", "yep")
_QUESTIONS = (
    "how do I mock datetime.now in pytest?", "why does mypy complain about this Optional?",
    "can you explain what this regex does?", "what's the difference between a list and a "
    "generator here?", "is there a cleaner way to write this loop?", "how do I get the diff of "
    "a single file against main?", "should this be a dataclass or a TypedDict?",
    "what does the `-x` flag do again?", "why is this test slow?",
    "can you make the error message friendlier?", "any idea why black reformats this line?",
)
_ADVICE = (
    "You should always pin direct dependencies in an application, less so in a library.",
    "Some teams prefer to keep functions under 50 lines, but it is a guideline, not a law.",
    "You could use Redis or Memcached for this; both would work at your scale.",
    "In general, avoid catching bare exceptions unless you re-raise them.",
    "A generator is lazy, so it only computes values as you iterate.",
    "This works because the context manager closes the connection even on errors.",
    "I added type hints to the helper while I was there.",
    "I renamed the local variable so it does not shadow the builtin.",
    "The tests pass on my side with that change.",
    "Another option would be to switch to asyncio entirely, but that is a bigger change.",
    "Keep in mind that the ORM caches identity maps per session.",
    "That is the classic late-binding closure gotcha in Python.",
    "It might be worth adding a regression test for this later.",
    "We could move this to a background task, though it's probably not necessary yet.",
    "Prefer composition over inheritance here, it keeps the tests simpler.",
    "If performance matters, the decision between the two depends on your read/write ratio.",
)


def _name(rng: random.Random) -> str:
    return f"{rng.choice(_WORDS)}_{rng.choice(_WORDS)}"


def _path(rng: random.Random, near: tuple[str, ...]) -> str:
    if near and rng.random() < 0.25:  # near-miss of a planted file name, other directory
        return f"{rng.choice(('src/legacy', 'lib', 'old', 'tests/unit'))}/{rng.choice(near)}.py"
    return f"{rng.choice(('src', 'lib', 'app', 'tests'))}/{_name(rng)}/{_name(rng)}.py"


def _version(rng: random.Random) -> str:
    return f"{rng.randint(0, 9)}.{rng.randint(0, 30)}.{rng.randint(0, 12)}"


def code_block(rng: random.Random, near: tuple[str, ...] = ()) -> str:
    """A plausible Python snippet that mentions a few incidental names."""
    fn, arg = _name(rng), rng.choice(_WORDS)
    lines = [f"from {rng.choice(_PKGS)} import {rng.choice(_WORDS).title()}",
             "", f"def {fn}({arg}: str, limit: int = {rng.randint(2, 500)}) -> list[str]:",
             f"    \"\"\"Return the {rng.choice(_WORDS)}s for {arg}.\"\"\"",
             f"    rows = load(\"{_path(rng, near)}\", {arg})",
             "    return [r.strip() for r in rows[:limit] if r]"]
    return "\n".join(lines)


def _pytest_output(rng: random.Random, near: tuple[str, ...]) -> str:
    n = rng.randint(6, 30)
    lines = ["$ pytest -q", f"platform linux -- Python 3.11.{rng.randint(1, 9)}, "
             f"pytest-{_version(rng)}"]
    for _ in range(n):
        lines.append(f"{_path(rng, near).replace('.py', '_test.py')}::test_{_name(rng)} PASSED")
    lines.append(f"{n} passed in {rng.randint(1, 90)}.{rng.randint(10, 99)}s")
    return "\n".join(lines)


def _tool_output(rng: random.Random, near: tuple[str, ...]) -> str:
    kind = rng.randrange(5)
    if kind == 0:
        return _pytest_output(rng, near)
    if kind == 1:
        files = "\n".join(f"\tmodified:   {_path(rng, near)}" for _ in range(rng.randint(2, 9)))
        return f"$ git status\nOn branch feat/{_name(rng)}\nChanges not staged for commit:\n{files}"
    if kind == 2:
        pins = "\n".join(f"{p}=={_version(rng)}" for p in rng.sample(_PKGS, rng.randint(4, 10)))
        return f"$ pip freeze\n{pins}"
    if kind == 3:
        port = rng.choice((5432, 6379, 8000, 9000, 5672))
        return (f"$ docker ps\nCONTAINER ID   IMAGE   PORTS\n{rng.getrandbits(48):012x}   "
                f"postgres:{rng.randint(12, 16)}   0.0.0.0:{port}->{port}/tcp")
    lines = [f"INFO GET https://api.example.com/v{rng.randint(1, 3)}/{rng.choice(_WORDS)}s/"
             f"{rng.randint(1, 9999)} 200 {rng.randint(3, 900)}ms" for _ in range(rng.randint(3, 12))]
    if rng.random() < 0.4:
        lines.append(f"WARNING DeprecationWarning: {rng.choice(_WORDS)}() is deprecated")
    return "\n".join(lines)


def _answer(rng: random.Random, near: tuple[str, ...]) -> str:
    paras = []
    for _ in range(rng.randint(1, 4)):
        paras.append(" ".join(rng.sample(_ADVICE, rng.randint(1, 3))))
        if rng.random() < 0.5:
            paras.append(f"```python\n{code_block(rng, near)}\n```")
    if rng.random() < 0.3:
        paras.append(f"You can try it with `pip install {rng.choice(_PKGS)}=={_version(rng)}` "
                     f"and `{_path(rng, near)}` as the entry point.")
    return "\n\n".join(paras)


def noise_turns(rng: random.Random, near: tuple[str, ...]) -> list[TurnIn]:
    """One to three filler turns forming a small exchange."""
    r = rng.random()
    if r < 0.25:
        return [TurnIn("user", USER, "typed", rng.choice(_CHAT))]
    if r < 0.55:
        return [TurnIn("user", USER, "typed", rng.choice(_QUESTIONS)),
                TurnIn("assistant", BOT, "typed", _answer(rng, near))]
    if r < 0.8:
        return [TurnIn("tool", "shell", "pasted", _tool_output(rng, near))]
    return [TurnIn("assistant", BOT, "typed", _answer(rng, near))]
