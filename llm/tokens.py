"""Cheap token and word counts.

Budgets are enforced in words (what users see); the token estimate is only reported so
the bot can warn before pasting a handoff into a model with a small context. No tokenizer
is downloaded: characters/4 and words*1.3 are both decent for English prose and code, and
their mean is steadier than either alone.
"""
from __future__ import annotations

from handoff.text import count_words


def estimate_tokens(text: str) -> int:
    """Blend of chars/4 and words*1.3, rounded up; 0 for empty text."""
    if not text:
        return 0
    by_chars = len(text) / 4.0
    by_words = count_words(text) * 1.3
    return int((by_chars + by_words) / 2.0 + 0.999)
