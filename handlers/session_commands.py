"""/startsession, /complete and /handoff: the session loop and handoff delivery."""
from __future__ import annotations

import asyncio
import logging
import time

from telegram import Chat, Message, Update
from telegram.constants import ChatAction
from telegram.error import TelegramError

from handlers.common import (
    NO_PROJECT,
    active_project,
    active_project_and_session,
    command_args,
    parse_number,
    user_id,
)
from handlers.context import Context
from handlers.replies import esc, reply, send_document, slug
from handlers.sink import forget_target
from service.handoff_making import make_handoff, recent_final
from storage import handoffs as handoff_store
from storage import sessions as session_store
from storage.models import Project, Session, StoredHandoff
from storage.sessions import SessionAlreadyActive

log = logging.getLogger(__name__)
MAX_OBJECTIVES_CHARS = 2000
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


def not_delivered(project: str, number: int, kind: str) -> str:
    """The one message when a stored handoff could not be sent, saying how to get it."""
    what = "draft handoff" if kind == "draft" else "handoff"
    return (f"The {what} of session {number} of <b>{esc(project)}</b> is stored, but Telegram "
            f"did not take the file just now: /handoff {number} sends it.")


async def _send(update: Update, context: Context, project: Project, number: int, kind: str,
                markdown: str, caption: str) -> None:
    """Send a handoff file, retrying transient failures; when they last, say how to get it."""
    if await send_document(update, filename(project.name, number, kind), markdown, caption,
                           backoff=context.bot_data.delivery):
        return
    try:
        await reply(update, not_delivered(project.name, number, kind))
    except TelegramError as error:
        log.warning("could not tell chat %s that session %d's handoff is stored: %s",
                    project.chat_id, number, error)


async def _send_stored(update: Update, context: Context, project: Project,
                       stored: StoredHandoff) -> None:
    await _send(update, context, project, stored.session_number, stored.kind, stored.markdown,
                preview(project.name, stored.session_number, stored.kind, stored.first_session,
                        stored.last_session, stored.turns_covered, stored.artifacts_kept,
                        stored.artifacts_total))


async def _deliver_stored(update: Update, project: Project, number: int, context: Context) -> bool:
    stored = await handoff_store.handoff_for_session(context.bot_data.database, project.id, number)
    if stored is None:
        return False
    await _send_stored(update, context, project, stored)
    return True


class _Progress:
    """One progress message edited in place, at most every few seconds."""

    def __init__(self, update: Update) -> None:
        self.update = update
        self.message: Message | None = None
        self.shown_at = 0.0

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


async def _keep_acting(chat: Chat) -> None:
    """Telegram shows a chat action for about five seconds: repeat it while working."""
    while True:
        try:
            await chat.send_action(ChatAction.UPLOAD_DOCUMENT)
        except TelegramError:
            pass
        await asyncio.sleep(ACTION_EVERY_S)


async def _build_and_deliver(update: Update, context: Context, project: Project,
                             session: Session, kind: str) -> None:
    chat = update.effective_chat
    assert chat is not None
    data = context.bot_data
    acting = asyncio.create_task(_keep_acting(chat))
    progress = _Progress(update)
    try:
        handoff, generation = await make_handoff(
            data.database, project, session, kind=kind, budget_words=data.handoff.budget_words,
            client=data.llm_client, settings=data.llm_settings, progress=progress)
    finally:
        acting.cancel()
    if progress.message is not None:
        try:
            await progress.message.delete()
        except TelegramError:
            pass
    await _send(update, context, project, session.number, kind, handoff.markdown,
                preview(project.name, session.number, kind, handoff.first_session,
                        handoff.last_session, handoff.turns_covered, handoff.artifacts_kept,
                        handoff.artifacts_total, generation.fallback_reason))


async def start_session(update: Update, context: Context) -> None:
    project = await active_project(update, context)
    if project is None:
        await reply(update, NO_PROJECT)
        return
    objectives = command_args(update)
    if len(objectives) > MAX_OBJECTIVES_CHARS:
        await reply(update, f"Keep the objectives to {MAX_OBJECTIVES_CHARS} characters or fewer.")
        return
    db = context.bot_data.database
    forget_target(context.chat_data)
    try:
        session = await session_store.start_session(db, project.id, objectives, user_id(update))
    except SessionAlreadyActive:
        current = await session_store.active_session(db, project.id)
        number = current.number if current else "?"
        await reply(update, f"Session {number} of <b>{esc(project.name)}</b> is still open: "
                            "finish it with /complete first, or keep forwarding to it.")
        return
    text = f"Session {session.number} of <b>{esc(project.name)}</b> started."
    if objectives:
        text += f"\nObjectives: {esc(objectives)}"
    text += "\nForward or paste what happens with your AI; /complete when you are done."
    await reply(update, text)
    previous = await handoff_store.latest_final(db, project.id, before_number=session.number)
    if previous is not None:
        await _deliver_stored(update, project, previous.session_number, context)


async def complete(update: Update, context: Context) -> None:
    project, session = await active_project_and_session(update, context)
    if project is None:
        await reply(update, NO_PROJECT)
        return
    data = context.bot_data
    if session is None or session.id in data.completing:
        await _complete_again(update, context, project)
        return
    data.completing.add(session.id)
    data.closing[project.id] = session.number
    try:
        closed = await session_store.complete_session(data.database, session.id, command_args(update))
        forget_target(context.chat_data)  # after the await: nothing can re-cache the open session
        if closed is None:
            await reply(update, "That session was already completed.")
            return
        await _build_and_deliver(update, context, project, closed, "final")
    finally:
        data.completing.discard(session.id)
        data.closing.pop(project.id, None)


async def _complete_again(update: Update, context: Context, project: Project) -> None:
    """A /complete with no open session: the one being written, or the one completed
    moments ago (its file may never have arrived), rather than a bare "no open session"."""
    data = context.bot_data
    number = data.closing.get(project.id)
    if number is not None:
        await reply(update, f"<b>{esc(project.name)}</b> has no open session: the handoff of "
                            f"session {number} is being written and will arrive here.")
        return
    stored = await recent_final(data.database, project)
    if stored is not None:
        await _send_stored(update, context, project, stored)
        return
    await reply(update, f"<b>{esc(project.name)}</b> has no open session to complete: "
                        "start one with /startsession.")


async def handoff(update: Update, context: Context) -> None:
    project, session = await active_project_and_session(update, context)
    if project is None:
        await reply(update, NO_PROJECT)
        return
    arg = command_args(update)
    db = context.bot_data.database
    if arg:
        number = parse_number(arg)
        if number is None:
            await reply(update, HANDOFF_USAGE)
            return
        if await _deliver_stored(update, project, number, context):
            return
        past = await session_store.get_session(db, project.id, number)
        if past is None:
            await reply(update, f"<b>{esc(project.name)}</b> has no session {number}.")
        elif past.status == "active":
            await _build_and_deliver(update, context, project, past, "draft")
        elif past.status == "cancelled":
            await reply(update, f"Session {number} of <b>{esc(project.name)}</b> was cancelled: "
                                "it has no handoff (/export has its turns).")
        else:  # completed but its handoff was never stored (e.g. a crash mid-build)
            await _build_and_deliver(update, context, project, past, "final")
        return
    if session is None:
        await reply(update, f"<b>{esc(project.name)}</b> has no open session: "
                            "use <code>/handoff N</code> for session N's handoff, or /startsession.")
        return
    await _build_and_deliver(update, context, project, session, "draft")
