"""Defensive accessors and text shaping shared by the format parsers.

Exports come from many app versions and may be hand-edited, so every field is
read through these helpers instead of trusting its type.
"""
from __future__ import annotations

import re
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from .model import ConversationInfo, Transcript

_WS = re.compile(r"\s+")


def as_dict(value: Any) -> dict[str, Any]:
    """`value` if it is a JSON object, else an empty dict."""
    return value if isinstance(value, dict) else {}


def as_list(value: Any) -> list[Any]:
    """`value` if it is a JSON array, else an empty list."""
    return value if isinstance(value, list) else []


def as_str(value: Any) -> str:
    """`value` if it is a string, else ""."""
    return value if isinstance(value, str) else ""


def as_number(value: Any) -> float | None:
    """A finite number from a JSON number or numeric string, else None."""
    if isinstance(value, bool):
        return None
    if isinstance(value, (int, float)):
        number = float(value)
    elif isinstance(value, str):
        try:
            number = float(value)
        except ValueError:
            return None
    else:
        return None
    return number if number == number and abs(number) != float("inf") else None


def _parse_iso(value: Any) -> datetime | None:
    """An ISO-8601 string as a datetime (naive means UTC), else None."""
    text = as_str(value).strip()
    if not text:
        return None
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        return None
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment


def iso_timestamp(value: Any) -> float | None:
    """Unix seconds from an ISO-8601 string (naive means UTC), else None."""
    moment = _parse_iso(value)
    if moment is None:
        return None
    try:
        return moment.timestamp()
    except (OverflowError, OSError, ValueError):
        return None


def utc_from_epoch(value: Any) -> datetime | None:
    """A timezone-aware UTC datetime from Unix seconds (number or numeric string), else None."""
    number = as_number(value)
    if number is None:
        return None
    try:
        return datetime.fromtimestamp(number, UTC)
    except (OverflowError, OSError, ValueError):
        return None


def utc_from_iso(value: Any) -> datetime | None:
    """A timezone-aware UTC datetime from an ISO-8601 string (naive means UTC), else None."""
    moment = _parse_iso(value)
    if moment is None or moment.tzinfo is UTC:
        return moment
    try:
        return moment.astimezone(UTC)
    except (OverflowError, OSError, ValueError):
        return None


def short_line(text: str, limit: int = 200) -> str:
    """Collapse whitespace and cut to `limit` chars: tool chatter stays short."""
    flat = _WS.sub(" ", text).strip()
    return flat if len(flat) <= limit else flat[: limit - 1].rstrip() + "…"


HEAD_LINES, HEAD_CHARS = 20, 1200  # a long tool output keeps its first lines,
TAIL_LINES, TAIL_CHARS = 15, 800  # and its last: where errors and results are


def head_lines(text: str, max_lines: int = 40, max_chars: int = 4000) -> str:
    """The first lines of a long tool output, saying how much was cut."""
    text = text.replace("\r\n", "\n").replace("\r", "\n").strip("\n")
    lines = text.split("\n")
    kept = "\n".join(lines[:max_lines])
    cut = len(lines) > max_lines
    if len(kept) > max_chars:
        kept = kept[:max_chars].rstrip()
        cut = True
    if not cut:
        return kept
    hidden = len(lines) - kept.count("\n") - 1
    suffix = f"… ({hidden} more lines)" if hidden > 0 else "…"
    return kept + "\n" + suffix


def head_and_tail(text: str) -> str:
    """The first and last lines of a long tool output, saying how much was cut between."""
    text = text.replace("\r\n", "\n").replace("\r", "\n").strip("\n")
    lines = text.split("\n")
    if len(lines) <= HEAD_LINES + TAIL_LINES and len(text) <= HEAD_CHARS + TAIL_CHARS:
        return text.strip()
    if len(lines) <= HEAD_LINES + TAIL_LINES:  # few, long lines: cut by characters
        cut = len(text) - HEAD_CHARS - TAIL_CHARS
        return f"{text[:HEAD_CHARS]}\n[… {cut:,} characters cut …]\n{text[-TAIL_CHARS:]}".strip()
    head = head_lines("\n".join(lines[:HEAD_LINES]), HEAD_LINES, HEAD_CHARS)
    tail = lines[-TAIL_LINES:]
    while len(tail) > 1 and sum(len(line) + 1 for line in tail) > TAIL_CHARS:
        tail = tail[1:]
    tail_text = "\n".join(tail)
    if len(tail_text) > TAIL_CHARS:
        tail_text = "…" + tail_text[-TAIL_CHARS:]
    cut = len(lines) - HEAD_LINES - len(tail)
    return f"{head}\n[… {cut:,} lines cut …]\n{tail_text}".strip()


def newest_first(
    objects: list[Any],
    parse: Callable[[Any], Transcript],
    update_time: Callable[[Any], float | None],
) -> list[ConversationInfo]:
    """Infos for the non-empty conversations, newest first, undated ones last."""
    infos = []
    for index, obj in enumerate(objects):
        transcript = parse(obj)
        if transcript.turns:
            infos.append(
                ConversationInfo(index, transcript.title, update_time(obj), len(transcript.turns))
            )
    return sorted(infos, key=lambda i: (i.update_time is None, -(i.update_time or 0.0), i.index))


def human_size(count: int) -> str:
    """Human-readable byte count for error messages."""
    if count < 1024:
        return f"{count} bytes"
    if count < 1024 * 1024:
        return f"{count / 1024:.0f} KB"
    return f"{count / (1024 * 1024):.1f} MB".replace(".0 MB", " MB")
