"""Context-preservation benchmark: what a handoff keeps of a session, against cutting the
transcript to the same size.

Part 1, the headline, is realbench (``<repo>/../shared/realbench``): real work sessions
with hand-labelled key facts, each handed off exactly as ``baton handoff`` does at 5%, 10%
and 20% of the session and at the default budget, scored by realbench's own ``score.py``;
plus sessions under 40,000 characters reported apart, a 1 -> 2 -> 3 chain check, and the
targets, each MET or NOT MET (:mod:`bench.pres_realbench`). Part 2 is the seeded synthetic
corpus, a regression check of chains and staleness (:mod:`bench.pres_synthetic`).

    python -m bench.preservation [--realbench DIR] [--only ID ...] [--jobs 2]
                                 [--no-real] [--no-synthetic]
                                 [--sizes 200,1000,3000] [--chains N] [--seed S] [--budget W]

Prints the tables and a summary; exits non-zero only on bad arguments or a crash.
"""
from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TextIO

from bench.pres_realbench import REALBENCH, run_realbench
from bench.pres_synthetic import run_synthetic
from handoff.sizes import DEFAULT_BUDGET_WORDS


def main(argv: Sequence[str] | None = None, out: TextIO = sys.stdout) -> int:
    p = argparse.ArgumentParser(prog="python -m bench.preservation",
                                description=__doc__.split("\n\n")[0])
    real = p.add_argument_group("part 1: realbench")
    real.add_argument("--realbench", type=Path, default=REALBENCH, metavar="DIR",
                      help=f"the realbench folder (default: {REALBENCH})")
    real.add_argument("--only", action="append", metavar="ID",
                      help="only this realbench session (repeatable)")
    real.add_argument("--jobs", type=int, default=2,
                      help="processes for the realbench handoffs (1: in this process)")
    real.add_argument("--no-real", action="store_true", help="skip realbench")
    syn = p.add_argument_group("part 2: synthetic corpus")
    syn.add_argument("--sizes", default="200,1000,3000", help="synthetic session sizes (turns)")
    syn.add_argument("--chains", type=int, default=3, help="chains of 3-5 sessions to run")
    syn.add_argument("--seed", type=int, default=1)
    syn.add_argument("--budget", type=int, default=DEFAULT_BUDGET_WORDS,
                     help="synthetic handoff budget in words")
    syn.add_argument("--no-synthetic", action="store_true", help="skip the synthetic corpus")
    args = p.parse_args(argv)
    summary: list[str] = []
    if not args.no_real:
        lines = run_realbench(args.realbench, out, only=args.only, jobs=args.jobs)
        summary += lines or [f"realbench: not found at {args.realbench}"]
    if not args.no_synthetic:
        sizes = [int(s) for s in args.sizes.split(",") if s.strip()]
        summary += run_synthetic(sizes, args.chains, args.seed, args.budget, out)
    print("\n== summary ==", file=out)
    for line in summary:
        print(line, file=out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
