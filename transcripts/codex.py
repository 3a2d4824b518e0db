"""Codex CLI rollouts (`~/.codex/sessions/.../rollout-*.jsonl`): one session per file.

Each line is `{timestamp, type, payload}`. `response_item` lines carry what the model saw
and said (messages, function calls and their outputs, reasoning); `event_msg` lines repeat
the user's and the agent's words for the terminal UI, so they are read only when a rollout
has no messages of its own, to keep every turn once. `session_meta.instructions` and the
injected `<environment_context>` / AGENTS.md messages are the agent's manual, not requests,
and reasoning is left out. Calls become `$ command` / `[tool NAME] ...` lines and their
outputs short "tool" turns, as for OpenHands runs.
"""
from __future__ import annotations

import json
import re
import shlex
from typing import Any

from ._util import (
    as_dict,
    as_list,
    as_number,
    as_str,
    head_lines,
    iso_timestamp,
    newest_first,
    short_line,
    utc_from_iso,
)
from .model import ConversationInfo, ParsedTurn, Transcript

FORMAT = "codex"
AGENT = "codex"
_LINE_TYPES = frozenset({"session_meta", "turn_context", "event_msg", "response_item", "compacted"})
_SNIFF_LINES = 20  # a rollout names its line types from the first line on
_TITLE_CHARS = 80
_ARGS_CHARS = 300  # rendered arguments of a call other than a shell command
# User messages Codex writes itself: the environment, AGENTS.md, an interruption notice.
_INJECTED = ("<environment_context>", "<user_instructions>", "# AGENTS.md instructions", "<INSTRUCTIONS>",
             "<turn_aborted>")
_SHELLS = frozenset({"bash", "sh", "zsh", "/bin/bash", "/bin/sh", "/bin/zsh"})
_PATCH_FILE = re.compile(r"^\*\*\* (Add|Update|Delete) File: (.+)$", re.MULTILINE)
_EXIT_LINE = re.compile(r"^Exit code: (-?\d+)\s*$", re.MULTILINE)


def matches(data: Any) -> bool:
    """True for a list of rollout lines (`type` one of Codex's line types with a `payload` object)."""
    return bool(conversations(data))


def conversations(data: Any) -> list[Any]:
    """The one rollout, or nothing."""
    lines = as_list(data)
    return [lines] if any(_is_line(line) for line in lines[:_SNIFF_LINES]) else []


def _is_line(line: Any) -> bool:
    line = as_dict(line)
    return as_str(line.get("type")) in _LINE_TYPES and isinstance(line.get("payload"), dict)


def list_conversations(data: Any) -> list[ConversationInfo]:
    """The rollout, if it has any turns."""
    return newest_first(conversations(data), parse_conversation, _update_time)


def _update_time(lines: Any) -> float | None:
    for line in reversed(as_list(lines)):
        moment = iso_timestamp(as_dict(line).get("timestamp"))
        if moment is not None:
            return moment
    return None


def parse_conversation(obj: Any) -> Transcript:
    """Turns of one rollout, each at its line's time."""
    lines = [as_dict(line) for line in as_list(obj) if _is_line(line)]
    has_messages = any(_payload(line).get("type") == "message" for line in lines
                       if line.get("type") == "response_item")
    tools: dict[str, str] = {}  # call_id -> tool name, for naming the outputs
    turns: list[ParsedTurn] = []
    for line in lines:
        turn = _turn(line, has_messages, tools)
        if turn is not None:
            turns.append(ParsedTurn(turn.role, turn.author, turn.text, utc_from_iso(line.get("timestamp"))))
    return Transcript(_title(lines, turns), tuple(turns), FORMAT)


def _payload(line: dict[str, Any]) -> dict[str, Any]:
    return as_dict(line.get("payload"))


def _title(lines: list[dict[str, Any]], turns: list[ParsedTurn]) -> str:
    """The working directory's name (the project the agent worked on), else the first request."""
    for line in lines:
        if line.get("type") == "session_meta":
            cwd = as_str(_payload(line).get("cwd")).replace("\\", "/").rstrip("/")
            if cwd.rsplit("/", 1)[-1]:
                return cwd.rsplit("/", 1)[-1]
    first = next((t.text for t in turns if t.role == "user"), "")
    return short_line(first.strip().split("\n", 1)[0], _TITLE_CHARS) if first.strip() else ""


def _turn(line: dict[str, Any], has_messages: bool, tools: dict[str, str]) -> ParsedTurn | None:
    kind = line.get("type")
    payload = _payload(line)
    if kind == "response_item":
        return _item_turn(payload, tools)
    if kind == "event_msg" and not has_messages:
        return _event_turn(payload)
    if kind == "compacted":
        summary = as_str(payload.get("message")).strip()
        return ParsedTurn("system", AGENT, f"Earlier context, compacted:\n{summary}") if summary else None
    return None  # session_meta (the manual), turn_context, UI-only events


def _event_turn(payload: dict[str, Any]) -> ParsedTurn | None:
    """A user or agent message from the UI's events (rollouts without response items)."""
    text = as_str(payload.get("message")).strip()
    if not text or text.startswith(_INJECTED):
        return None
    if payload.get("type") == "user_message":
        return ParsedTurn("user", "user", text)
    if payload.get("type") == "agent_message":
        return ParsedTurn("assistant", AGENT, text)
    return None


def _item_turn(item: dict[str, Any], tools: dict[str, str]) -> ParsedTurn | None:
    kind = as_str(item.get("type"))
    if kind == "message":
        return _message_turn(item)
    if kind in ("function_call", "custom_tool_call", "local_shell_call", "web_search_call"):
        name = as_str(item.get("name")) or kind.removesuffix("_call")
        call_id = as_str(item.get("call_id")) or as_str(item.get("id"))
        if call_id:
            tools[call_id] = name
        return ParsedTurn("assistant", AGENT, _describe(name, item))
    if kind in ("function_call_output", "custom_tool_call_output"):
        text = _output_text(item.get("output"))
        return ParsedTurn("tool", tools.get(as_str(item.get("call_id")), "tool"), text) if text else None
    return None  # reasoning, ghost snapshots and what else the model keeps for itself


def _message_turn(item: dict[str, Any]) -> ParsedTurn | None:
    role = as_str(item.get("role"))
    if role not in ("user", "assistant"):
        return None  # developer / system: the agent's manual
    text = _content_text(item.get("content"))
    if not text or (role == "user" and text.startswith(_INJECTED)):
        return None
    return ParsedTurn("user", "user", text) if role == "user" else ParsedTurn("assistant", AGENT, text)


def _content_text(content: Any) -> str:
    """Text blocks (`input_text`, `output_text`) joined; an image noted in one line."""
    if isinstance(content, str):
        return content.strip()
    parts = []
    for block in as_list(content):
        block = as_dict(block)
        text = as_str(block.get("text")).strip()
        if text:
            parts.append(text)
        elif block.get("type") == "input_image":
            parts.append("[image]")
    return "\n\n".join(parts)


def _arguments(item: dict[str, Any]) -> dict[str, Any]:
    """A call's arguments: a JSON string (function calls) or an object; `input` for custom tools."""
    raw = item.get("arguments")
    if isinstance(raw, str):
        try:
            raw = json.loads(raw)
        except (ValueError, RecursionError):
            return {"input": raw}
    args = as_dict(raw)
    if not args and isinstance(item.get("input"), str):
        args = {"input": item["input"]}
    return args


def _describe(name: str, item: dict[str, Any]) -> str:
    """`$ command` for shell calls, the files a patch touches, else `[tool NAME] args`."""
    args = _arguments(item)
    command = _command(args.get("command") or args.get("cmd") or as_dict(item.get("action")).get("command"))
    if command:
        return f"$ {command}"
    patch = as_str(args.get("input")) or as_str(args.get("patch"))
    files = _PATCH_FILE.findall(patch)
    if files:
        return f"[tool {name}] " + "; ".join(f"{verb} {path.strip()}" for verb, path in files)
    query = as_str(as_dict(item.get("action")).get("query"))
    if query:
        return f"[tool {name}] {query}"
    try:
        rendered = json.dumps(args, ensure_ascii=False, default=str) if args else ""
    except (TypeError, ValueError):
        rendered = ""
    return f"[tool {name}] {short_line(rendered, _ARGS_CHARS)}".rstrip()


def _command(value: Any) -> str:
    """A shell command as typed: `["bash", "-lc", "pytest -q"]` is `pytest -q`."""
    if isinstance(value, str):
        return value.strip()
    words = [word for word in as_list(value) if isinstance(word, str)]
    if not words or len(words) != len(as_list(value)):
        return ""
    if len(words) == 3 and words[0] in _SHELLS and words[1] in ("-lc", "-c"):
        return words[2].strip()
    return shlex.join(words)


def _output_text(output: Any) -> str:
    """A call's output, shortened, with its exit code when the output records one.

    Older rollouts hold JSON `{output, metadata: {exit_code}}`, newer ones a text that starts
    "Exit code: N" and puts the output after "Output:"."""
    text = output if isinstance(output, str) else as_str(as_dict(output).get("content"))
    code: float | None = None
    if text.lstrip().startswith("{"):
        try:
            value = as_dict(json.loads(text))
        except (ValueError, RecursionError):
            value = {}
        if isinstance(value.get("output"), str):
            text = value["output"]
            code = as_number(as_dict(value.get("metadata")).get("exit_code"))
    exit_line = _EXIT_LINE.match(text)
    if exit_line:
        code = float(exit_line.group(1))
        text = text.split("\nOutput:\n", 1)[1] if "\nOutput:\n" in text else ""
    text = head_lines(text) if text.strip() else ""
    if code is None:
        return text
    return f"{text}\n[exit code {int(code)}]" if text else f"(no output, exit code {int(code)})"
