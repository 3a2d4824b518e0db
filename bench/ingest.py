"""Ingest throughput: updates/s through `Application.process_update`, Baton vs a bare PTB echo bot.

Both applications get the same mix of typed, forwarded and pasted messages, the same kind of
offline Bot API (tests/fake_bot_api.py) and run in the same process, one after the other, so
the ratio says what Baton's handlers, access gate, paste stitching and SQLite commits cost on
top of the framework. An update counts as done for Baton only when its turns are committed:
typed text waits in the paste-stitch debounce, so the clock stops when the turn count in
SQLite reaches what was sent (the drain is included and printed).

    python -m bench.ingest [--updates N] [--rounds R] [--stitch-window S]
"""
from __future__ import annotations

import argparse
import asyncio
import random
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from telegram import Update
from telegram.ext import (
    Application,
    ApplicationBuilder,
    ContextTypes,
    MessageHandler,
    filters,
)

from bot.app import build_application
from bot.config import (
    AccessConfig,
    CaptureConfig,
    Config,
    StorageConfig,
    TelegramConfig,
)
from handlers.context import BatonApp
from tests.fake_bot_api import FakeBotAPI

TOKEN = "123456:BENCH-TOKEN-not-real"
USER_ID = 4242
CHAT_ID = USER_ID  # a private chat
FIRST_MESSAGE_ID = 1000
DRAIN_TIMEOUT_S = 60.0

_PATHS = ("src/shop/cart.py", "api/routes/orders.py", "tests/test_checkout.py", "Dockerfile",
          "migrations/0007_prices.sql", "web/src/components/Cart.tsx", "pyproject.toml")
_COMMANDS = ("pytest -q tests/test_checkout.py", "docker compose up -d db",
             "alembic upgrade head", "npm run build", "git rebase -i origin/main")
_ERRORS = ("KeyError: 'price'", "sqlalchemy.exc.IntegrityError: duplicate key value",
           "TypeError: unsupported operand type(s) for +: 'Decimal' and 'float'",
           "ModuleNotFoundError: No module named 'stripe'")


@dataclass(frozen=True, slots=True)
class Result:
    name: str
    updates: int
    seconds: float
    drain_s: float = 0.0

    @property
    def rate(self) -> float:
        return self.updates / self.seconds if self.seconds > 0 else float("inf")


def _sentence(rng: random.Random) -> str:
    """A plausible line of AI-assisted work mentioning files, commands and errors."""
    return rng.choice((
        f"I changed {rng.choice(_PATHS)} so the totals use Decimal.",
        f"Run `{rng.choice(_COMMANDS)}` and tell me what it prints.",
        f"It fails with {rng.choice(_ERRORS)} when the cart is empty.",
        f"We decided to keep {rng.choice(_PATHS)} small and move the logic to a service.",
        f"Next: add a test for issue #{rng.randint(1, 400)} and check port {rng.randint(3000, 9000)}.",
    ))


def update_mix(count: int, seed: int = 7) -> tuple[list[dict[str, Any]], int]:
    """`count` message payloads (4 typed, 4 forwarded, 2 pasted in every 10) and the number of
    turns they should become. Message ids step by 2 so no two typed messages stitch together."""
    rng = random.Random(seed)
    payloads: list[dict[str, Any]] = []
    turns = 0
    for i in range(count):
        kind = ("typed", "forwarded", "typed", "forwarded", "pasted",
                "forwarded", "typed", "forwarded", "typed", "pasted")[i % 10]
        message: dict[str, Any] = {
            "message_id": FIRST_MESSAGE_ID + 2 * i, "date": int(time.time()),
            "chat": {"id": CHAT_ID, "type": "private", "first_name": "Rina"},
            "from": {"id": USER_ID, "is_bot": False, "first_name": "Rina"},
        }
        if kind == "typed":
            message["text"] = _sentence(rng)
            turns += 1
        elif kind == "forwarded":
            message["text"] = " ".join(_sentence(rng) for _ in range(rng.randint(2, 6)))
            message["forward_origin"] = {"type": "user", "date": 1, "sender_user": {
                "id": 555, "is_bot": True, "first_name": "ChatGPT"}}
            turns += 1
        else:
            message["text"] = (f"User: {_sentence(rng)}\n"
                               f"Assistant: {_sentence(rng)} {_sentence(rng)}")
            turns += 2
        payloads.append({"update_id": i + 1, "message": message})
    return payloads, turns


async def _start(app: Application[Any, Any, Any, Any, Any, Any]) -> None:
    """Start the way the bot and tests/harness.py do, without polling."""
    await app.initialize()
    if app.post_init:
        await app.post_init(app)
    await app.start()


async def _stop(app: Application[Any, Any, Any, Any, Any, Any]) -> None:
    await app.stop()
    if app.post_shutdown:
        await app.post_shutdown(app)
    await app.shutdown()


async def _echo(update: Update, _context: Any) -> None:
    message = update.effective_message
    assert message is not None and message.text is not None
    await message.reply_text(message.text)


async def run_bare(payloads: Sequence[dict[str, Any]]) -> Result:
    """The baseline: a PTB Application with one echo MessageHandler."""
    app = (ApplicationBuilder().token(TOKEN).context_types(ContextTypes())
           .request(FakeBotAPI()).get_updates_request(FakeBotAPI()).build())
    app.add_handler(MessageHandler(filters.TEXT & ~filters.COMMAND, _echo))
    await _start(app)
    try:
        updates = [Update.de_json(p, app.bot) for p in payloads]
        started = time.perf_counter()
        for update in updates:
            await app.process_update(update)
        return Result("bare PTB echo", len(updates), time.perf_counter() - started)
    finally:
        await _stop(app)


def _command(update_id: int, message_id: int, text: str) -> dict[str, Any]:
    command = text.split()[0]
    return {"update_id": update_id, "message": {
        "message_id": message_id, "date": int(time.time()), "text": text,
        "entities": [{"type": "bot_command", "offset": 0, "length": len(command)}],
        "chat": {"id": CHAT_ID, "type": "private", "first_name": "Rina"},
        "from": {"id": USER_ID, "is_bot": False, "first_name": "Rina"}}}


async def _committed(app: BatonApp) -> int:
    row = await app.bot_data.database.fetchone("SELECT COUNT(*) AS n FROM turns")
    return int(row["n"]) if row else 0


async def run_baton(payloads: Sequence[dict[str, Any]], expected_turns: int, db_path: Path,
                    stitch_window_s: float) -> Result:
    """The real Baton app on a SQLite file; the clock stops when every turn is committed."""
    config = Config(
        telegram=TelegramConfig(token=TOKEN, rate_limit=False),
        storage=StorageConfig(path=str(db_path)),
        access=AccessConfig(open=True),
        capture=CaptureConfig(stitch_window_s=stitch_window_s),
    )
    app = build_application(config, request=FakeBotAPI(), updates_request=FakeBotAPI())
    await _start(app)
    try:
        for i, text in enumerate(("/newproject Bench | ingest benchmark", "/startsession speed")):
            await app.process_update(Update.de_json(_command(10**6 + i, 10 + 2 * i, text), app.bot))
        updates = [Update.de_json(p, app.bot) for p in payloads]
        started = time.perf_counter()
        for update in updates:
            await app.process_update(update)
        sent = time.perf_counter()
        deadline = sent + DRAIN_TIMEOUT_S
        while (committed := await _committed(app)) < expected_turns:
            if time.perf_counter() > deadline:
                raise RuntimeError(f"only {committed} of {expected_turns} turns committed "
                                   f"{DRAIN_TIMEOUT_S:.0f} s after the last update")
            await asyncio.sleep(0.002)
        ended = time.perf_counter()
        if committed != expected_turns:
            raise RuntimeError(f"{committed} turns committed, expected {expected_turns}")
        return Result("Baton", len(updates), ended - started, drain_s=ended - sent)
    finally:
        await _stop(app)


async def _run(updates: int, rounds: int,
               stitch_window_s: float) -> tuple[list[Result], list[Result], int]:
    """Alternate bare and Baton rounds, each on fresh apps (and a fresh database), so load
    from anything else on the machine hits both alike."""
    payloads, turns = update_mix(updates)
    bare: list[Result] = []
    baton: list[Result] = []
    for _ in range(rounds):
        bare.append(await run_bare(payloads))
        with tempfile.TemporaryDirectory(prefix="baton-bench-") as tmp:
            baton.append(await run_baton(payloads, turns, Path(tmp) / "bench.db", stitch_window_s))
    return bare, baton, turns


def _median(results: Sequence[Result]) -> Result:
    return sorted(results, key=lambda r: r.rate)[len(results) // 2]


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.ingest", description=__doc__.split("\n")[0])
    parser.add_argument("--updates", type=int, default=2000, help="messages per round (default 2000)")
    parser.add_argument("--rounds", type=int, default=3,
                        help="alternating rounds of each; the median is reported (default 3)")
    parser.add_argument("--stitch-window", type=float, default=0.05,
                        help="[capture] stitch_window_s in seconds: only the last typed message "
                             "waits it out, so it is drain latency, not throughput (default 0.05)")
    args = parser.parse_args(argv)
    if args.updates < 1 or args.rounds < 1:
        parser.error("--updates and --rounds must be at least 1")
    bare_runs, baton_runs, turns = asyncio.run(_run(args.updates, args.rounds, args.stitch_window))
    bare, baton = _median(bare_runs), _median(baton_runs)
    print(f"ingest: {args.updates} updates (4 typed, 4 forwarded, 2 pasted per 10) -> {turns} turns;"
          f" median of {args.rounds} alternating rounds")
    print(f"  bare PTB echo : {bare.rate:9.1f} updates/s  ({bare.seconds:.3f} s)")
    print(f"  Baton         : {baton.rate:9.1f} updates/s  ({baton.seconds:.3f} s, every turn "
          f"committed to SQLite; includes {baton.drain_s:.3f} s drain, stitch window "
          f"{args.stitch_window:g} s)")
    print("  per round (updates/s): bare " + ", ".join(f"{r.rate:.0f}" for r in bare_runs)
          + "; Baton " + ", ".join(f"{r.rate:.0f}" for r in baton_runs))
    ratio = baton.rate / bare.rate if bare.rate else float("nan")
    verdict = "meets" if ratio >= 0.5 else "misses"
    print(f"  ratio Baton/bare: {ratio:.2f}x ({verdict} the >= 0.5x target)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
