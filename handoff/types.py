"""Plain data the handoff builders consume and produce.

Kept free of storage and Telegram types so the builders run from a bot, a CLI or a
benchmark alike.
"""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Literal

from handoff.artifacts import Artifact

Role = Literal["user", "assistant", "note", "tool", "system"]
Source = Literal["typed", "forwarded", "pasted", "file"]


@dataclass(frozen=True, slots=True)
class TurnIn:
    role: Role
    author: str
    source: Source
    text: str
    created_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class ProjectIn:
    name: str
    description: str = ""
    team: tuple[str, ...] = ()  # a group project's members: the handoff names the team


@dataclass(frozen=True, slots=True)
class SessionIn:
    number: int
    turns: Sequence[TurnIn]
    objectives: str = ""
    notes: str = ""  # what the user said was achieved, from /complete
    started_at: datetime | None = None
    completed_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class Handoff:
    markdown: str
    generator: str
    first_session: int
    last_session: int
    turns_covered: int  # cumulative over every session the document covers
    artifacts_kept: int
    artifacts_total: int
    words: int
    # What coverage is measured on (the session's key artifacts), and every artifact the
    # document shows: a model-written handoff is topped up with the latter.
    key_artifacts: tuple[Artifact, ...] = ()
    record: tuple[Artifact, ...] = ()
