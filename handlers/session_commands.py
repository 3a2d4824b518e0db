"""/startsession, /complete and /handoff: each parses the update, calls its use case in
service.session_loop and words the answer; handoff files are sent (and retried) here."""
from __future__ import annotations

import asyncio
import logging
import time
from types import TracebackType

from telegram import Chat, Message, Update
from telegram.constants import ChatAction
from telegram.error import TelegramError

from handlers.common import chat_id, command_args, no_project, parse_number, thread_id, user_id
from handlers.context import Context
from handlers.replies import esc, reply, send_document, slug
from handlers.sink import forget_target
from service import session_loop
from service.session_loop import Document, InFlight, Writing

log = logging.getLogger(__name__)
PROGRESS_EVERY_S = 3.0
ACTION_EVERY_S = 4.0
HANDOFF_USAGE = ("Give a session number, like <code>/handoff 3</code>, or nothing for a draft "
                 "of the open session.")


def preview(project: str, number: int, kind: str, first: int, last: int, turns: int,
            kept: int, total: int, fallback: str | None = None) -> str:
    """The 1–3 line caption that goes with a handoff file."""
    title = "draft during session" if kind == "draft" else "handoff after session"
    sessions = f"session {first}" if first == last else f"sessions {first}–{last}"
    share = f" ({round(100 * kept / total)}%)" if total else ""
    last_line = (f"Written without the model: {esc(fallback)}." if fallback else
                 "Paste its master prompt as the first message of your next AI chat.")
    return (f"<b>{esc(project)}</b> — {title} {number}\n"
            f"Covers {sessions}, {turns} turns · keeps {kept} of {total} key artifacts{share}\n"
            f"{last_line}")


def filename(project: str, number: int, kind: str) -> str:
    return f"{slug(project)}-handoff-s{number}{'-draft' if kind == 'draft' else ''}.md"


def handed_to(teammate: str | None, caption: str) -> str:
    """The caption of a handoff handed over to a teammate names them first."""
    if teammate is None:
        return caption
    return f"For @{esc(teammate)}: the next session is yours (/startsession).\n{caption}"


def not_delivered(project: str, number: int, kind: str) -> str:
    """The one message when a stored handoff could not be sent, saying how to get it."""
    what = "draft handoff" if kind == "draft" else "handoff"
    return (f"The {what} of session {number} of <b>{esc(project)}</b> is stored, but Telegram "
            f"did not take the file just now: /handoff {number} sends it.")


async def _send(update: Update, context: Context, doc: Document,
                teammate: str | None = None) -> None:
    """Send a handoff file (to the topic it was asked in: replies keep the thread), retrying
    transient failures; when they last, say how to get it. A `teammate` is named first."""
    caption = handed_to(teammate, preview(doc.project, doc.number, doc.kind, doc.first_session,
                                          doc.last_session, doc.turns, doc.kept, doc.total,
                                          doc.fallback))
    if await send_document(update, filename(doc.project, doc.number, doc.kind), doc.markdown,
                           caption, backoff=context.bot_data.delivery):
        return
    try:
        await reply(update, handed_to(teammate, not_delivered(doc.project, doc.number, doc.kind)))
    except TelegramError as error:
        log.warning("could not tell chat %s that session %d's handoff is stored: %s",
                    doc.chat_id, doc.number, error)


class _Working:
    """While a handoff is written: the chat action, repeated, and one progress message
    edited in place at most every few seconds (deleted when the writing is done)."""

    def __init__(self, update: Update) -> None:
        self.update = update
        self.thread = thread_id(update)
        self.message: Message | None = None
        self.shown_at = 0.0
        self.acting: asyncio.Task[None] | None = None

    async def __aenter__(self) -> _Working:
        chat = self.update.effective_chat
        assert chat is not None
        self.acting = asyncio.create_task(_keep_acting(chat, self.thread))
        return self

    async def __aexit__(self, kind: type[BaseException] | None, error: BaseException | None,
                        trace: TracebackType | None) -> None:
        if self.acting is not None:
            self.acting.cancel()
        if self.message is not None and error is None:
            try:
                await self.message.delete()
            except TelegramError:
                pass

    async def __call__(self, done: int, total: int) -> None:
        if total < 2:
            return
        now = time.monotonic()
        if self.message is not None and now - self.shown_at < PROGRESS_EVERY_S and done < total:
            return
        self.shown_at = now
        text = f"Reading part {min(done + 1, total)} of {total}…" if done < total else \
            f"Read all {total} parts; writing the handoff…"
        try:
            if self.message is None:
                self.message = await reply(self.update, text)
            else:
                await self.message.edit_text(text)
        except TelegramError:
            log.debug("progress update failed", exc_info=True)


async def _keep_acting(chat: Chat, thread: int) -> None:
    """Telegram shows a chat action for about five seconds: repeat it while working (in
    the topic the handoff was asked in)."""
    while True:
        try:
            await chat.send_action(ChatAction.UPLOAD_DOCUMENT, message_thread_id=thread or None)
        except TelegramError:
            pass
        await asyncio.sleep(ACTION_EVERY_S)


def _writing(update: Update, context: Context) -> Writing:
    data = context.bot_data
    working = _Working(update)
    return Writing(data.handoff.budget_words, data.llm_client, data.llm_settings,
                   progress=working, working=working)


async def start_session(update: Update, context: Context) -> None:
    forget_target(context.chat_data)
    started = await session_loop.start_session(context.bot_data.database, chat_id(update),
                                               command_args(update), user_id(update),
                                               thread_id(update))
    project = esc(started.project)
    match started.outcome:
        case "no_project":
            await reply(update, no_project(thread_id(update)))
        case "objectives_too_long":
            await reply(update, f"Keep the objectives to {started.limit} characters or fewer.")
        case "still_open":
            number = started.number if started.number is not None else "?"
            await reply(update, f"Session {number} of <b>{project}</b> is still open: "
                                "finish it with /complete first, or keep forwarding to it.")
        case "started":
            text = f"Session {started.number} of <b>{project}</b> started."
            objectives = command_args(update)
            if objectives:
                text += f"\nObjectives: {esc(objectives)}"
            text += "\nForward or paste what happens with your AI; /complete when you are done."
            await reply(update, text)
            if started.previous is not None:
                await _send(update, context, started.previous)


async def complete(update: Update, context: Context) -> None:
    data = context.bot_data
    in_flight = InFlight(data.completing, data.closing)
    async with session_loop.complete_session(
            data.database, chat_id(update), command_args(update), _writing(update, context),
            in_flight, closed=lambda: forget_target(context.chat_data),
            thread_id=thread_id(update)) as done:
        project = esc(done.project)
        match done.outcome:
            case "no_project":
                await reply(update, no_project(thread_id(update)))
            case "being_written":
                await reply(update, f"<b>{project}</b> has no open session: the handoff of "
                                    f"session {done.number} is being written and will arrive here.")
            case "nothing_open":
                await reply(update, f"<b>{project}</b> has no open session to complete: "
                                    "start one with /startsession.")
            case "already_completed":
                await reply(update, "That session was already completed.")
            case "resent" | "written":
                assert done.document is not None
                await _send(update, context, done.document, done.teammate)


async def handoff(update: Update, context: Context) -> None:
    arg = command_args(update)
    number = parse_number(arg) if arg else None
    if arg and number is None:
        await reply(update, HANDOFF_USAGE)
        return
    answer = await session_loop.session_handoff(context.bot_data.database, chat_id(update),
                                                number, _writing(update, context),
                                                thread_id(update))
    project = esc(answer.project)
    match answer.outcome:
        case "no_project":
            await reply(update, no_project(thread_id(update)))
        case "no_such_session":
            await reply(update, f"<b>{project}</b> has no session {answer.number}.")
        case "cancelled":
            await reply(update, f"Session {answer.number} of <b>{project}</b> was cancelled: "
                                "it has no handoff (/export has its turns).")
        case "nothing_open":
            await reply(update, f"<b>{project}</b> has no open session: "
                                "use <code>/handoff N</code> for session N's handoff, or /startsession.")
        case "document":
            assert answer.document is not None
            await _send(update, context, answer.document)
