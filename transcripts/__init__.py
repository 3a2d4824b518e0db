"""Import conversations from AI-chat exports, Telegram exports, agent logs or pasted text.

Pure domain code: no Telegram, storage or network access. Use `parse_file`.
"""
from .decode import decode_text
from .detect import parse_file
from .jsonload import load_json, load_json_lines
from .model import (
    Choice,
    ConversationInfo,
    Limits,
    ParsedTurn,
    Transcript,
    TranscriptError,
)
from .pasted import has_markers, split_pasted

__all__ = [
    "Choice",
    "ConversationInfo",
    "Limits",
    "ParsedTurn",
    "Transcript",
    "TranscriptError",
    "decode_text",
    "has_markers",
    "load_json",
    "load_json_lines",
    "parse_file",
    "split_pasted",
]
