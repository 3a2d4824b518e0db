"""Split a pasted conversation on role markers such as "You said:" or "**User:**".

Copying a chat out of ChatGPT or Claude, or out of someone's notes, yields
plain text with speaker labels at line starts. Fenced code blocks are kept
intact: a line that looks like a marker inside ``` is content, not a speaker.
"""
from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from types import MappingProxyType

from .model import ParsedTurn

_WORDS = r"you said|chatgpt said|user|assistant|human|claude|tool|system"
# Tool output and system text are marked only by a label alone on its line (as agent
# transcripts write them): "Tool: pytest" in prose stays prose.
_LINE_ONLY = frozenset({"tool", "system"})
_MARKER = re.compile(
    r"^[ \t]{0,3}(?:#{1,6}[ \t]+)?(?:"
    rf"(?P<bold>\*\*|__)[ \t]*(?P<w1>{_WORDS})[ \t]*(?::[ \t]*(?P=bold)|(?P=bold)[ \t]*:)"
    rf"|(?P<w2>{_WORDS})[ \t]*:)",
    re.IGNORECASE,
)
_FENCE = re.compile(r"^[ \t]{0,3}(?P<fence>`{3,}|~{3,})")

# marker word -> (role, author)
_SPEAKERS: Mapping[str, tuple[str, str]] = MappingProxyType({
    "you said": ("user", "You"),
    "user": ("user", "User"),
    "human": ("user", "Human"),
    "chatgpt said": ("assistant", "ChatGPT"),
    "assistant": ("assistant", "Assistant"),
    "claude": ("assistant", "Claude"),
    "tool": ("tool", "Tool"),
    "system": ("system", "System"),
})


def _normalise_newlines(text: str) -> str:
    return text.replace("\r\n", "\n").replace("\r", "\n")


def _lines_outside_fences(lines: list[str]) -> Iterator[tuple[int, bool]]:
    """Yield (line index, is_outside_code_fence) for every line."""
    open_fence = ""
    for index, line in enumerate(lines):
        match = _FENCE.match(line)
        if open_fence:
            closes = (
                match is not None
                and match.group("fence")[0] == open_fence[0]
                and len(match.group("fence")) >= len(open_fence)
                and not line[match.end():].strip()
            )
            yield index, False
            if closes:
                open_fence = ""
        elif match is not None:
            open_fence = match.group("fence")
            yield index, False
        else:
            yield index, True


def _marker_at(line: str) -> tuple[str, str, str] | None:
    """(role, author, rest of line) if `line` starts with a role marker."""
    match = _MARKER.match(line)
    if match is None:
        return None
    word = re.sub(r"\s+", " ", (match.group("w1") or match.group("w2")).lower())
    role, author = _SPEAKERS[word]
    rest = line[match.end():].strip()
    if word in _LINE_ONLY and rest:
        return None
    return role, author, rest


def has_markers(text: str) -> bool:
    """True if at least one role marker starts a line outside code fences."""
    lines = _normalise_newlines(text).split("\n")
    return any(outside and _marker_at(lines[i]) for i, outside in _lines_outside_fences(lines))


def split_pasted(text: str) -> list[ParsedTurn]:
    """Split pasted text into turns; without markers, one "note" turn (or none if blank)."""
    lines = _normalise_newlines(text).split("\n")
    turns: list[ParsedTurn] = []
    role, author, body = "note", "", []  # text before the first marker
    found = False
    for index, outside in _lines_outside_fences(lines):
        marker = _marker_at(lines[index]) if outside else None
        if marker is None:
            body.append(lines[index])
            continue
        found = True
        _flush(turns, role, author, body)
        role, author, rest = marker
        body = [rest] if rest else []
    _flush(turns, role, author, body)
    if not found:
        stripped = text.strip()
        return [ParsedTurn("note", "", _normalise_newlines(stripped))] if stripped else []
    return turns


def _flush(turns: list[ParsedTurn], role: str, author: str, body: list[str]) -> None:
    """Append a turn for `body` unless it is blank (e.g. two markers in a row)."""
    content = "\n".join(line.rstrip() for line in body).strip("\n")
    if content.strip():
        turns.append(ParsedTurn(role, author, content))
