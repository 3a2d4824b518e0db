"""The `baton` command: `baton --config config.toml` runs the bot; `baton handoff FILE`
builds a handoff offline."""
from __future__ import annotations

import argparse
import asyncio
import logging
import sqlite3
import sys
from collections.abc import Sequence

from telegram.error import InvalidToken, NetworkError

from bot.config import ConfigError, load_config

EXIT_USAGE = 2


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="baton", description="Baton: carry AI-assisted work from one session to the next.",
        epilog="Offline: 'baton handoff FILE' builds a handoff from a transcript or export "
               "(see 'baton handoff --help').")
    parser.add_argument("--config", default="config.toml",
                        help="path to the TOML config (default: config.toml)")
    return parser


def _fail(message: str) -> int:
    print(f"baton: {message}", file=sys.stderr)
    return EXIT_USAGE


def run_bot(config_path: str) -> int:
    try:
        config = load_config(config_path)
    except ConfigError as exc:
        return _fail(str(exc))
    logging.basicConfig(format="%(asctime)s %(levelname)s %(name)s: %(message)s",
                        level=logging.INFO)
    from bot.errors import quiet_noisy_loggers  # httpx (URLs hold the token), APScheduler

    quiet_noisy_loggers()
    from bot.app import build_application  # imported late so config errors print fast
    from bot.polling import serve

    app = build_application(config)
    try:
        asyncio.run(serve(app))
    except InvalidToken:
        return _fail("Telegram rejected the bot token; check it with @BotFather.")
    except NetworkError as exc:  # at start-up only: later outages are retried quietly
        where = config.telegram.base_url or "api.telegram.org"
        return _fail(f"cannot reach Telegram at {where} ({exc}); check the network, then "
                     "start again.")
    except (sqlite3.Error, OSError) as exc:
        return _fail(f"cannot use the database at {config.storage.path}: {exc}.")
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv[:1] == ["handoff"]:
        from bot.offline_cli import main as handoff_main

        return handoff_main(argv[1:])
    if argv[:1] == ["export"]:
        from bot.export_cli import main as export_main

        return export_main(argv[1:])
    args = _parser().parse_args(argv)
    return run_bot(args.config)


if __name__ == "__main__":
    sys.exit(main())
