"""How big a handoff may be.

Budgets are given in words (what users see); a budget also caps characters, at
``CHARS_PER_WORD`` per word, so a document full of long paths and identifiers is not
larger than its budget suggests. A budget may also be asked as a share of the session
(``10%``): that share of the session's characters, expressed in words.
"""
from __future__ import annotations

import math

from bot.config import HandoffConfig

# `[handoff] budget_words` owns the number (bot.config imports nothing, so this stays plain
# Python); the builder, the offline CLI and the benches default to the bot's budget.
DEFAULT_BUDGET_WORDS = HandoffConfig().budget_words
CHARS_PER_WORD = 6  # English prose with its spaces; also the char cap per budget word
MIN_BUDGET_WORDS = 40


def chars_for(budget_words: int) -> int:
    """The character cap that goes with a word budget."""
    return budget_words * CHARS_PER_WORD


def words_for_share(session_chars: int, percent: float) -> int:
    """The word budget whose character cap is ``percent`` of the session's characters."""
    return max(MIN_BUDGET_WORDS, math.floor(session_chars * percent / 100 / CHARS_PER_WORD))
