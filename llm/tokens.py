"""Cheap, conservative token counts, by content.

No tokenizer is downloaded, and the model behind an endpoint is unknown, so the estimate
has to cover the more expensive of the tokenizer families in common use: 32k-vocabulary
SentencePiece (Llama 2, Mistral 7B, Phi-3) splits every digit and most symbols apart,
128k-vocabulary BPE (Llama 3, Qwen, GPT-4o) is cheaper. Characters/4 is fine for English
prose but undercounts code and shell output by about 1.5x (a request of 28,709 characters
estimated at 7,022 tokens was 10,439 on a llama.cpp server), so the text is priced piece
by piece: ordinary words, identifiers and other letter runs, digits, symbols, CJK and
other non-ASCII characters. The weights were fitted, as an upper bound, to both
tokenizers' counts on code, diffs, JSON, shell output, transcripts and prose; code and
shell output come out at 2.5 characters a token or fewer, English prose near 4. The
prices add up over pieces of a text (up to rounding), so chunking can sum lines.
"""
from __future__ import annotations

import re

from handoff.text import count_words

PROSE_CHARS_PER_TOKEN = 4.0  # the prose blend, kept as the floor: chars/4 ...
PROSE_TOKENS_PER_WORD = 1.3  # ... and words x 1.3, averaged
WORD_TOKENS = 0.6  # an ordinary word (lower case or Capitalised, up to 12 letters) ...
WORD_TOKENS_PER_LETTER = 1 / 6  # ... plus this per letter
RUN_TOKENS = 0.55  # any other letter run (identifiers, CamelCase, hashes) ...
RUN_TOKENS_PER_LETTER = 0.45  # ... plus this per letter: about 2.5 letters a token
DIGIT_TOKENS = 1.6  # 32k vocabularies split numbers digit by digit
SYMBOL_TOKENS = 0.85  # ASCII punctuation; common pairs like `()` or `==` merge
CJK_TOKENS = 1.3  # per CJK ideograph, kana or hangul syllable
OTHER_LETTER_TOKENS = 0.5  # per Cyrillic, Greek, accented... letter
OTHER_SYMBOL_TOKENS = 2.5  # per emoji or other non-ASCII symbol (byte fallback)

_LETTER_RUN = re.compile(r"[A-Za-z]+")
_WORD = re.compile(r"(?<![^\s(\"'])[A-Z]?[a-z]{1,11}(?=[\s.,;:!?)\"']|$)")
_DIGIT = re.compile(r"[0-9]")
_SYMBOL = re.compile(r"[!-/:-@\[-`{-~]")
_CJK = re.compile(r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af]")
_OTHER_LETTER = re.compile(r"[^\W\x00-\x7f]")  # word characters beyond ASCII (CJK too)
_OTHER_SYMBOL = re.compile(r"[^\w\s\x00-\x7f]")


def _letters(runs: list[str]) -> int:
    return sum(map(len, runs))


def structural_tokens(text: str) -> float:
    """The piece-by-piece price of `text`, unrounded."""
    runs = _LETTER_RUN.findall(text)
    words = _WORD.findall(text)
    word_letters = _letters(words)
    cost = (len(words) * WORD_TOKENS + word_letters * WORD_TOKENS_PER_LETTER
            + (len(runs) - len(words)) * RUN_TOKENS
            + (_letters(runs) - word_letters) * RUN_TOKENS_PER_LETTER
            + len(_DIGIT.findall(text)) * DIGIT_TOKENS
            + len(_SYMBOL.findall(text)) * SYMBOL_TOKENS)
    if not text.isascii():
        cjk = len(_CJK.findall(text))
        cost += (cjk * CJK_TOKENS
                 + (len(_OTHER_LETTER.findall(text)) - cjk) * OTHER_LETTER_TOKENS
                 + len(_OTHER_SYMBOL.findall(text)) * OTHER_SYMBOL_TOKENS)
    return cost


def prose_tokens(text: str) -> float:
    """The old prose blend: the mean of chars/4 and words x 1.3."""
    return (len(text) / PROSE_CHARS_PER_TOKEN + count_words(text) * PROSE_TOKENS_PER_WORD) / 2.0


def estimate_tokens(text: str) -> int:
    """Tokens `text` may cost on an unknown model, rounded up; 0 for empty text."""
    if not text:
        return 0
    return int(max(structural_tokens(text), prose_tokens(text)) + 0.999)
