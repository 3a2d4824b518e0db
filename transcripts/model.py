"""Data types shared by every transcript parser.

Kept free of Telegram, storage or network code so the parsers can be used from
the bot, a CLI or tests alike. The one project import is `bot.config`, a leaf of plain
dataclasses that owns the `[import]` defaults `Limits` starts from.
"""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from bot.config import ImportConfig

_IMPORT_DEFAULTS = ImportConfig()  # frozen: read for Limits' defaults, never changed


@dataclass(frozen=True, slots=True)
class ParsedTurn:
    """One message of an imported conversation."""

    role: str  # "user" | "assistant" | "tool" | "system" | "note"
    author: str  # display name: "You", "ChatGPT", "Claude", a sender, "agent", a tool
    text: str
    # When it was said, timezone-aware UTC, if the format records it (None for pasted text
    # or a missing or malformed timestamp).
    at: datetime | None = None


_EARLIEST = datetime.min.replace(tzinfo=UTC)


def conversation_times(turns: Sequence[ParsedTurn]) -> list[datetime | None]:
    """Each turn's time for ordering: its own, else the nearest earlier turn's (the first
    known one for turns before any), so a turn without a time stays beside its neighbours.
    All None when no turn has a time."""
    known = next((t.at for t in turns if t.at is not None), None)
    times: list[datetime | None] = []
    for turn in turns:
        if turn.at is not None:
            known = turn.at
        times.append(known)
    return times


def in_time_order(turns: Sequence[ParsedTurn]) -> list[tuple[ParsedTurn, datetime | None]]:
    """(turn, time from `conversation_times`) in time order; a stable sort, so turns with
    equal times, and every turn of a conversation without times, keep their file order."""
    pairs = list(zip(turns, conversation_times(turns), strict=True))
    if pairs and pairs[0][1] is not None:  # then every time is set
        pairs.sort(key=lambda pair: pair[1] or _EARLIEST)
    return pairs


@dataclass(frozen=True, slots=True)
class Transcript:
    """One conversation, already reduced to the turns a reader should see."""

    title: str  # conversation title ("" if none)
    turns: tuple[ParsedTurn, ...]
    format: str  # "pasted", "text", "chatgpt", "claude", "telegram", "openhands"

    def counts(self) -> dict[str, int]:
        """Turns per role, in order of first appearance (for summaries)."""
        result: dict[str, int] = {}
        for turn in self.turns:
            result[turn.role] = result.get(turn.role, 0) + 1
        return result


@dataclass(frozen=True, slots=True)
class ConversationInfo:
    """A conversation inside a multi-conversation file, for the user to pick."""

    index: int  # position in the file; "#<index>" selects it
    title: str
    update_time: float | None  # Unix seconds, None when the file has no times
    message_count: int  # turns the parser keeps


@dataclass(frozen=True, slots=True)
class Choice:
    """Returned instead of a Transcript when a file holds several conversations."""

    conversations: list[ConversationInfo]  # newest first
    format: str


@dataclass(frozen=True, slots=True)
class Limits:
    """Resource caps so one upload can't exhaust memory or CPU. The two that `[import]`
    sets default to `ImportConfig`'s values, their one owner, so a parse without a config
    (the offline CLI, the benches) is capped like the bot."""

    max_bytes: int = _IMPORT_DEFAULTS.max_bytes
    max_zip_members: int = 100
    max_zip_total: int = 100 * 1024 * 1024
    max_member_bytes: int = 50 * 1024 * 1024
    max_depth: int = 200
    max_turns: int = _IMPORT_DEFAULTS.max_turns

    @property
    def member_cap(self) -> int:
        """The most one zip member may unpack to: the file-size limit applies inside a zip
        as well, so a 1 MB zip of a 46 MB JSON is refused like the 46 MB JSON itself."""
        return min(self.max_member_bytes, self.max_bytes)


class TranscriptError(Exception):
    """A file could not be imported; str(error) is one user-facing sentence."""
