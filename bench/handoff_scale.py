"""Extractive handoff time and peak memory as a session grows: 1k, 10k and 100k turns.

The builder streams a session once and keeps bounded top-k candidates, so time should grow
about linearly and peak memory should follow the word budget, not the history. This bench
times `handoff.builder.build_handoff` on synthetic sessions (user requests, assistant answers
with paths, commands, code blocks, errors and URLs, notes and tool output), measures the
build call's own peak memory with tracemalloc in a second, separate call (tracemalloc slows
Python down, so it never overlaps the timing), and fits the growth exponent on log-log.
Peak MB is what the build allocates beyond its input; input MB (the turns themselves,
approximated with sys.getsizeof) is printed beside it for scale. The traced 100k call takes
about a minute.

    python -m bench.handoff_scale [--sizes 1000,10000,100000] [--budget WORDS]
"""
from __future__ import annotations

import argparse
import gc
import math
import random
import sys
import time
import tracemalloc
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from handoff.builder import build_handoff
from handoff.sizes import DEFAULT_BUDGET_WORDS
from handoff.types import ProjectIn, SessionIn, TurnIn

TARGET_10K_S = 2.0
TARGET_EXPONENT = 1.1

_DIRS = ("src/shop", "src/shop/api", "src/billing", "tests", "migrations", "web/src/components",
         "scripts", "docs")
_FILES = ("cart.py", "orders.py", "invoice.py", "models.py", "settings.py", "refunds.py",
          "test_cart.py", "0007_prices.sql", "Cart.tsx", "deploy.sh", "README.md", "worker.py")
_COMMANDS = ("pytest -q tests/test_cart.py", "docker compose up -d db", "alembic upgrade head",
             "npm run build", "git rebase -i origin/main", "make lint", "uvicorn shop.app:app --reload",
             "pip install -e .[test]", "celery -A shop.worker worker -l info", "ruff check src")
_ERRORS = ("KeyError: 'price'",
           'sqlalchemy.exc.IntegrityError: duplicate key value violates unique constraint "orders_pkey"',
           "TypeError: unsupported operand type(s) for +: 'Decimal' and 'float'",
           "ModuleNotFoundError: No module named 'stripe'",
           "ConnectionRefusedError: [Errno 111] Connection refused",
           "AssertionError: assert 41 == 42", "ValueError: negative amount")
_URLS = ("https://docs.stripe.com/api/refunds", "https://fastapi.tiangolo.com/tutorial/testing/",
         "https://github.com/acme/shop/pull/128", "http://127.0.0.1:8000/docs")
_ENV = ("STRIPE_SECRET_KEY", "DATABASE_URL", "REDIS_URL", "SHOP_DEBUG")
_FILLER = ("the totals look right now but the rounding in the summary is still off by a cent",
           "I would keep the service layer thin and push the validation into the schema",
           "that matches what the logs showed yesterday after the deploy",
           "the frontend only needs the id and the formatted price for this view",
           "we can revisit caching once the numbers are stable")


@dataclass(frozen=True, slots=True)
class Point:
    turns: int
    words: int
    input_mb: float
    seconds: float
    peak_mb: float
    artifacts: int
    output_words: int


def _path(rng: random.Random) -> str:
    return f"{rng.choice(_DIRS)}/{rng.choice(_FILES)}"


def _text(rng: random.Random, role: str) -> str:
    """One turn of plausible work; artifacts come from finite vocabularies, as in a real
    project, so the number of distinct artifacts levels off while turns keep growing."""
    if role == "user":
        return rng.choice((
            f"Can you make {_path(rng)} handle refunds? {rng.choice(_FILLER).capitalize()}.",
            f"Running `{rng.choice(_COMMANDS)}` gives:\n{rng.choice(_ERRORS)}",
            f"We must not change the public API of {_path(rng)}. Keep using {rng.choice(_ENV)}.",
            f"Next, look at issue #{rng.randint(1, 300)} and {rng.choice(_URLS)}",
            f"ok, {rng.choice(_FILLER)}.",
        ))
    if role == "assistant":
        return rng.choice((
            (f"I changed {_path(rng)} so the totals use Decimal; {rng.choice(_FILLER)}. Run:\n"
             f"```bash\n{rng.choice(_COMMANDS)}\n```"),
            (f"The error `{rng.choice(_ERRORS)}` comes from {_path(rng)}: the price is read "
             "before the migration runs. Fixed by reordering the startup hooks."),
            (f"We decided to keep {_path(rng)} small and move the logic to a service. "
             f"{rng.choice(_FILLER).capitalize()}."),
            ("Here is the patch:\n```python\ndef total(items):\n    return sum(i.price for i in "
             f"items)\n```\nThen set {rng.choice(_ENV)} and retry `{rng.choice(_COMMANDS)}`."),
            (f"Done: tests pass on Python 3.{rng.randint(10, 12)} and the server listens on port "
             f"{rng.choice((8000, 8080, 5432, 6379))}. Next step: {rng.choice(_FILLER)}."),
        ))
    if role == "tool":
        return (f"$ {rng.choice(_COMMANDS)}\n{rng.choice(_ERRORS)}\n"
                f"  File \"{_path(rng)}\", line {rng.randint(1, 400)}")
    return f"note: {rng.choice(_FILLER)}; see {_path(rng)}"


def synthetic_turns(count: int, seed: int = 11) -> list[TurnIn]:
    rng = random.Random(seed)
    start = datetime(2025, 1, 6, 9, tzinfo=UTC)
    turns: list[TurnIn] = []
    for i in range(count):
        role = ("user", "assistant", "user", "assistant", "tool", "assistant", "user",
                "assistant", "note", "assistant")[i % 10]
        author = {"user": "Rina", "assistant": "ChatGPT", "tool": "shell", "note": "Rina"}[role]
        source = "typed" if role == "note" else ("pasted" if role == "tool" else "forwarded")
        turns.append(TurnIn(role=role, author=author, source=source,  # type: ignore[arg-type]
                            text=_text(rng, role), created_at=start + timedelta(seconds=20 * i)))
    return turns


def previous_handoff(project: ProjectIn, budget: int) -> str:
    """Session 1's handoff, so the measured build also merges a previous document."""
    first = SessionIn(number=1, turns=synthetic_turns(200, seed=3), objectives="cart endpoints")
    return build_handoff(project, first, None, budget_words=budget).markdown


def measure(turns: Sequence[TurnIn], project: ProjectIn, previous: str, budget: int) -> Point:
    session = SessionIn(number=2, turns=turns, objectives="refunds and invoices",
                        notes="refunds work end to end")
    gc.collect()
    started = time.perf_counter()
    handoff = build_handoff(project, session, previous, budget_words=budget)
    seconds = time.perf_counter() - started
    del handoff
    gc.collect()
    tracemalloc.start()  # after the input exists: only the build's own allocations count
    try:
        handoff = build_handoff(project, session, previous, budget_words=budget)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    input_bytes = sys.getsizeof(turns) + sum(sys.getsizeof(t) + sys.getsizeof(t.text)
                                             for t in turns)
    return Point(turns=len(turns), words=sum(len(t.text.split()) for t in turns),
                 input_mb=input_bytes / 2**20,
                 seconds=seconds, peak_mb=peak / 2**20, artifacts=handoff.artifacts_total,
                 output_words=handoff.words)


def growth_exponent(xs: Sequence[float], ys: Sequence[float]) -> float:
    """Least-squares slope of log(y) on log(x): y ~ x^slope."""
    lx = [math.log(x) for x in xs]
    ly = [math.log(max(y, 1e-9)) for y in ys]
    mx, my = sum(lx) / len(lx), sum(ly) / len(ly)
    var = sum((x - mx) ** 2 for x in lx)
    return sum((x - mx) * (y - my) for x, y in zip(lx, ly, strict=True)) / var if var else float("nan")


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.handoff_scale",
                                     description=__doc__.split("\n")[0])
    parser.add_argument("--sizes", default="1000,10000,100000",
                        help="comma-separated session sizes in turns (default 1000,10000,100000)")
    parser.add_argument("--budget", type=int, default=DEFAULT_BUDGET_WORDS,
                        help=f"budget_words (default {DEFAULT_BUDGET_WORDS})")
    args = parser.parse_args(argv)
    sizes = sorted({int(s) for s in args.sizes.split(",") if s.strip()})
    if not sizes or sizes[0] < 1:
        parser.error("--sizes needs positive whole numbers")
    project = ProjectIn("Shop API", "FastAPI backend for a small shop")
    previous = previous_handoff(project, args.budget)
    print(f"handoff_scale: extractive build_handoff, budget {args.budget} words, "
          "merging a previous handoff")
    print(f"  {'turns':>8} {'input words':>12} {'input MB':>8} {'time s':>8} {'peak MB':>8} "
          f"{'artifacts':>9} {'out words':>9}")
    points: list[Point] = []
    for size in sizes:
        turns = synthetic_turns(size)
        point = measure(turns, project, previous, args.budget)
        del turns
        points.append(point)
        print(f"  {point.turns:>8,} {point.words:>12,} {point.input_mb:>8.2f} {point.seconds:>8.3f} "
              f"{point.peak_mb:>8.2f} "
              f"{point.artifacts:>9,} {point.output_words:>9,}")
    if len(points) >= 2:
        ns = [p.turns for p in points]
        time_exp = growth_exponent(ns, [p.seconds for p in points])
        mem_exp = growth_exponent(ns, [p.peak_mb for p in points])
        verdict = "meets" if time_exp <= TARGET_EXPONENT else "misses"
        print(f"  time growth exponent: n^{time_exp:.2f} ({verdict} the <= n^{TARGET_EXPONENT} target)")
        print(f"  peak memory growth exponent: n^{mem_exp:.2f} "
              f"(0 = set by the budget, 1 = proportional to history)")
    else:
        print("  growth exponent: needs at least two sizes")
    for point in points:
        if point.turns == 10_000:
            verdict = "meets" if point.seconds <= TARGET_10K_S else "misses"
            print(f"  10k turns: {point.seconds:.3f} s ({verdict} the <= {TARGET_10K_S:g} s target)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
