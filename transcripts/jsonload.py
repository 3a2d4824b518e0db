"""JSON loading that fails with a user-facing sentence, never a RecursionError.

The standard parser recurses per nesting level, so a file of 100k "[" would
blow the stack; nesting is therefore measured iteratively first.
"""
from __future__ import annotations

import json
import re
from typing import Any

from .model import TranscriptError

# A complete string literal, or one bracket; strings are skipped as a whole so
# brackets inside them are not counted.
_TOKEN = re.compile(r'"[^"\\]*(?:\\.[^"\\]*)*"|[\[\]{}]', re.DOTALL)


def check_depth(text: str, max_depth: int) -> None:
    """Raise TranscriptError if brackets outside strings nest deeper than max_depth."""
    depth = 0
    for match in _TOKEN.finditer(text):
        token = match.group()
        if token in "[{":
            depth += 1
            if depth > max_depth:
                raise TranscriptError(
                    f"That JSON file is nested more than {max_depth} levels deep."
                )
        elif token in "]}":
            depth = max(0, depth - 1)


def load_json(text: str, max_depth: int = 200) -> Any:
    """Parse one JSON document, with malformed input reported by line and column."""
    check_depth(text, max_depth)
    return _loads(text, "That JSON file is malformed or cut off")


def load_json_lines(text: str, max_depth: int = 200) -> list[Any]:
    """Parse JSONL: one JSON value per non-blank line."""
    check_depth(text, max_depth)
    values: list[Any] = []
    for number, line in enumerate(text.split("\n"), start=1):
        if line.strip():
            values.append(_loads(line, "That JSON file is malformed or cut off", number))
    return values


def _loads(text: str, problem: str, line_offset: int = 1) -> Any:
    try:
        return json.loads(text)
    except json.JSONDecodeError as error:
        line = error.lineno + line_offset - 1
        raise TranscriptError(f"{problem} (line {line}, column {error.colno}).") from None
    except (ValueError, RecursionError):
        # e.g. an integer longer than Python's 4300-digit conversion limit.
        raise TranscriptError(f"{problem} (it holds a value I can't read).") from None
