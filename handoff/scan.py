"""Reading a session into units: the sentences and lines a handoff can keep.

A unit is the smallest piece the builder selects: a sentence of prose, a command line,
or one line of tool output. Code bodies and diffs are not units (their identifiers still
reach the artifact index), and a long message's tail is marked as bulk so a pasted tool
manual or system prompt cannot outweigh what the person actually asked.
"""
from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

from handoff.artifacts import KNOWN_COMMANDS
from handoff.text import STOPWORDS, clip, one_line
from handoff.types import TurnIn

MIN_PROSE_WORDS = 3  # "env:", "Installs dependencies" alone say nothing
MAX_UNIT_CHARS = 300  # a longer sentence is cut: past this it is rarely one fact
BULK_AFTER_CHARS = 1500  # a person's message beyond this is read like tool output
TOOL_LINE_MIN_CHARS = 12  # shorter tool lines ("ok", "}") carry nothing
COMMIT_CHARS = 100  # a commit is kept as its hash and the start of its subject

_FENCE = re.compile(r"^[ \t]*(`{3,}|~{3,})\s*([\w+-]*)")
_SHELL = frozenset({"sh", "bash", "shell", "zsh", "console", "shell-session", "terminal",
                    "powershell", "ps1", "cmd", "fish"})
_PROMPT = re.compile(r"^\s*(?:\$|>>>|PS>|❯|%)\s+(\S.*)$")
_DIFF = re.compile(r"^(?:[-+]{3} |@@ |[-+](?![-+]))")
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[A-Z\"'`(\[*])")
_MARKUP = re.compile(r"^\s*(?:[-*+]|\d{1,3}[.)]|#{1,6}|>)\s+")
# Technical tokens: paths, identifiers with _ . - / digits or inner capitals, flags.
_TECH = re.compile(r"[A-Za-z0-9_@#~$%.:/\\-]*[A-Za-z0-9_]")
_CONTENT = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_.\-/\\]*[A-Za-z0-9_]")
_SPAN = re.compile(r"`([^`\n]{2,160})`")
# A commit made: "Commit 1a2b3c4 subject" (aider), "[main 1a2b3c4] subject" (git commit).
_COMMIT = re.compile(r"^\s*>?\s*(?:Commit ([0-9a-f]{7,40})\b|\[[\w./-]+(?: \(root-commit\))?"
                     r" ([0-9a-f]{7,40})\])\s*(\S.*)$")
# A line of a file as a tool shows it, numbered: "12→code" (Read), "12\tcode" (cat -n),
# "12-code" / "12:code" (grep -n): file content, like a code body, not a unit.
_NUMBERED = re.compile(r"^\s*\d{1,6}(?:→|\t|[-:](?=\s))")
_TOOL_CALL = re.compile(r"^\[tool [\w.-]+\]\s*\{")  # "[tool Edit] {json}": an action's
# arguments (its paths reach the artifact index), not a sentence
_HAS_COMMIT = re.compile(_COMMIT.pattern, re.MULTILINE)  # on a whole text, line by line
_HEXLIKE = re.compile(r"[0-9a-f]{7,40}")
_PLAIN_WORD = re.compile(r"[A-Za-z][a-z]*|[A-Z]+s?")
# Names of structure, not facts: a JSON field ("old_str":) or a markup tag (<issue>).
_STRUCTURE = re.compile(r'"[A-Za-z_][\w-]*"\s*:|</?[A-Za-z][\w-]*>'
                        r'|\\[nrt](?=[\s"\\]|$)')  # and JSON's escaped line breaks


@dataclass(frozen=True, slots=True)
class Unit:
    pos: int  # index of the turn in time order; carried items from earlier sessions are < 0
    role: str  # user, assistant, tool, note, system, or "carried"
    text: str  # one line, at most MAX_UNIT_CHARS
    command: bool = False
    bulk: bool = False  # from a very long message: weighed like tool output
    commit: bool = False  # a commit made: finished work, whoever printed it
    section: str = ""  # where a carried unit was filed in the previous handoff


def is_technical(token: str) -> bool:
    """A token worth keeping verbatim: not a plain word, not a bare small number."""
    if len(token) < 3 or _PLAIN_WORD.fullmatch(token):
        return False
    if token.isdigit():
        return len(token) >= 3 and not (len(token) == 4 and token.startswith(("19", "20")))
    return bool(re.search(r"[_/\\.\-:#@]|\d|[a-z][A-Z]", token)) and not token.startswith("--")


def technical_tokens(text: str) -> Iterator[str]:
    for m in _TECH.finditer(_STRUCTURE.sub(" ", text)):
        tok = m.group(0).strip(".:-/\\")
        if "://" in m.group(0):
            tok = m.group(0)
        elif tok.startswith(("a/", "b/")):  # diff headers name a file twice
            tok = tok[2:]
        if is_technical(tok) and len(tok) <= 120:
            yield tok


def content_words(text: str) -> set[str]:
    """Lower-cased words and tokens a unit covers (the coverage features)."""
    return {w.lower() for w in _CONTENT.findall(text)
            if len(w) > 2 and w.lower() not in STOPWORDS}


def is_command(text: str) -> bool:
    first = text.split(maxsplit=1)[0] if text.split() else ""
    return first in KNOWN_COMMANDS or first.startswith(("./", "bin/", ".venv/"))


def commands_in(text: str) -> Iterator[str]:
    """Whole commands: prompt lines, shell code blocks, and code spans naming a tool."""
    in_fence, shell = False, False
    for line in text.split("\n"):
        fence = _FENCE.match(line)
        if fence:
            in_fence = not in_fence
            shell = in_fence and fence.group(2).lower() in _SHELL
            continue
        prompt = _PROMPT.match(line)
        if prompt and is_command(prompt.group(1)):
            yield clip(one_line(prompt.group(1)), MAX_UNIT_CHARS)
        elif in_fence and shell and line.strip() and not line.lstrip().startswith("#"):
            if is_command(line.strip()):
                yield clip(one_line(line), MAX_UNIT_CHARS)
        elif not in_fence:
            for span in _SPAN.findall(line):
                if " " in span.strip() and is_command(span.strip()):
                    yield one_line(span)


def units_of(pos: int, turn: TurnIn) -> Iterator[Unit]:
    """The units of one turn, in order."""
    tool = turn.role in ("tool", "system")
    seen = 0
    in_fence, shell = False, False
    for raw in turn.text.split("\n"):
        fence = _FENCE.match(raw)
        if fence:
            in_fence = not in_fence
            shell = in_fence and fence.group(2).lower() in _SHELL
            continue
        line = raw.strip()
        if not line:
            continue
        seen += len(raw) + 1
        bulk = turn.role == "user" and seen > BULK_AFTER_CHARS
        yield from _line_units(pos, turn.role, raw, fenced=in_fence, shell=shell, tool=tool,
                               bulk=bulk)


def _line_units(pos: int, role: str, raw: str, *, fenced: bool, shell: bool, tool: bool,
                bulk: bool) -> Iterator[Unit]:
    """One line's units: a command, a line of tool output, or its sentences of prose."""
    line = raw.strip()
    prompt = _PROMPT.match(line)
    commit = _COMMIT.match(line)
    if commit:
        text = f"Commit {commit.group(1) or commit.group(2)} {one_line(commit.group(3))}"
        yield Unit(pos, role, clip(text, COMMIT_CHARS), commit=True)
    elif prompt and is_command(prompt.group(1)):
        yield Unit(pos, role, clip(one_line(prompt.group(1)), MAX_UNIT_CHARS), command=True)
    elif fenced:  # code: only commands, and tool output that is not a diff
        if shell and is_command(line):
            yield Unit(pos, role, clip(one_line(line), MAX_UNIT_CHARS), command=True)
        elif tool and not _DIFF.match(line) and not _NUMBERED.match(raw) \
                and len(line) >= TOOL_LINE_MIN_CHARS:
            yield Unit(pos, role, clip(line, MAX_UNIT_CHARS))
    elif (_DIFF.match(raw) and not _MARKUP.match(raw)) or _TOOL_CALL.match(line):
        return
    elif tool:
        if len(line) >= TOOL_LINE_MIN_CHARS and not _NUMBERED.match(raw):
            yield Unit(pos, role, clip(one_line(line), MAX_UNIT_CHARS))
    else:
        for sentence in _SENTENCE_END.split(_MARKUP.sub("", line)):
            sentence = sentence.strip()
            if len(sentence.split()) >= MIN_PROSE_WORDS:
                yield Unit(pos, role, clip(sentence, MAX_UNIT_CHARS), bulk=bulk)


def has_commit(text: str) -> bool:
    """Whether any line of ``text`` reports a commit made (cheap, before reading units)."""
    return _HAS_COMMIT.search(text) is not None


def is_hash(token: str) -> bool:
    return bool(_HEXLIKE.fullmatch(token)) and any(c.isdigit() for c in token)
