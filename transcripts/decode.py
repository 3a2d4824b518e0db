"""Turn uploaded bytes into text, refusing binaries early.

Users upload whatever their OS produced: UTF-8 with or without BOM, or
UTF-16/32 from Windows tools. Anything else is rejected with one clear sentence
rather than imported as mojibake.
"""
from __future__ import annotations

from .model import TranscriptError

NOT_TEXT = "That file is not text I can read (it looks binary)."
NOT_UTF = "That file is not UTF-8 or UTF-16 text."

# Longest BOMs first: the UTF-32-LE BOM starts with the UTF-16-LE one.
_BOMS: tuple[tuple[bytes, str], ...] = (
    (b"\xff\xfe\x00\x00", "utf-32-le"),
    (b"\x00\x00\xfe\xff", "utf-32-be"),
    (b"\xef\xbb\xbf", "utf-8"),
    (b"\xff\xfe", "utf-16-le"),
    (b"\xfe\xff", "utf-16-be"),
)
_ALLOWED_CONTROLS = frozenset("\t\n\r\f\v\x1b")
_MAX_CONTROL_SHARE = 0.05


def decode_text(data: bytes) -> str:
    """Decode `data` as UTF-8/16/32 text (BOM stripped) or raise TranscriptError."""
    bom, encoding = next(((b, e) for b, e in _BOMS if data.startswith(b)), (b"", "utf-8"))
    body = data[len(bom):]
    if not bom and b"\x00" in body:
        raise TranscriptError(NOT_TEXT)
    try:
        text = body.decode(encoding)
    except UnicodeDecodeError:
        raise TranscriptError(NOT_UTF) from None
    if _looks_binary(text):
        raise TranscriptError(NOT_TEXT)
    return text


def _looks_binary(text: str) -> bool:
    """True when NULs or too many control characters show it isn't prose or JSON."""
    if "\x00" in text:
        return True
    sample = text[:65536]
    if not sample:
        return False
    controls = sum(
        1 for ch in sample if (ch < " " or "\x7f" <= ch < "\xa0") and ch not in _ALLOWED_CONTROLS
    )
    return controls > max(2, len(sample) * _MAX_CONTROL_SHARE)
