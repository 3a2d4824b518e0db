"""aider chat histories (`.aider.chat.history.md`), one conversation per aider run.

aider appends every run to the same file: `# aider chat started at …` opens a run,
`#### ` lines are what the user typed, `> ` lines are aider's own output (file prompts,
token counts, "Applied edit to …", "Commit abc1234 …", errors) and everything else is
the model's answer. aider's output becomes short "tool" turns, but the lines a handoff
needs (commits, edits, errors) are always kept whole.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from ._util import short_line
from .model import ConversationInfo, ParsedTurn, Transcript

FORMAT = "aider"
TOOL_AUTHOR = "aider"
# aider's output per block: this many lines (and characters) beyond the lines always kept.
TOOL_HEAD_LINES = 40
TOOL_HEAD_CHARS = 4000
# How much of the first user message names a run in the list of runs.
TITLE_CHARS = 60
_HEADER = "# aider chat started at"
_RUN = re.compile(r"^# aider chat started at[ \t]*(?P<when>.*?)[ \t]*$")
_MODEL = re.compile(r"^Main model: (?P<model>\S+)")
# aider lines that record what happened; never cut from a tool turn.
_KEEP = re.compile(
    r"^(?:Commit [0-9a-f]{7,}\b|Applied edit to |Created new file|.*\b(?:Error|error|Exception)\b)"
)


@dataclass(slots=True)
class Run:
    """One aider run: its start time and its lines (the header excluded)."""

    started: str  # as written in the header ("" for text before any header)
    lines: list[str] = field(default_factory=list)

    @property
    def at(self) -> datetime | None:
        """The header's local time, read as UTC (aider writes no zone)."""
        try:
            moment = datetime.fromisoformat(self.started)
        except ValueError:
            return None
        return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


@dataclass(slots=True)
class AllRuns:
    """Every run of the file as one conversation (offered first when there are several)."""

    runs: list[Run]


def matches(text: str) -> bool:
    """True when the text starts like an aider history."""
    return text.lstrip("\ufeff \t\r\n").startswith(_HEADER)


def _runs(text: str) -> list[Run]:
    runs: list[Run] = []
    current: Run | None = None
    for line in text.replace("\r\n", "\n").replace("\r", "\n").lstrip("\ufeff").split("\n"):
        header = _RUN.match(line)
        if header is not None:
            current = Run(header.group("when"))
            runs.append(current)
            continue
        if current is None:
            if not line.strip():
                continue
            current = Run("")
            runs.append(current)
        current.lines.append(line)
    return runs


def conversations(text: str) -> list[Any]:
    """The runs in file order; with several that hold a message, all of them together first."""
    runs = [run for run in _runs(text) if _has_messages(run)]
    if len(runs) > 1:
        return [AllRuns(_runs(text)), *runs]
    return runs


def _has_messages(run: Run) -> bool:
    return any(turn.role in ("user", "assistant") for turn in _run_turns(run))


def list_conversations(text: str) -> list[ConversationInfo]:
    """Every run with a message, latest first; "all runs" first of all (it ends with the latest)."""
    infos = []
    for index, obj in enumerate(conversations(text)):
        transcript = parse_conversation(obj)
        infos.append(ConversationInfo(index, transcript.title, _update_time(obj), len(transcript.turns)))
    return sorted(infos, key=lambda i: (i.update_time is None, -(i.update_time or 0.0), i.index))


def _update_time(obj: Any) -> float | None:
    runs = [run for run in obj.runs if _has_messages(run)] if isinstance(obj, AllRuns) else [obj]
    times = [run.at.timestamp() for run in runs if run.at is not None]
    return max(times) if times else None


def parse_conversation(obj: Any) -> Transcript:
    """Turns of one run (or of every run, each opened by its start line)."""
    if isinstance(obj, AllRuns):
        turns = [turn for run in obj.runs for turn in _run_turns(run, opening=True)]
        talked = [run for run in obj.runs if _has_messages(run)]
        dated = [run.at for run in talked if run.at is not None]
        span = f", {dated[0]:%Y-%m-%d} to {dated[-1]:%Y-%m-%d}" if dated else ""
        return Transcript(f"All {len(talked)} aider runs{span}", tuple(turns), FORMAT)
    return Transcript(_title(obj), tuple(_run_turns(obj)), FORMAT)


def _title(run: Run) -> str:
    first = next((turn.text for turn in _run_turns(run) if turn.role == "user"), "")
    when = f"{run.at:%Y-%m-%d %H:%M}" if run.at is not None else run.started
    return " ".join(filter(None, [when, short_line(first, TITLE_CHARS)])) or "aider run"


def _run_turns(run: Run, *, opening: bool = False) -> list[ParsedTurn]:
    """The run's turns; the first carries the run's start time (later ones take it from it)."""
    blocks = _blocks(run.lines)
    model = next((m.group("model") for kind, lines in blocks if kind == "tool"
                  for m in map(_MODEL.match, lines) if m), "")
    turns: list[ParsedTurn] = []
    if opening and run.started:  # one line of aider's own, ahead of its start-up output
        start = f"aider chat started at {run.started}"
        if blocks and blocks[0][0] == "tool":
            blocks[0][1].insert(0, start)
        else:
            blocks.insert(0, ("tool", [start]))
    for kind, lines in blocks:
        turn = _turn(kind, lines, model)
        if turn is not None:
            turns.append(turn)
    if turns:
        turns[0] = ParsedTurn(turns[0].role, turns[0].author, turns[0].text, run.at)
    return turns


def _blocks(lines: list[str]) -> list[tuple[str, list[str]]]:
    """(kind, lines) with kind user / tool / assistant; prefixes removed.

    Consecutive `#### ` lines are one message, and so are messages with only blank lines
    between them (a command such as `/ask` and the question it sent). Code fences are not
    followed: aider reads its own history the same way, and the model's fences are often
    left open (a failed diff quoted back), which would swallow the next messages.
    """
    blocks: list[tuple[str, list[str]]] = []
    gap = False
    for raw in lines:
        line = raw.rstrip()
        if line.startswith("#### ") or line == "####":
            kind, content = "user", line[5:]
        elif line == ">" or line.startswith("> "):
            kind, content = "tool", line[2:]
        else:
            kind, content = "assistant", line
        if not line and kind == "assistant" and (not blocks or blocks[-1][0] != "assistant"):
            gap = True
            continue
        if blocks and blocks[-1][0] == kind:
            blocks[-1][1].extend(["", content] if gap and kind == "user" else [content])
        else:
            blocks.append((kind, [content]))
        gap = False
    return blocks


def _turn(kind: str, lines: list[str], model: str) -> ParsedTurn | None:
    if kind == "tool":
        text = _shorten([line for line in lines if line.strip()])
        return ParsedTurn("tool", TOOL_AUTHOR, text) if text else None
    text = "\n".join(lines).strip("\n")
    if not text.strip():
        return None
    if kind == "user":
        return ParsedTurn("user", "user", text)
    return ParsedTurn("assistant", model or "assistant", text)


def _shorten(lines: list[str]) -> str:
    """The first lines of aider's output, plus every later line that records what happened."""
    kept: list[str] = []
    size = 0
    hidden = 0
    for line in lines:
        if _KEEP.match(line) or (len(kept) < TOOL_HEAD_LINES and size + len(line) <= TOOL_HEAD_CHARS):
            kept.append(line)
            size += len(line) + 1
        else:
            hidden += 1
    if hidden:
        kept.append(f"… ({hidden} more lines)")
    return "\n".join(kept)
