"""Typed shared state for handlers, held on the Application (never in module globals)."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from telegram.ext import Application, CallbackContext, ExtBot

from bot.config import CaptureConfig, HandoffConfig
from handlers.replies import Backoff
from llm.client import ChatClient
from llm.writer import LLMSettings
from storage.db import Database
from storage.turn_writer import TurnWriter
from transcripts.model import Limits


@dataclass
class BotData:
    """Everything handlers share; `bot/` fills it in at start-up.

    The config sections are held whole (`capture`, `handoff`), not copied field by field,
    so each default keeps its one owner in `bot.config`."""

    db: Database | None = None
    writer: TurnWriter | None = None  # group commit for captured turns
    handoff: HandoffConfig = field(default_factory=HandoffConfig)
    capture: CaptureConfig = field(default_factory=CaptureConfig)
    import_limits: Limits = field(default_factory=Limits)  # built from [import] at start-up
    llm_client: ChatClient | None = None  # None: extractive handoffs only
    llm_settings: LLMSettings = field(default_factory=LLMSettings)
    completing: set[int] = field(default_factory=set)  # session ids being completed now
    closing: dict[int, int] = field(default_factory=dict)  # project id -> number being handed off
    delivery: Backoff = field(default_factory=Backoff)  # how documents are retried
    stopping: bool = False  # a graceful stop is storing what is pending: no new jobs
    refused_at: dict[tuple[int, int], float] = field(default_factory=dict)  # (user, chat) -> time
    unreachable: set[int] = field(default_factory=set)  # chats that blocked or removed the bot

    @property
    def database(self) -> Database:
        if self.db is None:
            raise RuntimeError("database is not open")
        return self.db


Context = CallbackContext[ExtBot[None], dict[Any, Any], dict[Any, Any], BotData]
BatonApp = Application[ExtBot[None], Context, dict[Any, Any], dict[Any, Any], BotData, Any]
