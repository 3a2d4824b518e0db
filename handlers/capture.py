"""Turning messages into session turns, with one quiet acknowledgement per burst."""
from __future__ import annotations

import time
from dataclasses import dataclass

from telegram import (Message, MessageOriginChannel, MessageOriginChat, MessageOriginHiddenUser,
                      MessageOriginUser, Update)
from telegram.ext import Job

from handlers.common import NO_PROJECT, active_project_and_session, chat_id, command_args, display_name
from handlers.context import Context
from handlers.replies import esc, reply
from storage import turns as turn_store
from storage.models import NewTurn

NUDGE_EVERY_S = 600.0  # "no open session" is said once per burst, not per message
ACK_KEY = "capture_ack"
NUDGE_KEY = "capture_nudged_at"


@dataclass
class PendingAck:
    """What the next acknowledgement will count; lives in chat_data."""

    project: str
    session: int
    saved: int = 0
    from_ai: int = 0


def origin_role_and_author(message: Message) -> tuple[str, str, str]:
    """(role, author, source) from who wrote the message, following forward_origin."""
    origin = message.forward_origin
    if origin is None:
        return "note", display_name(message.from_user), "typed"
    if isinstance(origin, MessageOriginUser):
        role = "assistant" if origin.sender_user.is_bot else "user"
        return role, display_name(origin.sender_user), "forwarded"
    if isinstance(origin, MessageOriginHiddenUser):
        return "user", origin.sender_user_name, "forwarded"
    if isinstance(origin, MessageOriginChat):
        return "user", origin.author_signature or origin.sender_chat.title or "a chat", "forwarded"
    if isinstance(origin, MessageOriginChannel):
        return "user", origin.author_signature or origin.chat.title or "a channel", "forwarded"
    return "user", "unknown", "forwarded"


def _ack_job_name(message: Message) -> str:
    return f"ack:{message.chat_id}:{message.message_thread_id or 0}"


async def _send_ack(context: Context) -> None:
    job = context.job
    assert job is not None and job.chat_id is not None and context.chat_data is not None
    pending: PendingAck | None = context.chat_data.pop(ACK_KEY, None)
    if pending is None or pending.saved == 0:
        return
    noun = "message" if pending.saved == 1 else "messages"
    ai = f" ({pending.from_ai} from AI)" if pending.from_ai else ""
    thread_id = job.data if isinstance(job.data, int) and job.data else None
    await context.bot.send_message(
        job.chat_id, f"✓ Saved {pending.saved} {noun}{ai} to session {pending.session} "
                     f"of <b>{esc(pending.project)}</b>.",
        message_thread_id=thread_id, parse_mode="HTML", disable_notification=True)


def _schedule_ack(message: Message, context: Context, project: str, session: int,
                  saved: int, from_ai: int) -> None:
    assert context.chat_data is not None
    pending = context.chat_data.get(ACK_KEY)
    if not isinstance(pending, PendingAck) or pending.session != session:
        pending = PendingAck(project, session)
        context.chat_data[ACK_KEY] = pending
    pending.saved += saved
    pending.from_ai += from_ai
    queue = context.job_queue
    assert queue is not None, "install python-telegram-bot[job-queue]"
    name = _ack_job_name(message)
    job: Job
    for job in queue.get_jobs_by_name(name):
        job.schedule_removal()
    queue.run_once(_send_ack, context.bot_data.ack_delay_s, chat_id=message.chat_id,
                   name=name, data=message.message_thread_id or 0)


async def _store(update: Update, context: Context, role: str, author: str, source: str,
                 text: str) -> None:
    message = update.effective_message
    assert message is not None and context.chat_data is not None
    project, session = await active_project_and_session(update, context)
    if project is None or session is None:
        # Say it once per state (no project / this project has no session), not per message.
        state = None if project is None else project.id
        previous = context.chat_data.get(NUDGE_KEY)
        now = time.monotonic()
        if previous is None or previous[0] != state or now - previous[1] > NUDGE_EVERY_S:
            context.chat_data[NUDGE_KEY] = (state, now)
            await reply(update, NO_PROJECT if project is None else
                        f"Nothing saved: <b>{esc(project.name)}</b> has no open session. "
                        "Start one with /startsession, then send it again.")
        return
    context.chat_data.pop(NUDGE_KEY, None)
    turn = NewTurn(role=role, author=author, source=source, text=text,
                   tg_chat_id=chat_id(update), tg_message_id=message.message_id)
    added = await turn_store.add_turns(context.bot_data.database, session.id, [turn])
    if added:
        _schedule_ack(message, context, project.name, session.number, added,
                      added if role == "assistant" else 0)


async def capture_message(update: Update, context: Context) -> None:
    message = update.effective_message
    assert message is not None
    text = message.text or message.caption or ""
    if not text.strip():
        return  # only whitespace: nothing worth keeping
    role, author, source = origin_role_and_author(message)
    await _store(update, context, role, author, source, text)


async def note(update: Update, context: Context) -> None:
    text = command_args(update)
    if not text:
        await reply(update, "Write the note after the command, like <code>/note use Decimal for money</code>.")
        return
    message = update.effective_message
    await _store(update, context, "note", display_name(message.from_user if message else None),
                 "typed", text)
