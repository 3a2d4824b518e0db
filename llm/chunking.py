"""Splitting a session into pieces that fit the model's window, by estimated tokens.

Estimates are deliberately pessimistic (no tokenizer is downloaded, see llm/tokens.py), so
a request that the estimate says fits does fit; a server that still says it does not gets
the same input again in smaller pieces (llm/writer.py).
"""
from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence

from handoff.types import TurnIn
from llm.tokens import estimate_tokens

SAFETY = 1.05  # margin for a tokenizer costlier than the two the estimate covers
MESSAGE_OVERHEAD = 8  # role and framing tokens per chat message


def safe_tokens(text: str) -> int:
    """The estimate with its margin: what chunking and request checks count."""
    return int(estimate_tokens(text) * SAFETY) + 1


def render_turn(turn: TurnIn) -> str:
    who = f"{turn.role} · {turn.author}" if turn.author else turn.role
    return f"[{who}]\n{turn.text.strip()}\n"


def _split_long(text: str, limit: int) -> Iterator[str]:
    """Cut one over-long turn at line boundaries (or hard, for a single giant line)."""
    piece: list[str] = []
    size = 0
    for line in text.splitlines(keepends=True):
        cost = safe_tokens(line)
        while cost > limit:  # a single line longer than a chunk
            if piece:
                yield "".join(piece)
                piece, size = [], 0
            cut = max(1, len(line) * limit // cost)
            yield line[:cut]
            line = line[cut:]
            cost = safe_tokens(line)
        if size + cost > limit and piece:
            yield "".join(piece)
            piece, size = [], 0
        piece.append(line)
        size += cost
    if piece:
        yield "".join(piece)


def chunk_turns(turns: Iterable[TurnIn], limit: int) -> list[str]:
    """Group rendered turns, in order, into chunks of at most `limit` estimated tokens."""
    if limit < 64:
        raise ValueError("context too small for any chunk")
    chunks: list[str] = []
    current: list[str] = []
    size = 0
    for turn in turns:
        text = render_turn(turn)
        for part in _split_long(text, limit) if safe_tokens(text) > limit else (text,):
            cost = safe_tokens(part)
            if size + cost > limit and current:
                chunks.append("\n".join(current))
                current, size = [], 0
            current.append(part)
            size += cost
    if current:
        chunks.append("\n".join(current))
    return chunks


def split_in_two(text: str) -> tuple[str, str]:
    """Halve a chunk at the line break nearest its middle (mid-line for a single line)."""
    middle = len(text) // 2
    cuts = [i + 1 for i in (text.rfind("\n", 0, middle), text.find("\n", middle))
            if 0 <= i and i + 1 < len(text)]
    cut = min(cuts, key=lambda c: abs(c - middle)) if cuts else middle
    return text[:cut], text[cut:]


def request_tokens(messages: Sequence[dict[str, str]]) -> int:
    return sum(safe_tokens(m["content"]) + MESSAGE_OVERHEAD for m in messages)
