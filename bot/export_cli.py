"""`baton export --db FILE --chat ID [-o OUT.zip]`: the zip /export sends, made offline from
the bot's database (the same code as /export, service.export)."""
from __future__ import annotations

import argparse
import asyncio
import os
import re
import sqlite3
import sys
from collections.abc import Sequence
from pathlib import Path

from service.export import ExportSummary, write_export
from storage.db import Database

EXIT_USAGE = 2
EXIT_NOTHING = 1  # the chat has no projects: no file is written
SQLITE_INT = 2**63  # chat ids must fit SQLite's integers
_CHAT_ID = re.compile(r"-?[0-9]{1,30}")


def chat_id(text: str) -> int:
    """ASCII digits only (int() would also take "٣" or "1_000"), within SQLite's range."""
    if not _CHAT_ID.fullmatch(text.strip()):
        raise argparse.ArgumentTypeError(f"{text!r} is not a chat id (a whole number, "
                                         "negative for groups)")
    value = int(text)
    if not -SQLITE_INT < value < SQLITE_INT:
        raise argparse.ArgumentTypeError(f"{text!r} is too large for a chat id")
    return value


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="baton export",
        description="Write one chat's projects as a zip, as /export sends it: per project a "
                    "folder with project.json, turns.jsonl and its handoffs as .md.")
    p.add_argument("--db", type=Path, required=True, metavar="FILE",
                   help="the bot's SQLite database ([storage] path, e.g. baton.db)")
    p.add_argument("--chat", type=chat_id, required=True, metavar="ID",
                   help="the chat's Telegram id (your user id for a private chat; groups "
                        "are negative, e.g. --chat=-1001234567890)")
    p.add_argument("-o", "--output", type=Path, metavar="OUT.zip",
                   help="where to write the zip (default: baton-export-ID.zip)")
    return p


async def _export(db_path: Path, chat: int, partial: Path) -> ExportSummary:
    db = await Database.open(db_path)
    try:
        with partial.open("wb") as out:
            return await write_export(db, chat, out)
    finally:
        await db.close()


def main(argv: Sequence[str] | None = None) -> int:
    args = parser().parse_args(argv)
    output: Path = args.output or Path(f"baton-export-{args.chat}.zip")
    if not args.db.is_file():
        print(f"baton export: no database at {args.db}.", file=sys.stderr)
        return EXIT_USAGE
    partial = output.with_name(output.name + ".part")  # a failed run leaves no half zip
    try:
        summary = asyncio.run(_export(args.db, args.chat, partial))
    except (sqlite3.Error, OSError) as exc:
        partial.unlink(missing_ok=True)
        print(f"baton export: cannot export from {args.db}: {exc}.", file=sys.stderr)
        return EXIT_USAGE
    if summary.projects == 0:
        partial.unlink(missing_ok=True)
        print(f"baton export: chat {args.chat} has no projects in {args.db}.", file=sys.stderr)
        return EXIT_NOTHING
    os.replace(partial, output)
    print(f"Wrote {output}: {summary.projects} projects, {summary.sessions} sessions, "
          f"{summary.turns} turns, {summary.handoffs} handoffs.")
    return 0
