"""ChatGPT data export: `conversations.json` (a list) or one conversation object.

A conversation is a tree (`mapping`) because edits and regenerations branch
it; only the branch ending at `current_node` is what the user last saw, so
that is the one imported.
"""
from __future__ import annotations

from typing import Any

from ._util import as_dict, as_list, as_number, as_str, newest_first, short_line, utc_from_epoch
from .model import ConversationInfo, ParsedTurn, Transcript

FORMAT = "chatgpt"
_SKIPPED_CONTENT = frozenset({"thoughts", "reasoning_recap", "user_editable_context"})


def matches(data: Any) -> bool:
    """True if `data` looks like a ChatGPT export (conversations carry a `mapping`)."""
    return any("mapping" in obj for obj in conversations(data))


def conversations(data: Any) -> list[dict[str, Any]]:
    """The conversation objects in the export, in file order."""
    items = data if isinstance(data, list) else [data]
    return [obj for obj in items if isinstance(obj, dict) and isinstance(obj.get("mapping"), dict)]


def list_conversations(data: Any) -> list[ConversationInfo]:
    """Non-empty conversations, newest first."""
    return newest_first(conversations(data), parse_conversation, _update_time)


def parse_conversation(obj: Any) -> Transcript:
    """The visible turns of the active branch of one conversation."""
    conv = as_dict(obj)
    mapping = as_dict(conv.get("mapping"))
    turns: list[ParsedTurn] = []
    for node_id in _active_path(mapping, conv.get("current_node")):
        turn = _turn(as_dict(as_dict(mapping.get(node_id)).get("message")))
        if turn is not None:
            turns.append(turn)
    return Transcript(as_str(conv.get("title")).strip(), tuple(turns), FORMAT)


def _update_time(obj: Any) -> float | None:
    conv = as_dict(obj)
    return as_number(conv.get("update_time")) or as_number(conv.get("create_time"))


def _active_path(mapping: dict[str, Any], current: Any) -> list[str]:
    """Node ids from the root to the active leaf."""
    if isinstance(current, str) and current in mapping:
        path: list[str] = []
        seen: set[str] = set()
        node_id: Any = current
        while isinstance(node_id, str) and node_id in mapping and node_id not in seen:
            seen.add(node_id)
            path.append(node_id)
            node_id = as_dict(mapping[node_id]).get("parent")
        return path[::-1]
    return _last_child_path(mapping)


def _last_child_path(mapping: dict[str, Any]) -> list[str]:
    """Without `current_node`: from the root, keep following the newest (last) child."""
    roots = [key for key, node in mapping.items() if as_str(as_dict(node).get("parent")) not in mapping]
    if not roots:
        return []
    path: list[str] = []
    seen: set[str] = set()
    node_id: str | None = roots[0]
    while node_id is not None and node_id not in seen:
        seen.add(node_id)
        path.append(node_id)
        children = [
            c for c in as_list(as_dict(mapping.get(node_id)).get("children"))
            if isinstance(c, str) and c in mapping
        ]
        node_id = children[-1] if children else None
    return path


def _turn(message: dict[str, Any]) -> ParsedTurn | None:
    """One visible turn for `message`, or None for hidden/system/empty/reasoning ones."""
    if not message:
        return None
    author = as_dict(message.get("author"))
    role = as_str(author.get("role"))
    metadata = as_dict(message.get("metadata"))
    if role == "system" or metadata.get("is_visually_hidden_from_conversation") is True:
        return None
    content = as_dict(message.get("content"))
    kind = as_str(content.get("content_type"))
    if kind in _SKIPPED_CONTENT:
        return None
    text = _content_text(content).strip()
    at = utc_from_epoch(message.get("create_time"))  # Unix seconds, may be null
    recipient = as_str(message.get("recipient")) or "all"
    if role == "assistant" and recipient != "all":
        return ParsedTurn("tool", recipient, "Called with: " + short_line(text), at) if text else None
    if role == "tool":
        name = as_str(author.get("name")) or "tool"
        return ParsedTurn("tool", name, short_line(text), at) if text else None
    if role == "user":
        text = "\n".join(filter(None, [text, _attachments(metadata)]))
        return ParsedTurn("user", "You", text, at) if text else None
    if role == "assistant":
        if kind == "code" and text:
            text = f"```{as_str(content.get('language')).replace('unknown', '')}\n{text}\n```"
        return ParsedTurn("assistant", "ChatGPT", text, at) if text else None
    return None


def _content_text(content: dict[str, Any]) -> str:
    """Readable text for any content type; non-text parts become short tags."""
    kind = as_str(content.get("content_type"))
    if kind == "tether_browsing_display":
        return as_str(content.get("summary")) or as_str(content.get("result"))
    if kind == "tether_quote":
        title, url = as_str(content.get("title")), as_str(content.get("url"))
        quote = as_str(content.get("text"))
        return " ".join(filter(None, [title, f"({url})" if url else "", quote]))
    if "parts" in content:
        return "\n".join(filter(None, (_part_text(p) for p in as_list(content.get("parts")))))
    return as_str(content.get("text")) or as_str(content.get("result"))


def _part_text(part: Any) -> str:
    if isinstance(part, str):
        return part
    part = as_dict(part)
    kind = as_str(part.get("content_type"))
    if as_str(part.get("text")):
        return as_str(part.get("text"))  # e.g. audio_transcription
    if kind == "image_asset_pointer":
        return "[image]"
    if kind.startswith("audio"):
        return "[audio]"
    if kind.startswith("video"):
        return "[video]"
    return f"[{kind}]" if kind else ""


def _attachments(metadata: dict[str, Any]) -> str:
    names = [as_str(as_dict(a).get("name")) for a in as_list(metadata.get("attachments"))]
    return "\n".join(f"[attachment: {name}]" for name in names if name)
