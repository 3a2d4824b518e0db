"""Typed shared state for handlers, held on the Application (never in module globals):
`BotData` for the whole bot, `ChatData` for each chat."""
from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from telegram.ext import Application, CallbackContext, ExtBot

from bot.config import CaptureConfig, DigestConfig, HandoffConfig
from handlers.replies import Backoff
from llm.client import ChatClient
from llm.writer import LLMSettings
from service.capture import CaptureState
from service.runtime import Runtime
from transcripts.model import Limits

if TYPE_CHECKING:  # it imports this module
    from handlers.confirm_commands import Question


@dataclass
class BotData:
    """Everything handlers share; `bot/` fills it in at start-up.

    The config sections are held whole (`capture`, `handoff`, `digest`), not copied field
    by field, so each default keeps its one owner in `bot.config`."""

    runtime: Runtime | None = None  # the database and turn writer, open while the bot runs
    handoff: HandoffConfig = field(default_factory=HandoffConfig)
    capture: CaptureConfig = field(default_factory=CaptureConfig)
    digest: DigestConfig = field(default_factory=DigestConfig)
    import_limits: Limits = field(default_factory=Limits)  # built from [import] at start-up
    llm_client: ChatClient | None = None  # None: extractive handoffs only
    llm_settings: LLMSettings = field(default_factory=LLMSettings)
    completing: set[int] = field(default_factory=set)  # session ids being completed now
    closing: dict[int, int] = field(default_factory=dict)  # project id -> number being handed off
    delivery: Backoff = field(default_factory=Backoff)  # how documents are retried
    stopping: bool = False  # a graceful stop is storing what is pending: no new jobs
    refused_at: dict[tuple[int, int], float] = field(default_factory=dict)  # (user, chat) -> time
    unreachable: set[int] = field(default_factory=set)  # chats that blocked or removed the bot
    digest_off: set[int] = field(default_factory=set)  # chats to tell a failed send stopped a digest

    @property
    def services(self) -> Runtime:
        """What the use cases run on; only while the bot runs."""
        if self.runtime is None:
            raise RuntimeError("database is not open")
        return self.runtime

    @property
    def database(self) -> Any:
        """The runtime's database, for handlers that hand it to a use case as it is (its type
        is named where it is used, in service/, not here)."""
        return self.services.db


@dataclass
class Debounced:
    """A call waiting until its burst of triggers has gone quiet (`handlers.debounce`)."""

    deadline: float  # time.monotonic() at which it is due
    callback: Callback
    data: Any


@dataclass(frozen=True, slots=True)
class OfferedFile:
    """A file whose conversations were offered as buttons (`handlers.file_imports`)."""

    file_id: str
    name: str
    offered: tuple[int, ...]  # the conversation indexes the buttons carry


@dataclass
class ChatData:
    """Everything kept per chat, in the Application's chat_data."""

    capture: CaptureState = field(default_factory=CaptureState)  # target, nudge, ack, pastes
    debounced: dict[str, Debounced] = field(default_factory=dict)  # by job name
    offered_files: dict[int, OfferedFile] = field(default_factory=dict)  # by the file's message id
    questions: dict[int, Question] = field(default_factory=dict)  # pending confirmations by number


Context = CallbackContext[ExtBot[None], dict[Any, Any], ChatData, BotData]
BatonApp = Application[ExtBot[None], Context, dict[Any, Any], ChatData, BotData, Any]
Callback = Callable[[Context, Any], Awaitable[None]]
