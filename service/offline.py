"""`baton handoff FILE`: a transcript or export in, the handoff the bot would write out,
with no Telegram and no database."""
from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from llm.extractive import build_handoff
from llm.merge import read_previous
from llm.model import Handoff, ProjectIn, SessionIn, TurnIn
from transcripts.detect import parse_file
from transcripts.model import Choice, Limits, Transcript, TranscriptError

_TITLE = re.compile(r"^#\s+(.+?)\s+—\s+(?:handoff|draft)\b", re.MULTILINE)
_ROLES = {"user", "assistant", "note", "tool", "system"}


@dataclass(frozen=True, slots=True)
class OfflineResult:
    handoff: Handoff
    transcript: Transcript
    note: str  # what was picked, for the person at the terminal


def read_transcript(path: Path, conversation: str | None, limits: Limits) -> tuple[Transcript, str]:
    """Parse any supported file; with several conversations and no choice, take the newest."""
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise TranscriptError(f"Cannot read {path}: {exc.strerror or exc}.") from None
    result = parse_file(path.name, data, choose=conversation, limits=limits)
    if isinstance(result, Choice):
        newest = result.conversations[0]
        picked = parse_file(path.name, data, choose=f"#{newest.index}", limits=limits)
        assert isinstance(picked, Transcript)
        others = len(result.conversations) - 1
        return picked, (f"{path.name} holds {others + 1} conversations; used the newest, "
                        f"'{newest.title}' (choose another with --conversation).")
    return result, ""


def handoff_from_file(path: Path, *, previous: str | None = None, project: str | None = None,
                      conversation: str | None = None, budget_words: int = 2000,
                      limits: Limits = Limits()) -> OfflineResult:
    transcript, note = read_transcript(path, conversation, limits)
    prev = read_previous(previous)
    title = _TITLE.search(previous or "")
    name = project or (title.group(1) if title else "") or transcript.title or path.stem
    turns = [TurnIn(role=t.role if t.role in _ROLES else "note", author=t.author,  # type: ignore[arg-type]
                    source="file", text=t.text) for t in transcript.turns]
    session = SessionIn(number=prev.last_session + 1, turns=turns)
    handoff = build_handoff(ProjectIn(name), session, previous, budget_words=budget_words)
    return OfflineResult(handoff, transcript, note)
