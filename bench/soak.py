"""Soak: the bot process under kill -9, measured from what Telegram was told.

    python -m bench.soak [--seed 1] [--kills 12] [--chats 4] [--messages 1000] [--tiny]

Starts `python -m bot` against the loopback fake Bot API (`bench/fake_telegram.py`) with
its own config and SQLite file, opens a project and a session in several private chats,
then sends mixed bursts from all of them: typed messages, long pastes in parts of about
4,000 characters (consecutive message ids, sent at once, as Telegram splits them),
forwarded AI answers and small pasted-transcript files. At seeded random moments it
SIGKILLs the bot and starts it again (what is sent meanwhile waits in the queue, as on
Telegram), `--kills` times, then once with SIGTERM (a graceful stop with messages
pending); then it sends `/complete` in every chat, stops the bot with SIGTERM and reads
the SQLite file.

A message is *acknowledged* once the bot's getUpdates passed an offset above its update,
so Telegram will never send it again; it is *missing* when it is acknowledged but its text
is in no stored turn of its chat (for a paste: every part's text, for a file: every
turn), *duplicated* when its text is stored more than once. Every text carries a unique
marker, so a message is found exactly even inside a stitched turn. Target: 0 missing,
0 duplicated. The numbers are reported, not asserted: the exit code is 0 unless the
harness itself fails (the bot does not start, the fake server breaks), then 1.
"""
from __future__ import annotations

import argparse
import os
import random
import re
import signal
import sqlite3
import subprocess
import sys
import tempfile
import time
from collections import Counter, defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TextIO

from bench.fake_telegram import FakeTelegram

TOKEN = "123456:SOAK"
FIRST_USER_ID = 424_200  # chat i is the private chat of user FIRST_USER_ID + i
NO_MODEL_KEY_ENV = "BATON_SOAK_NO_MODEL_KEY"  # never set: handoffs stay extractive, offline
PART_CHARS = 4_000  # one part of a long paste (Telegram cuts at 4,096)
PASTE_PARTS = (2, 4)  # parts in one paste, inclusive
FILE_TURNS = 4  # turns in one pasted-transcript file
MESSAGE_GAP_S = 0.03  # longest pause between two sends (any chat)
PART_GAP_S = 0.002  # between the parts of one paste: the client sends them at once
KILL_DELAY_S = 1.6  # longest wait from the last send to a kill: inside and just past
# the default 1.5 s stitch window and 2 s acknowledgement delay
MIX = (("typed", 4), ("forwarded", 3), ("pasted", 2), ("file", 1))  # kind, weight
READY_TIMEOUT_S = 30.0  # from start to the first getUpdates
SETUP_TIMEOUT_S = 30.0
QUIET_S = 3.0  # no bot call for this long (longer than ack_delay_s) = the burst is handled
QUIET_TIMEOUT_S = 60.0
COMPLETE_TIMEOUT_S = 120.0
COMPLETE_QUIET_S = 10.0  # silence after /complete that means no handoff is coming (the
# bot renews its chat action every few seconds while it builds one)
STOP_TIMEOUT_S = 30.0
REPOSITORY = Path(__file__).resolve().parents[1]
SETUP_REPLIES = 2  # answers to /newproject and /startsession in each chat
LOG_TAIL_LINES = 30  # of the bot's log, printed when the harness fails
FULL = {"kills": 12, "chats": 4, "messages": 1000}
TINY = {"kills": 3, "chats": 2, "messages": 40}
KINDS = ("typed", "pasted", "forwarded", "file")
KIND_LABELS = {"typed": "typed", "pasted": "pasted (parts)", "forwarded": "forwarded",
               "file": "file (.txt)"}

_MARKER = re.compile(r"\[soak-[a-z0-9-]+\]")
_VOCABULARY = (  # prose of a work session, without role markers or commands
    "the", "cart", "total", "uses", "Decimal", "now", "and", "the", "checkout", "test",
    "passes", "on", "CI;", "next", "we", "retry", "the", "webhook", "on", "502", "and",
    "keep", "the", "order", "id", "in", "app/orders.py", "while", "the", "migration",
    "0007", "adds", "an", "index", "on", "created_at", "before", "the", "release", "of",
    "v1.4",
)
_ASSISTANT = {"id": 9_000_001, "is_bot": True, "first_name": "ChatGPT",
              "username": "chatgpt_soak_bot"}


class SoakError(Exception):
    """The harness failed (not the bot's numbers): reported with exit code 1."""


@dataclass
class Sent:
    """One Telegram message the soak sent, and the texts that must be stored for it."""

    kind: str
    chat_id: int
    update_id: int
    texts: tuple[str, ...]  # each starts with its unique marker
    paste: str | None = None  # the paste's marker, for the parts of one paste


@dataclass
class Row:
    sent: int = 0
    acknowledged: int = 0
    stored: int = 0  # acknowledged and found at least once
    missing: int = 0  # acknowledged and not found
    duplicated: int = 0  # found more than once (acknowledged or not)


@dataclass
class Report:
    seed: int
    chats: int
    kills: int
    rows: dict[str, Row] = field(default_factory=lambda: {k: Row() for k in KINDS})
    pastes: int = 0  # pastes with every part acknowledged
    pastes_whole: int = 0  # ... stored as one turn holding all parts in order
    replies: int = 0  # sendMessage calls the bot made
    starts: int = 0  # of the bot process: kills + 2 when all went to plan
    handoffs: int = 0  # chats that got a document after /complete
    unacknowledged: int = 0  # captured messages never confirmed (not counted as missing)
    # (exit code, or None when it had to be killed; seconds) of the two SIGTERMs
    midburst_stop: tuple[int | None, float] = (None, 0.0)
    final_stop: tuple[int | None, float] = (None, 0.0)
    midburst_tracebacks: int = 0
    final_tracebacks: int = 0
    tracebacks: int = 0  # in the bot's whole log
    seconds: float = 0.0
    code: str = ""  # the source tree the bot ran from

    @property
    def total(self) -> Row:
        total = Row()
        for row in self.rows.values():
            for name in vars(total):
                setattr(total, name, getattr(total, name) + getattr(row, name))
        return total


# --- the workload ------------------------------------------------------------------------
class Workload:
    """Builds the updates, seeded, and keeps what was sent."""

    def __init__(self, fake: FakeTelegram, rng: random.Random, chats: int) -> None:
        self.fake = fake
        self.rng = rng
        self.chat_ids = [FIRST_USER_ID + i for i in range(chats)]
        self.sent: list[Sent] = []
        self._serial = 0

    def _marker(self, chat_id: int, letter: str) -> str:
        self._serial += 1
        return f"[soak-c{chat_id - FIRST_USER_ID}-{letter}{self._serial}]"

    def _message(self, chat_id: int, message_id: int, **extra: Any) -> dict[str, Any]:
        user = {"id": chat_id, "is_bot": False, "first_name": f"Soak{chat_id - FIRST_USER_ID}"}
        return {"message": {"message_id": message_id, "date": int(time.time()),
                            "chat": {"id": chat_id, "type": "private",
                                     "first_name": user["first_name"]},
                            "from": user, **extra}}

    def _words(self, chars: int) -> str:
        """Marker-free prose in lines, about `chars` long (no role markers, no commands)."""
        lines: list[str] = []
        size = 0
        while size < chars:
            line = " ".join(self.rng.choice(_VOCABULARY) for _ in range(self.rng.randint(8, 16)))
            lines.append(line)
            size += len(line) + 1
        return "\n".join(lines)[:chars].rstrip()

    def command(self, chat_id: int, text: str) -> int:
        command = text.split()[0]
        return self.fake.push(self._message(
            chat_id, self.fake.message_ids(chat_id)[0], text=text,
            entities=[{"type": "bot_command", "offset": 0, "length": len(command)}]))

    def send(self, kind: str, chat_id: int, parts: int = 1) -> None:
        """Send one message of `kind` (a paste: its parts, back to back)."""
        if kind == "pasted":
            self._paste(chat_id, parts)
            return
        if kind == "typed":
            text = f"{self._marker(chat_id, 't')} {self._words(self.rng.randint(20, 300))}"
            update = self._message(chat_id, self.fake.message_ids(chat_id)[0], text=text)
            texts: tuple[str, ...] = (text,)
        elif kind == "forwarded":
            text = f"{self._marker(chat_id, 'w')} {self._words(self.rng.randint(40, 1500))}"
            origin: dict[str, Any] = (
                {"type": "user", "date": int(time.time()), "sender_user": _ASSISTANT}
                if self.rng.random() < 0.7 else
                {"type": "hidden_user", "date": int(time.time()), "sender_user_name": "Claude"})
            update = self._message(chat_id, self.fake.message_ids(chat_id)[0], text=text,
                                   forward_origin=origin)
            texts = (text,)
        else:
            update, texts = self._file(chat_id)
        self.sent.append(Sent(kind, chat_id, self.fake.push(update), texts))

    def _paste(self, chat_id: int, parts: int) -> None:
        paste = self._marker(chat_id, "p")
        ids = self.fake.message_ids(chat_id, parts)
        for i, message_id in enumerate(ids, 1):
            head = f"{paste[:-1]}-{i}] "
            text = head + self._words(PART_CHARS - len(head))
            update_id = self.fake.push(self._message(chat_id, message_id, text=text))
            self.sent.append(Sent("pasted", chat_id, update_id, (text,), paste))
            time.sleep(PART_GAP_S)

    def _file(self, chat_id: int) -> tuple[dict[str, Any], tuple[str, ...]]:
        name = self._marker(chat_id, "f")
        texts = tuple(f"{name[:-1]}-{i}] {self._words(self.rng.randint(40, 200)).replace(chr(10), ' ')}"
                      for i in range(1, FILE_TURNS + 1))
        body = "".join(f"{'User' if i % 2 == 0 else 'Assistant'}: {text}\n"
                       for i, text in enumerate(texts))
        file_id = f"soak-file-{self._serial}"
        content = body.encode()
        self.fake.add_file(file_id, content)
        document = {"file_id": file_id, "file_unique_id": f"u-{file_id}",
                    "file_name": f"{name[1:-1]}.txt", "mime_type": "text/plain",
                    "file_size": len(content)}
        return self._message(chat_id, self.fake.message_ids(chat_id)[0], document=document), texts

    def plan(self, messages: int) -> list[tuple[str, int, int]]:
        """(kind, chat, parts) actions adding up to `messages` Telegram messages (a paste's
        parts are messages of their own; the last paste may be cut short)."""
        kinds = [k for k, _ in MIX]
        weights = [w for _, w in MIX]
        actions: list[tuple[str, int, int]] = []
        count = 0
        while count < messages:
            kind = self.rng.choices(kinds, weights)[0]
            parts = min(self.rng.randint(*PASTE_PARTS), messages - count) if kind == "pasted" else 1
            if kind == "pasted" and parts < 2:
                kind = "typed"
            actions.append((kind, self.rng.choice(self.chat_ids), parts))
            count += parts
        return actions


# --- the bot process ---------------------------------------------------------------------
class BotProcess:
    """`python -m bot --config FILE`, started, killed and stopped by the soak."""

    def __init__(self, fake: FakeTelegram, config: Path, log: Path, code: Path) -> None:
        self.fake = fake
        self.config = config
        self.log = log
        self.code = code  # the working directory, so `-m bot` imports the bot from there
        self.proc: subprocess.Popen[bytes] | None = None
        self.starts = 0
        self.env = {k: v for k, v in os.environ.items()
                    if "proxy" not in k.lower() and k not in ("BATON_TELEGRAM_TOKEN",
                                                              NO_MODEL_KEY_ENV)}
        self.env["NO_PROXY"] = "127.0.0.1,localhost"

    def start(self) -> None:
        self.starts += 1
        self.fake.run = self.starts
        with self.log.open("ab") as log:
            log.write(f"=== soak: start {self.starts} ===\n".encode())
            log.flush()
            self.proc = subprocess.Popen(
                [sys.executable, "-m", "bot", "--config", str(self.config)],
                cwd=self.code, env=self.env,
                stdin=subprocess.DEVNULL, stdout=log, stderr=log)
        run = self.starts
        ready = self.fake.wait_for(
            lambda: self.proc is not None and (self.proc.poll() is not None or any(
                c.run == run for c in self.fake.calls("getUpdates"))), READY_TIMEOUT_S)
        if not ready or self.proc.poll() is not None:
            raise SoakError(f"the bot did not start (start {run}, exit code "
                            f"{self.proc.poll()}); see {self.log}")

    def alive(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    def kill(self) -> None:
        assert self.proc is not None
        if self.proc.poll() is not None:
            raise SoakError(f"the bot died on its own (exit code {self.proc.returncode}); "
                            f"see {self.log}")
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait()

    def terminate(self) -> tuple[int | None, float]:
        """SIGTERM and wait: (exit code or None if it had to be killed, seconds)."""
        assert self.proc is not None
        began = time.monotonic()
        self.proc.send_signal(signal.SIGTERM)
        try:
            code: int | None = self.proc.wait(STOP_TIMEOUT_S)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
            code = None
        return code, time.monotonic() - began

    def ensure_stopped(self) -> None:
        if self.alive():
            assert self.proc is not None
            self.proc.kill()
            self.proc.wait()


def write_config(path: Path, fake: FakeTelegram, db: Path, chat_ids: Sequence[int]) -> None:
    path.write_text(
        "# Written by bench.soak: the bot against the loopback fake Bot API.\n"
        "[telegram]\n"
        f'token = "{TOKEN}"\n'
        f'base_url = "{fake.base_url}"\n'
        f'base_file_url = "{fake.base_file_url}"\n'
        "rate_limit = false\n"
        "[storage]\n"
        f'path = "{db}"\n'
        "[access]\n"
        f"allowed_user_ids = [{', '.join(str(c) for c in chat_ids)}]\n"
        "[llm]\n"
        f'api_key_env = "{NO_MODEL_KEY_ENV}"\n', encoding="utf-8")


# --- measuring ---------------------------------------------------------------------------
def stored_turns(db: Path) -> dict[int, list[str]]:
    """chat id -> texts of its stored turns, read straight from the SQLite file."""
    if not db.exists():
        raise SoakError(f"no database at {db}")
    turns: dict[int, list[str]] = defaultdict(list)
    with sqlite3.connect(db) as conn:
        for chat_id, text in conn.execute("SELECT tg_chat_id, text FROM turns "
                                          "WHERE tg_chat_id IS NOT NULL ORDER BY id"):
            turns[int(chat_id)].append(text)
    return turns


def count_in(turns: dict[int, list[str]]) -> Callable[[int, str], int]:
    """A function (chat, text) -> how many times `text` is stored in the chat's turns."""
    places: dict[tuple[int, str], list[tuple[int, int]]] = defaultdict(list)
    for chat_id, texts in turns.items():
        for index, text in enumerate(texts):
            for found in _MARKER.finditer(text):
                places[(chat_id, found.group())].append((index, found.start()))

    def count(chat_id: int, text: str) -> int:
        marker = _MARKER.match(text)
        assert marker is not None
        return sum(turns[chat_id][i].startswith(text, at)
                   for i, at in places.get((chat_id, marker.group()), []))
    return count


def measure(report: Report, sent: list[Sent], confirmed_offset: int,
            turns: dict[int, list[str]]) -> None:
    count = count_in(turns)
    parts_sent = Counter(m.paste for m in sent if m.paste is not None)
    pastes: dict[str, list[Sent]] = defaultdict(list)
    for message in sent:
        row = report.rows[message.kind]
        row.sent += 1
        found = [count(message.chat_id, text) for text in message.texts]
        if any(n > 1 for n in found):
            row.duplicated += 1
        if message.update_id >= confirmed_offset:
            report.unacknowledged += 1
            continue
        row.acknowledged += 1
        if all(n >= 1 for n in found):
            row.stored += 1
        else:
            row.missing += 1
        if message.paste is not None:
            pastes[message.paste].append(message)
    for paste, parts in pastes.items():
        if len(parts) != parts_sent[paste]:
            continue  # some part not acknowledged
        report.pastes += 1
        joined = "\n".join(p.texts[0] for p in parts)
        report.pastes_whole += count(parts[0].chat_id, joined) >= 1


def tracebacks(log: Path, start: int = 0) -> int:
    with log.open("rb") as f:
        f.seek(start)
        return f.read().count(b"Traceback (most recent call last)")


# --- the run -----------------------------------------------------------------------------
def _pause(rng: random.Random, longest: float) -> None:
    time.sleep(rng.uniform(0, longest))


def _wait_quiet(fake: FakeTelegram, bot: BotProcess, what: str) -> None:
    """Until every update is confirmed and the bot has said nothing for QUIET_S."""
    settled = fake.wait_for(lambda: not bot.alive() or (
        fake.all_confirmed() and time.monotonic() - fake.last_activity >= QUIET_S),
        QUIET_TIMEOUT_S)
    if not bot.alive():
        raise SoakError(f"the bot died {what}; see {bot.log}")
    if not settled:
        raise SoakError(f"the bot did not settle {what} within {QUIET_TIMEOUT_S:.0f} s")


def _open_sessions(fake: FakeTelegram, work: Workload) -> None:
    for chat_id in work.chat_ids:
        work.command(chat_id, f"/newproject Soak {chat_id - FIRST_USER_ID}")
        work.command(chat_id, "/startsession soak")
    answered = fake.wait_for(lambda: all(
        sum(c.chat_id == chat_id for c in fake.calls("sendMessage")) >= SETUP_REPLIES
        for chat_id in work.chat_ids), SETUP_TIMEOUT_S)
    if not answered:
        raise SoakError("the bot did not answer /newproject and /startsession")


def _bursts(work: Workload, bot: BotProcess, rng: random.Random, kills: int,
            messages: int, report: Report) -> None:
    """The workload in kills + 1 rounds, each stopped at a random moment: by SIGKILL, and
    the last one by SIGTERM (a graceful stop with messages pending). The rest of a round
    is sent while the bot is down, then the bot starts again."""
    actions = work.plan(messages)
    rounds = kills + 1
    cuts = [round(len(actions) * r / rounds) for r in range(rounds + 1)]
    for r in range(rounds):
        chunk = actions[cuts[r]:cuts[r + 1]]
        stop_at = rng.randint(min(1, len(chunk)), len(chunk))
        for kind, chat_id, parts in chunk[:stop_at]:
            work.send(kind, chat_id, parts)
            _pause(rng, MESSAGE_GAP_S)
        _pause(rng, KILL_DELAY_S)
        if r < kills:
            bot.kill()
        else:
            logged = bot.log.stat().st_size
            report.midburst_stop = bot.terminate()
            report.midburst_tracebacks = tracebacks(bot.log, logged)
        for kind, chat_id, parts in chunk[stop_at:]:
            work.send(kind, chat_id, parts)
            _pause(rng, MESSAGE_GAP_S)
        bot.start()


def _complete_all(fake: FakeTelegram, work: Workload, bot: BotProcess) -> int:
    """/complete in every chat; how many chats then got a document."""
    def documents(chat_id: int) -> int:
        return sum(d.chat_id == chat_id for d in fake.calls("sendDocument"))

    before = {chat_id: documents(chat_id) for chat_id in work.chat_ids}
    for chat_id in work.chat_ids:
        work.command(chat_id, "/complete soak done")

    def delivered() -> int:
        return sum(documents(chat_id) > before[chat_id] for chat_id in work.chat_ids)

    def given_up() -> bool:  # a failed /complete: nothing more is coming
        return not bot.alive() or (fake.all_confirmed()
                                   and time.monotonic() - fake.last_activity >= COMPLETE_QUIET_S)
    fake.wait_for(lambda: delivered() == len(work.chat_ids) or given_up(), COMPLETE_TIMEOUT_S)
    return delivered()


def run_soak(seed: int, kills: int, chats: int, messages: int, workdir: Path,
             code: Path = REPOSITORY) -> Report:
    """One soak; the bot's config, database and log are written to `workdir`."""
    rng = random.Random(seed)
    report = Report(seed=seed, chats=chats, kills=kills, code=str(code))
    began = time.monotonic()
    db, config, log = workdir / "soak.db", workdir / "soak.toml", workdir / "bot.log"
    log.write_bytes(b"")
    with FakeTelegram(TOKEN) as fake:
        work = Workload(fake, rng, chats)
        write_config(config, fake, db, work.chat_ids)
        bot = BotProcess(fake, config, log, code)
        try:
            bot.start()
            _open_sessions(fake, work)
            _bursts(work, bot, rng, kills, messages, report)
            _wait_quiet(fake, bot, "after the last burst")
            report.handoffs = _complete_all(fake, work, bot)
            _wait_quiet(fake, bot, "after /complete")
            logged = log.stat().st_size
            report.final_stop = bot.terminate()
            report.final_tracebacks = tracebacks(log, logged)
        finally:
            bot.ensure_stopped()
        report.replies = len(fake.calls("sendMessage"))
        report.starts = bot.starts
        measure(report, work.sent, fake.confirmed_offset, stored_turns(db))
    report.tracebacks = tracebacks(log)
    report.seconds = time.monotonic() - began
    return report


def print_report(report: Report, out: TextIO) -> None:
    total = report.total
    print(f"Soak: seed {report.seed}, {report.chats} chats, {total.sent:,} messages, "
          f"{report.kills} kills (SIGKILL) and 2 SIGTERMs, {report.seconds:.1f} s; "
          f"bot run from {report.code}", file=out)
    print(file=out)
    print("| kind | sent | acknowledged | stored | missing | duplicated |", file=out)
    print("|---|---|---|---|---|---|", file=out)
    for kind in KINDS:
        row = report.rows[kind]
        print(f"| {KIND_LABELS[kind]} | {row.sent:,} | {row.acknowledged:,} | {row.stored:,} | "
              f"{row.missing:,} | {row.duplicated:,} |", file=out)
    print(f"| total | {total.sent:,} | {total.acknowledged:,} | {total.stored:,} | "
          f"{total.missing:,} | {total.duplicated:,} |", file=out)
    print(file=out)
    print(f"pastes stored whole (every part in one turn, in order): {report.pastes_whole} "
          f"of {report.pastes}", file=out)
    print(f"never acknowledged (Telegram would send them again): {report.unacknowledged}",
          file=out)
    print(f"handoffs delivered after /complete: {report.handoffs} of {report.chats}; "
          f"bot replies: {report.replies:,}", file=out)
    for label, (code, seconds), found in (
            ("SIGTERM mid-burst", report.midburst_stop, report.midburst_tracebacks),
            ("SIGTERM at the end", report.final_stop, report.final_tracebacks)):
        stop = "did not stop, killed" if code is None else f"exit code {code}"
        print(f"{label}: {stop} in {seconds:.1f} s, {found} tracebacks", file=out)
    print(f"tracebacks in the bot's whole log: {report.tracebacks}", file=out)
    print(f"missing {total.missing}; duplicated {total.duplicated}", file=out)


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m bench.soak",
        description="Kill -9 the bot process under mixed bursts and count what was lost.")
    parser.add_argument("--seed", type=int, default=1, help="seed of the workload and the kills")
    parser.add_argument("--kills", type=int, help=f"SIGKILLs (default {FULL['kills']})")
    parser.add_argument("--chats", type=int, help=f"private chats (default {FULL['chats']})")
    parser.add_argument("--messages", type=int,
                        help=f"Telegram messages to send, about (default {FULL['messages']})")
    parser.add_argument("--tiny", action="store_true",
                        help=f"CI smoke size: {TINY['kills']} kills, {TINY['chats']} chats, "
                             f"{TINY['messages']} messages")
    parser.add_argument("--bot-dir", metavar="DIR",
                        help="run the bot from this source tree, e.g. an export of another "
                             "commit (default: this repository)")
    parser.add_argument("--keep", metavar="DIR",
                        help="keep the config, database and bot log in DIR (default: a "
                             "temporary directory, removed)")
    return parser


def _run(seed: int, kills: int, chats: int, messages: int, workdir: Path,
         code: Path) -> Report | None:
    """The report, or None after saying why the harness failed (with the bot log's end,
    since a temporary work directory is gone afterwards)."""
    try:
        return run_soak(seed, kills, chats, messages, workdir, code)
    except SoakError as exc:
        print(f"soak: {exc}", file=sys.stderr)
        log = workdir / "bot.log"
        if log.exists():
            tail = log.read_text("utf-8", "replace").splitlines()[-LOG_TAIL_LINES:]
            print("\n".join(tail), file=sys.stderr)
        return None


def main(argv: Sequence[str] | None = None, out: TextIO | None = None) -> int:
    args = _parser().parse_args(argv)
    out = out or sys.stdout
    sizes = TINY if args.tiny else FULL
    kills = sizes["kills"] if args.kills is None else args.kills
    chats = sizes["chats"] if args.chats is None else args.chats
    messages = sizes["messages"] if args.messages is None else args.messages
    if kills < 0 or chats < 1 or messages < 1:
        print("soak: --kills must be 0 or more, --chats and --messages at least 1.",
              file=sys.stderr)
        return 2
    code = Path(args.bot_dir).resolve() if args.bot_dir else REPOSITORY
    if not (code / "bot" / "__main__.py").is_file():
        print(f"soak: {code} has no bot/__main__.py to run.", file=sys.stderr)
        return 2
    if args.keep:
        workdir = Path(args.keep)
        workdir.mkdir(parents=True, exist_ok=True)
        report = _run(args.seed, kills, chats, messages, workdir, code)
    else:
        with tempfile.TemporaryDirectory(prefix="baton-soak-") as tmp:
            report = _run(args.seed, kills, chats, messages, Path(tmp), code)
    if report is None:
        return 1
    print_report(report, out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
