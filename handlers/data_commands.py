"""People own their data: /export, /deleteproject, /forget, /cancel, /rename and /sessions.

The destructive ones ask first with two buttons. A pending question lives in chat_data
under a number that the buttons carry, so a button from before a restart, an answered
question or forged data finds nothing and is told it has expired. In groups, deleting,
cancelling and renaming are for the group's admins and the project's creator.
"""
from __future__ import annotations

import logging
import os
import secrets
import tempfile
import time
from dataclasses import dataclass
from datetime import UTC, datetime

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, InputFile, Message, Update
from telegram.constants import ChatMemberStatus, ChatType, ParseMode
from telegram.error import TelegramError

from handlers.common import (
    NO_PROJECT,
    active_project,
    active_project_and_session,
    chat_id,
    command_args,
    parse_number,
    project_named,
    user_id,
)
from handlers.context import Context
from handlers.replies import MAX_TEXT, esc, reply
from handlers.sink import forget_target
from service.export import write_export
from storage import data as data_store
from storage import projects as project_store
from storage import sessions as session_store
from storage.models import Project
from storage.projects import MAX_NAME_CHARS, DuplicateProject
from transcripts.pasted import has_markers, split_pasted

log = logging.getLogger(__name__)

CONFIRM_PREFIX = "data:"
CONFIRM_KEY = "data_confirm"  # chat_data: question number -> Question
QUESTION_NUMBERS = 2**53  # question numbers are drawn from 1..this
CONFIRM_TTL_S = 600.0  # a question left unanswered this long expires
EXPIRED = "That button has expired."
UPLOAD_LIMIT_BYTES = 50 * 1024 * 1024  # the largest file a bot may send
SESSIONS_TEXT_CHARS = MAX_TEXT - 200  # /sessions stays one message, with room to spare
SESSION_SUMMARY_CHARS = 80  # objectives or notes shown per session
PROBE_CHARS = 120  # how much of a message's longest line identifies it inside a paste
MIN_PROBE_CHARS = 8  # shorter lines identify nothing
GROUPS_ONLY_ADMINS = "In a group, only its admins and the project's creator can do that."


@dataclass(frozen=True, slots=True)
class Question:
    """A destructive action waiting for its Yes button."""

    action: str  # "delete" or "cancel"
    project_id: int
    session_id: int | None
    asked_at: float


# --- permissions ------------------------------------------------------------------------

async def may_manage(update: Update, context: Context, project: Project) -> bool:
    """Private chats: yes. Groups: the project's creator, an admin, or an anonymous admin
    (a message sent as the group itself)."""
    chat = update.effective_chat
    assert chat is not None
    if chat.type == ChatType.PRIVATE:
        return True
    message = update.message
    if message is not None and message.sender_chat is not None and message.sender_chat.id == chat.id:
        return True
    who = user_id(update)
    if who is None:
        return False
    if project.created_by == who:
        return True
    try:
        member = await context.bot.get_chat_member(chat.id, who)
    except TelegramError:
        log.warning("could not look up user %s in chat %s", who, chat.id, exc_info=True)
        return False
    return member.status in (ChatMemberStatus.ADMINISTRATOR, ChatMemberStatus.OWNER)


# --- questions with two buttons ---------------------------------------------------------

def _questions(context: Context) -> dict[int, Question]:
    assert context.chat_data is not None
    questions: dict[int, Question] = context.chat_data.setdefault(CONFIRM_KEY, {})
    now = time.monotonic()
    for number in [n for n, q in questions.items() if now - q.asked_at > CONFIRM_TTL_S]:
        del questions[number]
    return questions


def _ask(context: Context, question: Question, yes: str, no: str) -> InlineKeyboardMarkup:
    """Buttons for a new question. Its number is random, not counted, so a button from
    before a restart cannot answer a new question that happens to get its number."""
    questions = _questions(context)
    number = secrets.randbelow(QUESTION_NUMBERS) + 1
    while number in questions:
        number = secrets.randbelow(QUESTION_NUMBERS) + 1
    questions[number] = question
    return InlineKeyboardMarkup([[
        InlineKeyboardButton(yes, callback_data=f"{CONFIRM_PREFIX}{number}:yes"),
        InlineKeyboardButton(no, callback_data=f"{CONFIRM_PREFIX}{number}:no"),
    ]])


async def confirm_button(update: Update, context: Context) -> None:
    """The Yes/No buttons of /deleteproject and /cancel; every press is answered."""
    query = update.callback_query
    assert query is not None and query.data is not None
    number_text, _, choice = query.data.removeprefix(CONFIRM_PREFIX).partition(":")
    number = parse_number(number_text)
    questions = _questions(context)
    question = questions.get(number) if number is not None else None
    project = None
    if question is not None and choice in ("yes", "no"):
        project = await project_store.get_project(context.bot_data.database, chat_id(update),
                                                  question.project_id)
    if question is None or project is None or number is None:
        await query.answer(EXPIRED, show_alert=True)
        return
    if not await may_manage(update, context, project):
        await query.answer(GROUPS_ONLY_ADMINS, show_alert=True)
        return
    del questions[number]
    if question.action == "delete":
        text, note = await _answer_delete(context, update, project, choice == "yes")
    else:
        text, note = await _answer_cancel(context, project, question.session_id, choice == "yes")
    await query.answer(note)
    await query.edit_message_text(text, parse_mode=ParseMode.HTML)


# --- /export ----------------------------------------------------------------------------

def _plural(count: int, noun: str) -> str:
    return f"{count} {noun}" if count == 1 else f"{count} {noun}s"


async def export(update: Update, context: Context) -> None:
    message = update.effective_message
    assert message is not None
    chat = chat_id(update)
    with tempfile.TemporaryFile() as spool:
        summary = await write_export(context.bot_data.database, chat, spool)
        if summary.projects == 0:
            await reply(update, "This chat has no projects to export yet.")
            return
        size = os.fstat(spool.fileno()).st_size
        if size > UPLOAD_LIMIT_BYTES:
            await reply(update, f"The export is {size / 2**20:.0f} MB, more than the 50 MB a bot "
                                f"may send: run <code>baton export --db FILE --chat {chat}</code> "
                                "where the bot runs instead.")
            return
        spool.seek(0)
        day = datetime.now(UTC).strftime("%Y-%m-%d")
        caption = (f"Your data: {_plural(summary.projects, 'project')}, "
                   f"{_plural(summary.sessions, 'session')}, {_plural(summary.turns, 'turn')}, "
                   f"{_plural(summary.handoffs, 'handoff')}. Each project is a folder with "
                   "project.json, turns.jsonl and its handoffs as .md.")
        await message.reply_document(document=InputFile(spool, filename=f"baton-export-{day}.zip"),
                                     caption=caption, do_quote=False)


# --- /deleteproject ---------------------------------------------------------------------

async def delete_project(update: Update, context: Context) -> None:
    name = command_args(update)
    if not name:
        await reply(update, "Say which project, like <code>/deleteproject Shop API</code>; "
                            "/projects lists them.")
        return
    db = context.bot_data.database
    project = await project_named(update, context, name)
    if project is None:
        return
    if not await may_manage(update, context, project):
        await reply(update, GROUPS_ONLY_ADMINS)
        return
    size = await data_store.project_size(db, project.id)
    markup = _ask(context, Question("delete", project.id, None, time.monotonic()),
                  "Delete", "Keep")
    message = update.effective_message
    assert message is not None
    await message.reply_text(
        f"Delete <b>{esc(project.name)}</b> with its {_plural(size.sessions, 'session')}, "
        f"{_plural(size.turns, 'turn')} and {_plural(size.handoffs, 'handoff')}? This cannot "
        "be undone; /export first keeps a copy.",
        parse_mode=ParseMode.HTML, reply_markup=markup, do_quote=False)


async def _answer_delete(context: Context, update: Update, project: Project,
                         yes: bool) -> tuple[str, str]:
    if not yes:
        return f"Kept <b>{esc(project.name)}</b>.", "Kept."
    db = context.bot_data.database
    if project.id in context.bot_data.closing:  # /complete is writing its handoff
        busy = (f"Not deleted: a handoff of <b>{esc(project.name)}</b> is being written; "
                "ask again when it has arrived.")
        return busy, "Not deleted."
    size = await data_store.project_size(db, project.id)
    await data_store.delete_project(db, chat_id(update), project.id)
    forget_target(context.chat_data)
    questions = _questions(context)  # SQLite may give a new project this id: ask anew
    for number in [n for n, q in questions.items() if q.project_id == project.id]:
        del questions[number]
    log.info("deleted project %s of chat %s", project.id, project.chat_id)
    gone = (f"Deleted <b>{esc(project.name)}</b>: {_plural(size.sessions, 'session')}, "
            f"{_plural(size.turns, 'turn')} and {_plural(size.handoffs, 'handoff')} are gone.")
    return gone, "Deleted."


# --- /cancel ----------------------------------------------------------------------------

async def cancel(update: Update, context: Context) -> None:
    project, session = await active_project_and_session(update, context)
    if project is None:
        await reply(update, NO_PROJECT)
        return
    if session is None:
        await reply(update, f"<b>{esc(project.name)}</b> has no open session to cancel.")
        return
    if session.id in context.bot_data.completing:
        await reply(update, f"Session {session.number} of <b>{esc(project.name)}</b> is being "
                            "completed right now.")
        return
    if not await may_manage(update, context, project):
        await reply(update, GROUPS_ONLY_ADMINS)
        return
    turns = await session_store.session_turns(context.bot_data.database, session.id)
    if turns == 0:
        text, _ = await _answer_cancel(context, project, session.id, True)
        await reply(update, text)
        return
    markup = _ask(context, Question("cancel", project.id, session.id, time.monotonic()),
                  "Cancel session", "Keep it open")
    message = update.effective_message
    assert message is not None
    await message.reply_text(
        f"Cancel session {session.number} of <b>{esc(project.name)}</b> without a handoff? "
        f"Its {_plural(turns, 'turn')} stay stored (and in /export), but no handoff will carry "
        "them.", parse_mode=ParseMode.HTML, reply_markup=markup, do_quote=False)


async def _answer_cancel(context: Context, project: Project, session_id: int | None,
                         yes: bool) -> tuple[str, str]:
    db = context.bot_data.database
    current = await session_store.active_session(db, project.id)
    if current is None or current.id != session_id:
        return "That session is not open any more.", EXPIRED
    if not yes:
        return f"Session {current.number} of <b>{esc(project.name)}</b> stays open.", "Kept open."
    if current.id in context.bot_data.completing:
        busy = (f"Session {current.number} of <b>{esc(project.name)}</b> is being completed "
                "right now.")
        return busy, "Not cancelled."
    closed = await session_store.cancel_session(db, current.id)
    forget_target(context.chat_data)
    if closed is None:
        return "That session is not open any more.", EXPIRED
    done = (f"Cancelled session {closed.number} of <b>{esc(project.name)}</b>: no handoff was "
            "made. /startsession opens the next one.")
    return done, "Cancelled."


# --- /rename ----------------------------------------------------------------------------

async def rename(update: Update, context: Context) -> None:
    project = await active_project(update, context)
    if project is None:
        await reply(update, NO_PROJECT)
        return
    name = " ".join(command_args(update).split())
    if not name:
        await reply(update, "Give the new name, like <code>/rename Shop API v2</code>.")
        return
    if len(name) > MAX_NAME_CHARS:
        await reply(update, f"That name is {len(name)} characters long; keep it to "
                            f"{MAX_NAME_CHARS} or fewer.")
        return
    if "|" in name:
        await reply(update, "A project name cannot contain “|” (it starts the description in /newproject).")
        return
    if not await may_manage(update, context, project):
        await reply(update, GROUPS_ONLY_ADMINS)
        return
    try:
        renamed = await project_store.rename_project(context.bot_data.database, chat_id(update),
                                                     project.id, name)
    except DuplicateProject:
        await reply(update, f"This chat already has a project called <b>{esc(name)}</b>; pick another name.")
        return
    forget_target(context.chat_data)
    if renamed is None:
        await reply(update, NO_PROJECT)
        return
    await reply(update, f"Renamed <b>{esc(project.name)}</b> to <b>{esc(renamed.name)}</b>.")


# --- /sessions --------------------------------------------------------------------------

def _clip(text: str, limit: int) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[:limit - 1].rstrip() + "…"


def session_line(summary: session_store.SessionSummary) -> str:
    session = summary.session
    started, ended = session.started_at[:10], (session.completed_at or "")[:10]
    dates = started if not ended or ended == started else f"{started} → {ended}"
    outcome = {"active": "open", "completed": "completed",
               "cancelled": "cancelled"}.get(session.status, session.status)
    if summary.has_handoff:
        outcome += ", handoff"
    about = session.notes if session.status == "completed" and session.notes else session.objectives
    line = f"<b>#{session.number}</b> · {dates} · {outcome} · {_plural(summary.turns, 'turn')}"
    return line + (f" · {esc(_clip(about, SESSION_SUMMARY_CHARS))}" if about.strip() else "")


async def list_sessions(update: Update, context: Context) -> None:
    project = await active_project(update, context)
    if project is None:
        await reply(update, NO_PROJECT)
        return
    summaries = await session_store.list_sessions(context.bot_data.database, project.id)
    if not summaries:
        await reply(update, f"<b>{esc(project.name)}</b> has no sessions yet: start one with /startsession.")
        return
    lines = [f"<b>{esc(project.name)}</b> — {_plural(len(summaries), 'session')}, newest first"]
    used = len(lines[0])
    shown = 0
    for summary in reversed(summaries):
        line = session_line(summary)
        if used + len(line) + 1 > SESSIONS_TEXT_CHARS:
            break
        lines.append(line)
        used += len(line) + 1
        shown += 1
    if shown < len(summaries):
        lines.append(f"… and {_plural(len(summaries) - shown, 'earlier session')}: /export has them all.")
    await reply(update, "\n".join(lines))


# --- /forget ----------------------------------------------------------------------------

def _probe(text: str) -> str:
    """The longest line of a message as it would be stored (role markers dropped, as the
    paste parser drops them), clipped: enough to recognise it inside a stored paste."""
    parsed = [t.text for t in split_pasted(text)] if has_markers(text) else [text]
    lines = (line.strip() for body in parsed for line in body.splitlines())
    longest = max(lines, key=len, default="")
    return longest[:PROBE_CHARS] if len(longest) >= MIN_PROBE_CHARS else ""


async def forget(update: Update, context: Context) -> None:
    message = update.effective_message
    assert message is not None
    target = message.reply_to_message
    if target is not None and target.forum_topic_created is not None:
        target = None  # in a forum topic every message "replies" to the topic's first one
    if target is None:
        await reply(update, "Reply /forget to the message you want me to forget.")
        return
    db = context.bot_data.database
    chat = chat_id(update)
    stored = await data_store.message_turns(db, chat, target.message_id)
    if stored is None:  # perhaps a later fragment of a stitched paste, keyed by its first
        before = await data_store.nearest_before(db, chat, target.message_id,
                                                 context.bot_data.capture.max_paste_parts)
        probe = _probe(target.text or target.caption or "")
        if before is not None and before.source == "pasted" and probe and probe in before.text:
            stored = before
    if stored is None:
        await reply(update, "Nothing was stored for that message.")
        return
    if not await _may_forget(update, context, stored.project_id, target):
        await reply(update, "In a group, only the message's sender, the admins and the "
                            "project's creator can make me forget it.")
        return
    removed = await data_store.forget_turns(db, stored.turn_ids)
    text = (f"Forgot that message: {_plural(removed, 'turn')} removed from session "
            f"{stored.session_number} of <b>{esc(stored.project_name)}</b>.")
    probe = _probe(stored.text)
    quoted = await data_store.handoffs_containing(db, stored.project_id, probe) if probe else 0
    if quoted:
        text += (f" {_plural(quoted, 'stored handoff')} still quote it; /deleteproject removes "
                 "those too.")
    await reply(update, text)


async def _may_forget(update: Update, context: Context, project_id: int,
                      target: Message) -> bool:
    """In groups: whoever sent the message, or whoever may manage the project."""
    chat = update.effective_chat
    assert chat is not None
    if chat.type == ChatType.PRIVATE:
        return True
    sender = target.from_user
    if sender is not None and sender.id == user_id(update):
        return True
    project = await project_store.get_project(context.bot_data.database, chat.id, project_id)
    return project is not None and await may_manage(update, context, project)
