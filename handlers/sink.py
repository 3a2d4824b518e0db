"""Where captured turns land: the open session of the chat's active project, with one
quiet acknowledgement per burst and one nudge when there is nowhere to put them.

The chat's (project, session) is cached in chat_data, since it is looked up for every
message; the handlers that change either call `forget_target`, and the turn writer only
stores a turn while its session is still open, so a stale cache cannot misfile one.
"""
from __future__ import annotations

import logging
import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from telegram import Bot
from telegram.constants import ParseMode
from telegram.error import TelegramError
from telegram.ext import Application

from handlers.common import NO_PROJECT
from handlers.context import BotData, Context
from handlers.debounce import debounce
from handlers.replies import esc
from storage import sessions as session_store
from storage.models import NewTurn, Project, Session
from storage.turn_writer import Outcome

log = logging.getLogger(__name__)
NUDGE_EVERY_S = 600.0
ACK_KEY = "capture_ack"
NUDGE_KEY = "capture_nudged"
TARGET_KEY = "capture_target"


@dataclass
class PendingAck:
    """What the next acknowledgement will count; lives in chat_data."""

    project: str
    session: int
    chat_id: int
    thread_id: int | None
    saved: int = 0
    from_ai: int = 0


@dataclass(frozen=True, slots=True)
class Tag:
    """What the writer hands back with each stored turn, to acknowledge it."""

    chat_id: int
    thread_id: int | None
    project: str
    session: int
    from_ai: bool


async def say(bot: Bot, chat_id: int, thread_id: int | None, text: str,
              quiet: bool = False) -> None:
    await bot.send_message(chat_id, text, message_thread_id=thread_id,
                           parse_mode=ParseMode.HTML, disable_notification=quiet)


def forget_target(chat_data: dict[Any, Any] | None) -> None:
    if chat_data is not None:
        chat_data.pop(TARGET_KEY, None)


async def _nudge(bot: Bot, chat_data: dict[Any, Any], chat_id: int, thread_id: int | None,
                 project: Project | None) -> None:
    """Say once per state (no project / this project has no session) what to do."""
    state = None if project is None else project.id
    previous = chat_data.get(NUDGE_KEY)
    now = time.monotonic()
    if previous is None or previous[0] != state or now - previous[1] > NUDGE_EVERY_S:
        chat_data[NUDGE_KEY] = (state, now)
        await say(bot, chat_id, thread_id, NO_PROJECT if project is None else
                  f"Nothing saved: <b>{esc(project.name)}</b> has no open session. "
                  "Start one with /startsession, then send it again.")


async def find_open_session(context: Context, chat_id: int,
                       thread_id: int | None) -> tuple[Project, Session] | None:
    """The chat's open session, or None after telling the user what to do."""
    assert context.chat_data is not None
    cached = context.chat_data.get(TARGET_KEY)
    if cached is not None:
        return cached
    project, session = await session_store.chat_target(context.bot_data.database, chat_id)
    if project is not None and session is not None:
        context.chat_data.pop(NUDGE_KEY, None)
        context.chat_data[TARGET_KEY] = (project, session)
        return project, session
    await _nudge(context.bot, context.chat_data, chat_id, thread_id, project)
    return None


async def _send_ack(context: Context, where: tuple[int, int | None]) -> None:
    assert context.chat_data is not None
    await _ack_now(context.bot, context.chat_data, where)


async def _ack_now(bot: Bot, chat_data: dict[Any, Any], where: tuple[int, int | None]) -> None:
    pending: PendingAck | None = chat_data.pop(ACK_KEY, None)
    if pending is None or pending.saved == 0:
        return
    noun = "message" if pending.saved == 1 else "messages"
    ai = f" ({pending.from_ai} from AI)" if pending.from_ai else ""
    await say(bot, where[0], where[1],
              f"✓ Saved {pending.saved} {noun}{ai} to session {pending.session} "
              f"of <b>{esc(pending.project)}</b>.", quiet=True)


async def flush_acks(app: Application[Any, Any, Any, Any, BotData, Any]) -> None:
    """Send every pending acknowledgement now (a graceful stop: the job queue is gone)."""
    for chat_data in list(app.chat_data.values()):
        pending = chat_data.get(ACK_KEY)
        if isinstance(pending, PendingAck):
            try:
                await _ack_now(app.bot, chat_data, (pending.chat_id, pending.thread_id))
            except TelegramError as exc:
                log.warning("could not acknowledge before stopping: %s", exc)


async def store_turns(context: Context, chat_id: int, thread_id: int | None,
                      turns: Sequence[NewTurn]) -> None:
    """Hand turns to the writer; they are acknowledged once committed."""
    target = await find_open_session(context, chat_id, thread_id)
    if target is None or not turns:
        return
    project, session = target
    writer = context.bot_data.writer
    assert writer is not None
    for turn in turns:
        writer.submit(session.id, turn, Tag(chat_id, thread_id, project.name, session.number,
                                            turn.role == "assistant"))


def make_commit_hook(app: Application[Any, Any, Any, Any, BotData, Any]) -> Any:
    """After each batch: count stored turns into their chat's pending acknowledgement, and
    nudge chats whose session closed while their turns were queued."""

    async def on_commit(outcomes: list[Outcome]) -> None:
        refused: set[int] = set()  # chats told once per batch, however many turns bounced
        for outcome in outcomes:
            tag: Tag = outcome.item.tag
            chat_data = app.chat_data[tag.chat_id]
            if not outcome.session_open:
                if tag.chat_id not in refused:
                    refused.add(tag.chat_id)
                    forget_target(chat_data)
                    project, _ = await session_store.chat_target(app.bot_data.database,
                                                                 tag.chat_id)
                    await _nudge(app.bot, chat_data, tag.chat_id, tag.thread_id, project)
                continue
            if not outcome.stored:
                continue
            pending = chat_data.get(ACK_KEY)
            if not isinstance(pending, PendingAck) or pending.session != tag.session:
                pending = PendingAck(tag.project, tag.session, tag.chat_id, tag.thread_id)
                chat_data[ACK_KEY] = pending
            pending.saved += 1
            pending.from_ai += tag.from_ai
            if app.bot_data.stopping:  # no job queue any more: told by flush_acks
                continue
            debounce(chat_data, app.job_queue, f"ack:{tag.chat_id}:{tag.thread_id or 0}",
                     app.bot_data.capture.ack_delay_s, tag.chat_id, _send_ack,
                     (tag.chat_id, tag.thread_id))

    return on_commit
