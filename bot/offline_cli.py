"""`baton handoff FILE [--previous PREV.md] [--project NAME] [--budget WORDS|P%] [-o OUT.md]`."""
from __future__ import annotations

import argparse
import asyncio
import os
import re
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import httpx

from bot.config import Config, ConfigError, load_config
from handoff.sizes import DEFAULT_BUDGET_WORDS
from llm.client import ChatClient, ClientSettings
from llm.writer import LLMSettings
from service.offline import OfflineResult, handoff_from_file
from transcripts.model import TranscriptError

EXIT_USAGE = 2


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="baton handoff",
        description=(
            "Build a handoff from a transcript or export, exactly as the bot would, with no "
            "Telegram and no database. FILE may be a .txt/.md transcript (role markers such as "
            "'User:'/'Assistant:' or 'You said:'/'ChatGPT said:' are recognised), a ChatGPT or "
            "Claude.ai conversations.json (or the ChatGPT export .zip), a Telegram Desktop "
            "result.json, or an OpenHands agent trajectory (.json/.jsonl); the format is "
            "detected automatically."),
    )
    p.add_argument("file", type=Path, metavar="FILE", help="transcript or export to read")
    p.add_argument("--previous", type=Path, metavar="PREV.md",
                   help="the previous handoff, to build on (carries goal, decisions, artifacts...)")
    p.add_argument("--project", metavar="NAME",
                   help="project name (default: from PREV.md's title, else the conversation's)")
    p.add_argument("--conversation", metavar="TITLE",
                   help="which conversation of a multi-conversation export (title or #index; "
                        "default: the newest)")
    p.add_argument("--budget", default=str(DEFAULT_BUDGET_WORDS), metavar="WORDS|P%",
                   help="size of the handoff: a number of words (e.g. 1500) or a share of "
                        "the session's size (e.g. 10%%) (default: %(default)s words)")
    p.add_argument("-o", "--output", type=Path, metavar="OUT.md",
                   help="where to write the markdown (default: standard output)")
    p.add_argument("--llm", action="store_true",
                   help="let the model configured in [llm] write it (key from the environment "
                        "variable named by api_key_env); without it the handoff is extractive")
    p.add_argument("--config", type=Path, default=Path("config.toml"), metavar="PATH",
                   help="config for --llm (default: config.toml if present, else the defaults)")
    return p


@dataclass(frozen=True, slots=True)
class Budget:
    """``--budget``: a number of words, or a percentage of the session's characters."""

    words: int | None = None
    percent: float | None = None


_PERCENT = re.compile(r"([0-9]+(?:\.[0-9]*)?|\.[0-9]+)\s*%")
_WORDS = re.compile(r"[0-9]+")


def parse_budget(value: str) -> Budget:
    """``1500`` -> 1500 words; ``10%`` -> 10% of the session. ValueError (one sentence) on
    anything else."""
    text = value.strip()
    if text.endswith("%"):
        match = _PERCENT.fullmatch(text)
        percent = float(match.group(1)) if match else None
        if percent is None or not 0 < percent <= 100:
            raise ValueError(f"--budget {value!r} is not a share of the session; give a "
                             "percentage above 0 and at most 100, such as 10%.")
        return Budget(percent=percent)
    if not _WORDS.fullmatch(text) or int(text) <= 0:
        raise ValueError(f"--budget {value!r} is not a budget; give a positive whole number "
                         "of words, such as 1500, or a share of the session, such as 10%.")
    return Budget(words=int(text))


def _llm_config(path: Path) -> Config:
    if not path.exists() and path == Path("config.toml"):
        return Config()
    return load_config(path, require_token=False)


async def _run(args: argparse.Namespace, budget: Budget, previous: str | None) -> OfflineResult:
    common = dict(previous=previous, project=args.project, conversation=args.conversation,
                  budget_words=budget.words or DEFAULT_BUDGET_WORDS,
                  budget_percent=budget.percent)
    if not args.llm:
        return await handoff_from_file(args.file, **common)
    llm = _llm_config(args.config).llm
    key = llm.api_key(os.environ)
    if key is None:
        raise ConfigError(f"--llm needs the model key in the environment variable {llm.api_key_env}.")
    async with httpx.AsyncClient() as http:
        return await handoff_from_file(
            args.file, client=ChatClient(http, ClientSettings.from_config(llm, key)),
            settings=LLMSettings.from_config(llm), **common)


def main(argv: Sequence[str]) -> int:
    args = parser().parse_args(argv)
    try:
        budget = parse_budget(args.budget)
    except ValueError as exc:
        print(f"baton handoff: {exc}", file=sys.stderr)
        return EXIT_USAGE
    try:
        previous = args.previous.read_text(encoding="utf-8-sig") if args.previous else None
    except (OSError, UnicodeDecodeError) as exc:
        print(f"baton handoff: cannot read {args.previous}: {exc}.", file=sys.stderr)
        return EXIT_USAGE
    try:
        result = asyncio.run(_run(args, budget, previous))
    except (TranscriptError, ConfigError) as exc:
        print(f"baton handoff: {exc}", file=sys.stderr)
        return EXIT_USAGE
    if result.note:
        print(result.note, file=sys.stderr)
    if result.generation.fallback_reason:
        print(f"Written without the model: {result.generation.fallback_reason}.", file=sys.stderr)
    markdown = result.handoff.markdown
    if args.output:
        try:
            args.output.write_text(markdown, encoding="utf-8")
        except OSError as exc:
            print(f"baton handoff: cannot write {args.output}: {exc.strerror}.", file=sys.stderr)
            return EXIT_USAGE
    else:
        sys.stdout.write(markdown)
    h = result.handoff
    print(f"{len(result.transcript.turns)} turns read; {h.generator} handoff of {h.words} words "
          f"keeps {h.artifacts_kept} of {h.artifacts_total} key artifacts.", file=sys.stderr)
    return 0
