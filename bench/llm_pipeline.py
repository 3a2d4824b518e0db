"""LLM handoff pipeline at scale against a loopback OpenAI-compatible server.

    python -m bench.llm_pipeline [--tokens 10000,100000,1000000] [--latency 0.05]
                                 [--concurrency 4] [--context 8192] [--no-refine]
                                 [--server-chars-per-token 3.0]

For sessions of about 10k, 100k and 1M tokens it prints, for the shipped strategy (one call
when it fits, else parallel map + batched merge + one final call): calls, the largest
request in estimated tokens, wall time, and wall / (calls x latency / concurrency), i.e. how
close the run is to perfect use of the allowed concurrency (1.0 is ideal). For comparison it
also runs sequential refinement (one call per chunk, each carrying the growing draft), the
other design the issue allows. With --server-chars-per-token the server also enforces the
window, counting that many characters a token (stricter than Baton's estimate), and answers
a request that does not fit with a context-length 400: the shipped strategy's row then
says how many requests were refused and split again. The fake model runs in its own process
(tests/fake_llm_server.py) so its JSON work does not share the GIL with the pipeline. No
network beyond 127.0.0.1; exits non-zero only on a crash.
"""
from __future__ import annotations

import argparse
import asyncio
import contextlib
import random
import subprocess
import sys
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any

import httpx

from handoff.types import ProjectIn, SessionIn, TurnIn
from llm.chunking import MESSAGE_OVERHEAD, chunk_turns, safe_tokens
from llm.client import ChatClient, ClientSettings, Completion, ContextOverflow
from llm.prompts import final_system
from llm.tokens import estimate_tokens
from llm.writer import LLMSettings, write_handoff


@contextlib.contextmanager
def model_server(latency: float, context: int | None = None,
                 chars_per_token: float | None = None) -> Iterator[str]:
    """The loopback fake model in its own process; yields its base URL."""
    window = [str(context), str(chars_per_token)] if context and chars_per_token else []
    proc = subprocess.Popen([sys.executable, "-m", "tests.fake_llm_server", str(latency),
                             *window], stdout=subprocess.PIPE, text=True)
    try:
        assert proc.stdout is not None
        yield proc.stdout.readline().strip()
    finally:
        proc.kill()
        proc.wait()

WORDS = ("the cart total is wrong because we add floats; switch to Decimal and rerun pytest "
         "then check the migration and the CI job before the release of version").split()


def make_session(tokens: int, seed: int = 7) -> SessionIn:
    rng = random.Random(seed)
    turns: list[TurnIn] = []
    used = 0
    i = 0
    while used < tokens:
        text = (f"Step {i}: edited src/pkg/mod_{i % 500}.py and ran `pytest -k t{i}`. "
                + " ".join(rng.choice(WORDS) for _ in range(rng.randint(40, 90))))
        turns.append(TurnIn("assistant" if i % 2 else "user", "x", "pasted", text))
        used += estimate_tokens(text)
        i += 1
    return SessionIn(number=1, turns=turns)


class CountingClient(ChatClient):
    """Counts the requests the server refused as too long for its window."""

    refused: int = 0

    async def complete(self, *args: Any, **kwargs: Any) -> Completion:
        try:
            return await super().complete(*args, **kwargs)
        except ContextOverflow:
            self.refused += 1
            raise


@dataclass
class Row:
    tokens: int
    strategy: str
    calls: int
    largest: int
    wall_s: float
    ideal_s: float
    refused: int = 0

    @property
    def ratio(self) -> float:
        return self.wall_s / self.ideal_s if self.ideal_s else float("nan")


async def run_shipped(client: CountingClient, settings: LLMSettings, session: SessionIn,
                      latency: float, concurrency: int, tokens: int) -> Row:
    refused_before = client.refused
    started = time.perf_counter()
    _, gen = await write_handoff(client, settings, ProjectIn("Bench"), session, None)
    wall = time.perf_counter() - started
    if gen.fallback_reason:
        raise RuntimeError(f"unexpected fallback: {gen.fallback_reason}")
    return Row(tokens, "map+merge", gen.calls, gen.largest_request, wall,
               gen.calls * latency / concurrency, client.refused - refused_before)


async def run_refine(client: ChatClient, settings: LLMSettings, session: SessionIn,
                     latency: float, tokens: int) -> Row:
    """Sequential refinement: every request carries the draft so far plus one chunk."""
    system = final_system(2000, False)
    out = settings.output_tokens
    draft = "## Master prompt\n" + "draft " * int(out * 0.6)  # a full-size draft after chunk 1
    limit = (settings.context_tokens - safe_tokens(system) - safe_tokens(draft)
             - 2 * MESSAGE_OVERHEAD - out - 32)
    chunks = chunk_turns(session.turns, limit)
    largest = 0
    started = time.perf_counter()
    for chunk in chunks:
        messages = [{"role": "system", "content": system},
                    {"role": "user", "content": f"Draft so far:\n{draft}\n\nNext part:\n{chunk}"}]
        largest = max(largest, sum(safe_tokens(m["content"]) + MESSAGE_OVERHEAD
                                   for m in messages) + out)
        await client.complete(messages, max_tokens=out, temperature=0.2)
    wall = time.perf_counter() - started
    return Row(tokens, "refine", len(chunks), largest, wall, len(chunks) * latency)


async def bench(sizes: Sequence[int], latency: float, concurrency: int, context: int,
                refine: bool, server_chars_per_token: float | None = None) -> list[Row]:
    settings = LLMSettings(context_tokens=context)  # the answer's room derived from the window
    rows: list[Row] = []
    with model_server(latency, context, server_chars_per_token) as base_url:
        async with httpx.AsyncClient(limits=httpx.Limits(max_connections=concurrency * 2)) as http:
            client = CountingClient(http, ClientSettings(base_url, "bench/model", "k",
                                                         timeout_s=30, max_retries=0,
                                                         max_concurrency=concurrency))
            for tokens in sizes:
                session = make_session(tokens)
                rows.append(await run_shipped(client, settings, session, latency, concurrency,
                                              tokens))
                if refine:
                    rows.append(await run_refine(client, settings, session, latency, tokens))
    return rows


def main(argv: Sequence[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--tokens", default="10000,100000,1000000")
    p.add_argument("--latency", type=float, default=0.05, help="server latency per call, s")
    p.add_argument("--concurrency", type=int, default=4)
    p.add_argument("--context", type=int, default=8192)
    p.add_argument("--no-refine", action="store_true", help="skip the refine comparison")
    p.add_argument("--server-chars-per-token", type=float, default=None,
                   help="the server enforces the window counting this many characters a token")
    args = p.parse_args(argv)
    sizes = [int(x) for x in args.tokens.split(",") if x.strip()]
    rows = asyncio.run(bench(sizes, args.latency, args.concurrency, args.context,
                             not args.no_refine, args.server_chars_per_token))
    strict = (f" · server counts {args.server_chars_per_token} chars/token"
              if args.server_chars_per_token else "")
    print(f"LLM pipeline · latency {args.latency:.3f} s · concurrency {args.concurrency} · "
          f"context {args.context} tokens{strict}")
    print(f"{'session tokens':>14} {'strategy':>10} {'calls':>6} {'largest req':>11} "
          f"{'wall s':>8} {'wall/(calls*lat/conc)':>22} {'refused':>8}")
    for r in rows:
        print(f"{r.tokens:>14,} {r.strategy:>10} {r.calls:>6} {r.largest:>11,} {r.wall_s:>8.2f} "
              f"{r.ratio:>22.2f} {r.refused:>8}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
