"""Gemini CLI sessions (`~/.gemini/tmp/<project>/chats/session-*.json`): one session per file.

The file is `{sessionId, startTime, lastUpdated, messages: [...]}`; a message has `type`
user / gemini (or info / warning / error from the CLI itself), `content` (a string or a
list of parts) and its `timestamp`. A gemini message's `toolCalls` carry each call's name,
`args` and result: they become `$ command` / `[tool NAME] args` lines and short "tool"
turns, as for OpenHands runs; `thoughts` are left out.
"""
from __future__ import annotations

import json
from typing import Any

from ._util import as_dict, as_list, as_str, head_lines, iso_timestamp, newest_first, short_line, utc_from_iso
from .model import ConversationInfo, ParsedTurn, Transcript

FORMAT = "gemini"
AGENT = "gemini"
CLI = "gemini-cli"  # author of the CLI's own warnings and errors
_MESSAGE_TYPES = frozenset({"user", "gemini"})
_SNIFF_MESSAGES = 50
_TITLE_CHARS = 80
_ARGS_CHARS = 300  # rendered arguments of a call other than a shell command
_ERROR_CHARS = 500  # a failed call's message, on one line
_SHELL_TOOLS = frozenset({"run_shell_command", "shell"})
_BULKY_ARGS = frozenset({"content", "old_string", "new_string"})  # file bodies: the path says enough


def matches(data: Any) -> bool:
    """True for an object whose `messages` hold user / gemini messages."""
    return bool(conversations(data))


def conversations(data: Any) -> list[Any]:
    """The one session, or nothing."""
    messages = as_list(as_dict(data).get("messages"))
    typed = (as_str(as_dict(message).get("type")) for message in messages[:_SNIFF_MESSAGES])
    return [data] if any(kind in _MESSAGE_TYPES for kind in typed) else []


def list_conversations(data: Any) -> list[ConversationInfo]:
    """The session, if it has any turns."""
    return newest_first(conversations(data), parse_conversation, _update_time)


def _update_time(session: Any) -> float | None:
    session = as_dict(session)
    moment = iso_timestamp(session.get("lastUpdated"))
    if moment is not None:
        return moment
    for message in reversed(as_list(session.get("messages"))):
        moment = iso_timestamp(as_dict(message).get("timestamp"))
        if moment is not None:
            return moment
    return iso_timestamp(session.get("startTime"))


def parse_conversation(obj: Any) -> Transcript:
    """Turns of one session in file order, each at its message's (or tool call's) time."""
    session = as_dict(obj)
    turns: list[ParsedTurn] = []
    for message in as_list(session.get("messages")):
        turns.extend(_turns(as_dict(message)))
    summary = as_str(session.get("summary")).strip()
    first = next((t.text for t in turns if t.role == "user"), "")
    title = summary or first.strip().split("\n", 1)[0]
    return Transcript(short_line(title, _TITLE_CHARS) if title else "", tuple(turns), FORMAT)


def _turns(message: dict[str, Any]) -> list[ParsedTurn]:
    kind = message.get("type")
    at = utc_from_iso(message.get("timestamp"))
    text = _content_text(message.get("content"))
    if kind == "user":
        return [ParsedTurn("user", "user", text, at)] if text else []
    if kind in ("error", "warning"):
        return [ParsedTurn("system", CLI, f"{kind.capitalize()}: {text}", at)] if text else []
    if kind != "gemini":
        return []  # info lines ("Request cancelled.") and unknown kinds
    calls = [as_dict(call) for call in as_list(message.get("toolCalls")) if isinstance(call, dict)]
    said = "\n\n".join(filter(None, [text, *(_describe(call) for call in calls)]))
    turns = [ParsedTurn("assistant", AGENT, said, at)] if said else []
    for call in calls:
        result = _result_text(call)
        if result:
            when = utc_from_iso(call.get("timestamp")) or at
            turns.append(ParsedTurn("tool", as_str(call.get("name")) or "tool", result, when))
    return turns


def _content_text(content: Any) -> str:
    """A string, or the text of a list of parts (strings or `{text}` objects)."""
    if isinstance(content, str):
        return content.strip()
    if isinstance(content, dict):
        content = [content]
    parts = []
    for part in as_list(content):
        text = part if isinstance(part, str) else as_str(as_dict(part).get("text"))
        if text.strip():
            parts.append(text.strip())
    return "\n\n".join(parts)


def _describe(call: dict[str, Any]) -> str:
    """`$ command` for the shell tool, else `[tool NAME] args`."""
    name = as_str(call.get("name")) or "tool"
    args = as_dict(call.get("args"))
    command = as_str(args.get("command")).strip()
    if name in _SHELL_TOOLS and command:
        return f"$ {command}"
    shown = {key: value for key, value in args.items() if key not in _BULKY_ARGS}
    try:
        rendered = json.dumps(shown, ensure_ascii=False, default=str) if shown else ""
    except (TypeError, ValueError):
        rendered = ""
    return f"[tool {name}] {short_line(rendered, _ARGS_CHARS)}".rstrip()


def _result_text(call: dict[str, Any]) -> str:
    """The call's error, else its output (`functionResponse.response`, else `resultDisplay`), shortened."""
    error = as_str(call.get("error")).strip()
    output = _output(call)
    if call.get("status") == "error" or error:
        return f"Error: {short_line(error or output, _ERROR_CHARS)}" if error or output else "Error."
    return head_lines(output) if output else ""


def _output(call: dict[str, Any]) -> str:
    for item in as_list(call.get("result")):
        response = as_dict(as_dict(as_dict(item).get("functionResponse")).get("response"))
        text = as_str(response.get("output")) or as_str(response.get("error"))
        if text.strip():
            return text.strip()
    display = call.get("resultDisplay")
    return display.strip() if isinstance(display, str) else ""
