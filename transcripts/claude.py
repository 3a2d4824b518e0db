"""Claude.ai export: the bulk `conversations.json` array or one conversation object.

Older bulk exports list messages out of order and without parent links, so
those are sorted by time (a prompt and its reply share one timestamp: human
first). Newer objects link messages into a tree; the branch ending at
`current_leaf_message_uuid` is the one the user last saw.
"""
from __future__ import annotations

import json
from collections.abc import Mapping
from types import MappingProxyType
from typing import Any

from ._util import (
    as_dict,
    as_list,
    as_number,
    as_str,
    iso_timestamp,
    newest_first,
    short_line,
    utc_from_iso,
)
from .model import ConversationInfo, ParsedTurn, Transcript

FORMAT = "claude"
_SPEAKERS: Mapping[str, tuple[str, str]] = MappingProxyType(
    {"human": ("user", "You"), "assistant": ("assistant", "Claude")}
)


def matches(data: Any) -> bool:
    """True if `data` looks like a Claude.ai export (conversations carry `chat_messages`)."""
    return bool(conversations(data))


def conversations(data: Any) -> list[dict[str, Any]]:
    """The conversation objects in the export, in file order."""
    items = data if isinstance(data, list) else [data]
    return [
        obj for obj in items
        if isinstance(obj, dict) and isinstance(obj.get("chat_messages"), list)
    ]


def list_conversations(data: Any) -> list[ConversationInfo]:
    """Non-empty conversations, newest first."""
    return newest_first(conversations(data), parse_conversation, _update_time)


def parse_conversation(obj: Any) -> Transcript:
    """The turns of one conversation, in conversation order."""
    conv = as_dict(obj)
    messages = [m for m in as_list(conv.get("chat_messages")) if isinstance(m, dict)]
    turns: list[ParsedTurn] = []
    for message in _ordered(messages, conv.get("current_leaf_message_uuid")):
        turns.extend(_turns(message))
    return Transcript(as_str(conv.get("name")).strip(), tuple(turns), FORMAT)


def _update_time(obj: Any) -> float | None:
    conv = as_dict(obj)
    return iso_timestamp(conv.get("updated_at")) or iso_timestamp(conv.get("created_at"))


def _ordered(messages: list[dict[str, Any]], leaf: Any) -> list[dict[str, Any]]:
    """Messages on the active branch when linked, else all of them sorted by time."""
    by_uuid = {as_str(m.get("uuid")): m for m in messages if as_str(m.get("uuid"))}
    if isinstance(leaf, str) and leaf in by_uuid:
        chain: list[dict[str, Any]] = []
        seen: set[str] = set()
        current: Any = leaf
        while isinstance(current, str) and current in by_uuid and current not in seen:
            seen.add(current)
            chain.append(by_uuid[current])
            current = by_uuid[current].get("parent_message_uuid")
        return chain[::-1]

    def key(item: tuple[int, dict[str, Any]]) -> tuple[float, float, int, int]:
        position, message = item
        created = iso_timestamp(message.get("created_at"))
        index = as_number(message.get("index"))
        human_first = 0 if message.get("sender") == "human" else 1
        return (
            created if created is not None else float("inf"),
            index if index is not None else float("inf"),
            human_first,
            position,
        )

    return [m for _, m in sorted(enumerate(messages), key=key)]


def _turns(message: dict[str, Any]) -> list[ParsedTurn]:
    """Turns for one message: its text plus one-line tool calls and results."""
    role, author = _SPEAKERS.get(as_str(message.get("sender")), ("", ""))
    if not role:
        return []
    at = utc_from_iso(message.get("created_at"))  # every turn of one message shares its time
    turns: list[ParsedTurn] = []
    text_parts: list[str] = []

    def flush() -> None:
        text = "\n\n".join(p for p in text_parts if p.strip()).strip()
        if text:
            turns.append(ParsedTurn(role, author, text, at))
        text_parts.clear()

    blocks = [b for b in as_list(message.get("content")) if isinstance(b, dict)]
    if not blocks:
        text_parts.append(as_str(message.get("text")))
    for block in blocks:
        kind = as_str(block.get("type"))
        if kind == "text":
            text_parts.append(as_str(block.get("text")))
        elif kind == "tool_use":
            flush()
            name = as_str(block.get("name")) or "tool"
            turns.append(ParsedTurn("tool", name, "Called with: " + short_line(_compact(block.get("input"))),
                                    at))
        elif kind == "tool_result":
            flush()
            name = as_str(block.get("name")) or "tool"
            result = short_line(_result_text(block.get("content")))
            turns.append(ParsedTurn("tool", name, result or "(no output)", at))
        # "thinking" and unknown blocks are private reasoning or UI state: skipped.
    text_parts.extend(_attachments(message))
    flush()
    return turns


def _attachments(message: dict[str, Any]) -> list[str]:
    """Pasted/uploaded documents (with their extracted text) and file names."""
    parts = []
    for attachment in as_list(message.get("attachments")):
        attachment = as_dict(attachment)
        name = as_str(attachment.get("file_name")) or "attachment"
        body = as_str(attachment.get("extracted_content")).strip()
        if body:
            parts.append(f"[attachment: {name}]\n{body}")
    files = as_list(message.get("files")) or as_list(message.get("files_v2"))
    names = [as_str(as_dict(f).get("file_name")) for f in files]
    parts.extend(f"[file: {name}]" for name in names if name)
    return parts


def _result_text(content: Any) -> str:
    if isinstance(content, str):
        return content
    pieces = [as_str(as_dict(item).get("text")) for item in as_list(content)]
    return " ".join(p for p in pieces if p)


def _compact(value: Any) -> str:
    if isinstance(value, str):
        return value
    try:
        return json.dumps(value, ensure_ascii=False, separators=(",", ":"))
    except (TypeError, ValueError):
        return ""
