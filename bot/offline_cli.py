"""`baton handoff FILE [--previous PREV.md] [--project NAME] [-o OUT.md]`."""
from __future__ import annotations

import argparse
import asyncio
import os
import sys
from pathlib import Path
from typing import Sequence

import httpx

from bot.config import Config, ConfigError, load_config
from llm.client import ChatClient
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
    p.add_argument("--budget", type=int, default=2000, metavar="WORDS",
                   help="word budget of the handoff (default: 2000)")
    p.add_argument("-o", "--output", type=Path, metavar="OUT.md",
                   help="where to write the markdown (default: standard output)")
    p.add_argument("--llm", action="store_true",
                   help="let the model configured in [llm] write it (key from the environment "
                        "variable named by api_key_env); without it the handoff is extractive")
    p.add_argument("--config", type=Path, default=Path("config.toml"), metavar="PATH",
                   help="config for --llm (default: config.toml if present, else the defaults)")
    return p


def _llm_config(path: Path) -> Config:
    if not path.exists() and path == Path("config.toml"):
        return Config()
    return load_config(path, require_token=False)


async def _run(args: argparse.Namespace, previous: str | None) -> OfflineResult:
    common = dict(previous=previous, project=args.project, conversation=args.conversation,
                  budget_words=args.budget)
    if not args.llm:
        return await handoff_from_file(args.file, **common)  # type: ignore[arg-type]
    llm = _llm_config(args.config).llm
    key = llm.api_key(os.environ)
    if key is None:
        raise ConfigError(f"--llm needs the model key in the environment variable {llm.api_key_env}.")
    async with httpx.AsyncClient() as http:
        return await handoff_from_file(
            args.file, client=ChatClient(http, llm.client_settings(key)),
            settings=llm.writer_settings(), **common)  # type: ignore[arg-type]


def main(argv: Sequence[str]) -> int:
    args = parser().parse_args(argv)
    if args.budget <= 0:
        print("baton handoff: --budget must be a positive number of words.", file=sys.stderr)
        return EXIT_USAGE
    try:
        previous = args.previous.read_text(encoding="utf-8-sig") if args.previous else None
    except (OSError, UnicodeDecodeError) as exc:
        print(f"baton handoff: cannot read {args.previous}: {exc}.", file=sys.stderr)
        return EXIT_USAGE
    try:
        result = asyncio.run(_run(args, previous))
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
          f"keeps {h.artifacts_kept} of {h.artifacts_total} extracted artifacts.", file=sys.stderr)
    return 0
