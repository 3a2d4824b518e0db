"""`python -m transcripts FILE [CHOICE]`: show what parse_file makes of a file.

A manual check for exports users report as misread; prints a summary only.
"""
from __future__ import annotations

import sys
from pathlib import Path

from .detect import parse_file
from .model import Choice, TranscriptError


def main(argv: list[str]) -> int:
    """Print the format, title and per-role counts (or the conversations to choose from)."""
    if not 1 <= len(argv) <= 2:
        print("usage: python -m transcripts FILE [TITLE|#INDEX]", file=sys.stderr)
        return 2
    path = Path(argv[0])
    try:
        result = parse_file(path.name, path.read_bytes(), choose=argv[1] if len(argv) == 2 else None)
    except (OSError, TranscriptError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    if isinstance(result, Choice):
        print(f"{result.format}: {len(result.conversations)} conversations (newest first)")
        for info in result.conversations:
            print(f"  #{info.index}  {info.message_count:>5} turns  {info.title or '(untitled)'}")
        return 0
    counts = ", ".join(f"{role} {count}" for role, count in result.counts().items())
    print(f"{result.format}: {result.title or '(untitled)'} — {counts}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
