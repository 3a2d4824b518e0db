"""`baton handoff FILE`: a transcript or export in, the handoff the bot would write out,
with no Telegram and no database."""
from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from handoff.previous import read_previous
from handoff.sizes import DEFAULT_BUDGET_WORDS, words_for_share
from handoff.types import Handoff, ProjectIn, SessionIn
from llm.client import ChatClient
from llm.writer import Generation, LLMSettings, write_handoff
from service.turn_mapping import turn_in
from transcripts.detect import parse_file
from transcripts.model import Choice, Limits, Transcript, TranscriptError, in_time_order

_TITLE = re.compile(r"^#\s+(.+?)\s+—\s+(?:handoff|draft)\b", re.MULTILINE)


@dataclass(frozen=True, slots=True)
class OfflineResult:
    handoff: Handoff
    generation: Generation
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
        return picked, (f"{path.name} holds {len(result.conversations)} conversations; used "
                        f"the newest, '{newest.title}' (choose another with --conversation).")
    return result, ""


def session_chars(transcript: Transcript) -> int:
    """A session's size for share budgets: the characters of its parsed turns' text."""
    return sum(len(t.text) for t in transcript.turns)


async def handoff_from_file(path: Path, *, previous: str | None = None,
                            project: str | None = None, conversation: str | None = None,
                            budget_words: int = DEFAULT_BUDGET_WORDS,
                            budget_percent: float | None = None, limits: Limits = Limits(),
                            client: ChatClient | None = None,
                            settings: LLMSettings | None = None) -> OfflineResult:
    """Exactly the bot's path: the model when a client is given (falling back like the bot
    does), the extractive builder otherwise. ``budget_percent`` (0-100], when given, replaces
    ``budget_words`` by that share of the session's size: the characters of the parsed
    turns' text (:func:`handoff.sizes.words_for_share`)."""
    transcript, note = read_transcript(path, conversation, limits)
    prev = read_previous(previous)
    title = _TITLE.search(previous or "")
    name = project or (title.group(1) if title else "") or transcript.title or path.stem
    turns = [turn_in(t.role, t.author, "file", t.text, at)
             for t, at in in_time_order(transcript.turns)]  # the conversation's own time order
    session = SessionIn(number=prev.last_session + 1, turns=turns)
    if budget_percent is not None:
        budget_words = words_for_share(session_chars(transcript), budget_percent)
    handoff, generation = await write_handoff(client, settings or LLMSettings(), ProjectIn(name),
                                              session, previous, budget_words=budget_words)
    return OfflineResult(handoff, generation, transcript, note)
