"""Claude Code session logs: `~/.claude/projects/<dir>/<session>.jsonl`, one session a file.

Each line is a record with a `type`. `user` and `assistant` lines carry `message.content`
(a string or blocks: text, tool_use, tool_result, thinking); `summary` lines title the
session; `system`, `progress`, `file-history-snapshot` and the like are bookkeeping and
skipped. Tool calls become one short line (`$ command` for Bash), their results short
"tool" turns (errors kept), thinking is left out: a handoff needs what was done, not every
byte of output. Subagent lines (`isSidechain`) are left out: what a subagent found comes
back to the main session as its Task tool's result. The summary written at a compaction
boundary is kept whole as the assistant's (the model wrote it, not the person), and messages
queued while the agent worked are kept as the person's turns at the time they were queued,
unless they were delivered later as an ordinary user line. A reply the log splits into one
line per block (same `message.id`) is one turn. A zip of a project folder holds several
session logs: each is one conversation to choose from (`read_folder`).
"""
from __future__ import annotations

import io
import json
import re
import zipfile
from dataclasses import replace
from datetime import datetime
from typing import Any

from ._util import (
    as_dict,
    as_list,
    as_str,
    head_and_tail,
    human_size,
    iso_timestamp,
    newest_first,
    short_line,
    utc_from_iso,
)
from .archive import _check_members, _read_capped
from .decode import decode_text
from .jsonload import load_json_lines
from .model import ConversationInfo, Limits, ParsedTurn, Transcript, TranscriptError

FORMAT = "claude-code"
AGENT = "Claude Code"
USER = "user"
SUMMARY = "summary"  # the author of a compaction summary
SNIFF_LINES = 200  # lines looked at to recognise a session log
TITLE_CHARS = 48  # a title from the first request; it becomes the handoff's project name
# A long tool result keeps its beginning and its end (where a command says how it went).
ARG_CHARS = 300  # a tool call's arguments, shortened like a one-line summary
COMPACT_PREFIX = "This session is being continued from a previous conversation"
_LINE_TYPES = frozenset({"user", "assistant"})
# The arguments worth naming for a tool call, in this order.
_KEY_ARGS = ("file_path", "notebook_path", "pattern", "path", "glob", "url", "query",
             "subagent_type", "description", "skill")
# File contents and prompts: too long for a one-line summary, the path or description says it.
_TEXT_ARGS = ("old_string", "new_string", "content", "new_source", "prompt", "edits")
_IMAGE = "[image]"
_FOLDER = "claude_code_sessions"  # the key of read_folder's value
_ANSI = re.compile(r"\x1b\[[0-?]*[ -/]*[@-~]")  # terminal colours in command output


def matches(data: Any) -> bool:
    """True for JSONL whose records look like Claude Code's: `type` user/assistant with a
    `message` object and a `uuid` or `sessionId`."""
    return any(_is_message(line) for line in as_list(data)[:SNIFF_LINES])


def _is_message(line: Any) -> bool:
    line = as_dict(line)
    return (
        as_str(line.get("type")) in _LINE_TYPES
        and isinstance(line.get("message"), dict)
        and ("uuid" in line or "sessionId" in line)
    )


def conversations(data: Any) -> list[Any]:
    """A log file is one session; a project folder (`read_folder`) one per log in it."""
    if isinstance(data, dict):
        return [s for s in as_list(data.get(_FOLDER)) if matches(s)]
    return [data] if matches(data) else []


def list_conversations(data: Any) -> list[ConversationInfo]:
    """The sessions with turns, latest first."""
    return newest_first(conversations(data), parse_conversation, _update_time)


def read_folder(data: bytes, limits: Limits) -> dict[str, Any] | None:
    """The session logs in a zip of a `~/.claude/projects/<dir>` folder, as a value
    `conversations` lists; None when the zip holds no Claude Code log (another export).
    Subagent logs (`subagents/`) are skipped, and everything unpacked counts against the
    file-size limit, as one file would."""
    sessions: list[Any] = []
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            members = archive.infolist()
            logs = [m for m in members if _is_log(m)]
            if not logs:
                return None
            _check_members(members, limits)
            left = limits.max_bytes
            for member in sorted(logs, key=lambda m: m.filename):
                if member.file_size > left:
                    raise TranscriptError(f"The logs in that zip unpack to more than "
                                          f"{human_size(limits.max_bytes)}; I read at most that.")
                raw = _read_capped(archive, member, replace(limits, max_bytes=left))
                left -= len(raw)
                lines = _member_lines(member.filename, raw, limits)
                if matches(lines):
                    sessions.append(lines)
    except (zipfile.BadZipFile, zipfile.LargeZipFile, EOFError, OSError, ValueError,
            NotImplementedError, RuntimeError, KeyError, IndexError, OverflowError):
        return None  # the ordinary zip path says what is wrong with it
    if not sessions:
        return None
    return {_FOLDER: sessions}


def _is_log(member: zipfile.ZipInfo) -> bool:
    path = member.filename.replace("\\", "/")
    return not member.is_dir() and path.lower().endswith(".jsonl") and "/subagents/" not in f"/{path}"


def _member_lines(name: str, raw: bytes, limits: Limits) -> list[Any]:
    """One log's records; what is wrong with it is said with its name."""
    try:
        return load_json_lines(decode_text(raw), limits.max_depth)
    except TranscriptError as error:
        problem = str(error)
        raise TranscriptError(f"{name} in that zip: {problem[0].lower()}{problem[1:]}") from None


def parse_conversation(obj: Any) -> Transcript:
    """Turns of one session log, in file order."""
    lines = [as_dict(line) for line in as_list(obj)]
    delivered = {_plain_user_text(line) for line in lines} - {""}
    tool_names: dict[str, str] = {}
    turns: list[ParsedTurn] = []
    reply = ""  # message.id of the model's reply the last turn belongs to, if it does
    for line in lines:
        if line.get("isSidechain") is True:
            continue
        at = utc_from_iso(line.get("timestamp"))
        kind = line.get("type")
        if kind == "assistant":
            text = _assistant_text(line, tool_names)
            message_id = as_str(as_dict(line.get("message")).get("id"))
            if text and message_id and message_id == reply:  # one reply, split into lines
                turns[-1] = replace(turns[-1], text=f"{turns[-1].text}\n\n{text}")
            elif text:
                turns.append(ParsedTurn("assistant", AGENT, text, at))
                reply = message_id
            continue
        before = len(turns)
        if kind == "user" and line.get("isMeta") is not True:
            turns.extend(_user_turns(line, tool_names, at))
        elif kind == "queue-operation" and line.get("operation") == "enqueue":
            text = as_str(line.get("content")).strip()
            if text and text not in delivered:
                turns.append(ParsedTurn("user", USER, text, at))
        if len(turns) > before:
            reply = ""
    return Transcript(_title(lines, turns), tuple(turns), FORMAT)


def _plain_user_text(line: dict[str, Any]) -> str:
    if line.get("type") != "user":
        return ""
    return as_str(as_dict(line.get("message")).get("content")).strip()


def _content(line: dict[str, Any]) -> list[Any]:
    """The message's blocks; a plain string is one text block."""
    content = as_dict(line.get("message")).get("content")
    if isinstance(content, str):
        return [{"type": "text", "text": content}]
    return as_list(content)


def _assistant_text(line: dict[str, Any], tool_names: dict[str, str]) -> str:
    parts: list[str] = []
    for block in map(as_dict, _content(line)):
        kind = block.get("type")
        if kind == "text":
            parts.append(as_str(block.get("text")).strip())
        elif kind == "tool_use":
            name = as_str(block.get("name")) or "tool"
            tool_names[as_str(block.get("id"))] = name
            parts.append(_describe(name, as_dict(block.get("input"))))
    return "\n\n".join(p for p in parts if p)


def _user_turns(line: dict[str, Any], tool_names: dict[str, str], at: datetime | None) -> list[ParsedTurn]:
    turns: list[ParsedTurn] = []
    texts: list[str] = []
    for block in map(as_dict, _content(line)):
        kind = block.get("type")
        if kind == "text":
            texts.append(as_str(block.get("text")).strip())
        elif kind == "image":
            texts.append(_IMAGE)
        elif kind == "tool_result":
            turn = _result_turn(block, tool_names, at)
            if turn is not None:
                turns.append(turn)
    text = "\n\n".join(t for t in texts if t)
    if text:
        # The model wrote the compaction summary, not the person: the assistant's, kept whole.
        summary = line.get("isCompactSummary") is True or text.startswith(COMPACT_PREFIX)
        role, author = ("assistant", SUMMARY) if summary else ("user", USER)
        turns.append(ParsedTurn(role, author, text, at))
    return turns


def _result_turn(block: dict[str, Any], tool_names: dict[str, str], at: datetime | None) -> ParsedTurn | None:
    content = block.get("content")
    if isinstance(content, str):
        raw = content
    else:
        raw = "\n".join(
            as_str(item.get("text")) if item.get("type") == "text" else _IMAGE
            for item in map(as_dict, as_list(content))
        )
    text = head_and_tail(_ANSI.sub("", raw))
    name = tool_names.get(as_str(block.get("tool_use_id")), "tool")
    if block.get("is_error") is True:
        return ParsedTurn("tool", name, f"Error: {text}" if text else "Error (no output)", at)
    return ParsedTurn("tool", name, text, at) if text else None


def _describe(name: str, args: dict[str, Any]) -> str:
    """One short line for a tool call: the command itself for Bash."""
    if name == "Bash":
        return f"$ {as_str(args.get('command')).strip()}"
    if name == "TodoWrite":
        todos = [as_str(as_dict(t).get("content")) for t in as_list(args.get("todos"))]
        return f"[tool TodoWrite] {short_line('; '.join(t for t in todos if t), ARG_CHARS)}"
    named = [as_str(args.get(key)) for key in _KEY_ARGS if as_str(args.get(key))]
    if not named:
        rendered = {k: v for k, v in args.items() if k not in _TEXT_ARGS and v not in (None, "", [], {})}
        named = [json.dumps(rendered, ensure_ascii=False, default=str)] if rendered else []
    return short_line(f"[tool {name}] " + " ".join(named), ARG_CHARS)


def _title(lines: list[dict[str, Any]], turns: list[ParsedTurn]) -> str:
    """The summary line's text, else the first thing the person asked, with the date."""
    title = next((as_str(line.get("summary")).strip() for line in lines
                  if line.get("type") == "summary" and as_str(line.get("summary")).strip()), "")
    first = next((t for t in turns if t.role == "user"), None)
    if not title and first is not None:
        title = short_line(first.text, TITLE_CHARS)
    start = next((t.at for t in turns if t.at is not None), None)
    if start is None:
        return title
    return f"{title} ({start:%Y-%m-%d})" if title else f"Claude Code session {start:%Y-%m-%d}"


def _update_time(obj: Any) -> float | None:
    for line in reversed(as_list(obj)):
        moment = iso_timestamp(as_dict(line).get("timestamp"))
        if moment is not None:
            return moment
    return None
