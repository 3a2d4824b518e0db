"""Telegram Desktop JSON export: one chat's `result.json` or the whole account.

Every sender is a person, so all turns get role "user" and the sender's name as
author; deciding who played "the assistant" is left to the caller.
"""
from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from types import MappingProxyType
from typing import Any

from ._util import (
    as_dict,
    as_list,
    as_number,
    as_str,
    iso_timestamp,
    newest_first,
    utc_from_epoch,
    utc_from_iso,
)
from .model import ConversationInfo, ParsedTurn, Transcript

FORMAT = "telegram"
_MEDIA_TYPES: Mapping[str, str] = MappingProxyType({
    "voice_message": "voice message",
    "audio_file": "audio",
    "video_file": "video",
    "video_message": "video message",
    "animation": "GIF",
    "sticker": "sticker",
})


def matches(data: Any) -> bool:
    """True for a single-chat export or a full-account export."""
    return bool(conversations(data))


def conversations(data: Any) -> list[dict[str, Any]]:
    """The chats in the export, in file order."""
    root = as_dict(data)
    chats = as_list(as_dict(root.get("chats")).get("list"))
    if chats:
        return [chat for chat in chats if _is_chat(chat)]
    return [root] if _is_chat(root) else []


def _is_chat(obj: Any) -> bool:
    messages = as_dict(obj).get("messages")
    if not isinstance(messages, list):
        return False
    typed = [as_dict(m).get("type") for m in messages[:50]]
    return not messages or any(t in ("message", "service") for t in typed)


def list_conversations(data: Any) -> list[ConversationInfo]:
    """Non-empty chats, most recently active first."""
    return newest_first(conversations(data), parse_conversation, _update_time)


def parse_conversation(obj: Any) -> Transcript:
    """One turn per non-service message, text flattened to plain text."""
    chat = as_dict(obj)
    turns: list[ParsedTurn] = []
    for message in as_list(chat.get("messages")):
        turn = _turn(as_dict(message))
        if turn is not None:
            turns.append(turn)
    return Transcript(_chat_title(chat), tuple(turns), FORMAT)


def _chat_title(chat: dict[str, Any]) -> str:
    name = as_str(chat.get("name")).strip()
    if not name and chat.get("type") == "saved_messages":
        return "Saved Messages"
    return name


def _update_time(obj: Any) -> float | None:
    messages = as_list(as_dict(obj).get("messages"))
    for message in reversed(messages):
        message = as_dict(message)
        moment = as_number(message.get("date_unixtime")) or iso_timestamp(message.get("date"))
        if moment is not None:
            return moment
    return None


def _turn(message: dict[str, Any]) -> ParsedTurn | None:
    if message.get("type") != "message":
        return None  # service messages: joins, pins, calls, title changes...
    text = flatten_text(message.get("text")).strip()
    media = _media_note(message)
    forwarded = as_str(message.get("forwarded_from"))
    body = " ".join(filter(None, [media, text]))
    if not body:
        return None
    if forwarded:
        body = f"[forwarded from {forwarded}] {body}"
    author = as_str(message.get("from")).strip() or "Deleted Account"
    return ParsedTurn("user", author, body, _said_at(message))


def _said_at(message: dict[str, Any]) -> datetime | None:
    """`date_unixtime` is exact; older exports only have `date`, the exporting machine's
    local time without a zone, read as UTC."""
    return utc_from_epoch(message.get("date_unixtime")) or utc_from_iso(message.get("date"))


def flatten_text(value: Any) -> str:
    """Plain text from a string or a list of strings and entity objects; code stays code."""
    if isinstance(value, str):
        return value
    pieces: list[str] = []
    for item in as_list(value):
        if isinstance(item, str):
            pieces.append(item)
            continue
        entity = as_dict(item)
        text = as_str(entity.get("text"))
        kind = entity.get("type")
        if kind == "pre":
            language = as_str(entity.get("language"))
            lead = "" if not pieces or "".join(pieces).endswith("\n") else "\n"
            pieces.append(f"{lead}```{language}\n{text.strip(chr(10))}\n```\n")
        elif kind == "code":
            pieces.append(f"`{text.strip()}`" + text[len(text.rstrip()):])
        elif kind == "text_link" and as_str(entity.get("href")) not in ("", text.strip()):
            pieces.append(f"{text.rstrip()} ({as_str(entity.get('href'))})" + text[len(text.rstrip()):])
        else:
            pieces.append(text)
    return "".join(pieces)


def _media_note(message: dict[str, Any]) -> str:
    """A short tag such as "[photo]" for attached media (the files aren't imported)."""
    if "photo" in message:
        return "[photo]"
    media_type = as_str(message.get("media_type"))
    if media_type:
        label = _MEDIA_TYPES.get(media_type, media_type.replace("_", " "))
        emoji = as_str(message.get("sticker_emoji"))
        return f"[{label} {emoji}]" if emoji else f"[{label}]"
    if "file" in message:
        name = as_str(message.get("file_name")) or as_str(message.get("file")).rsplit("/", 1)[-1]
        return f"[file: {name}]" if name else "[file]"
    poll = as_dict(message.get("poll"))
    if poll:
        return f"[poll: {as_str(poll.get('question'))}]"
    if "location_information" in message:
        return "[location]"
    if "contact_information" in message:
        return "[contact]"
    return ""
