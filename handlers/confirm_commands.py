"""/deleteproject and /cancel, which ask first with two buttons, and those buttons.

A pending question lives in ChatData.questions under a number that the buttons carry, so
a button from before a restart, an answered question or forged data finds nothing and is
told it has expired. In groups, deleting and cancelling are for the group's admins and the
project's creator (handlers.permissions).
"""
from __future__ import annotations

import secrets
import time
from dataclasses import dataclass
from typing import Literal

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.constants import ParseMode

from handlers.chat_events import EXPIRED
from handlers.common import (
    chat_id,
    command_args,
    no_project,
    no_project_called,
    parse_number,
    thread_id,
)
from handlers.context import Context
from handlers.permissions import GROUPS_ONLY_ADMINS, manager_check
from handlers.replies import esc, reply
from handlers.sink import forget_target
from service import chat_projects, session_admin

CONFIRM_PREFIX = "data:"
QUESTION_NUMBERS = 2**53  # question numbers are drawn from 1..this
CONFIRM_TTL_S = 600.0  # a question left unanswered this long expires


def plural(count: int, noun: str) -> str:
    return f"{count} {noun}" if count == 1 else f"{count} {noun}s"


@dataclass(frozen=True, slots=True)
class Question:
    """A destructive action waiting for its Yes button."""

    action: Literal["delete", "cancel"]
    project_id: int
    session_id: int
    asked_at: float


def _questions(context: Context) -> dict[int, Question]:
    assert context.chat_data is not None
    questions = context.chat_data.questions
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


async def _ask_in_chat(update: Update, text: str, markup: InlineKeyboardMarkup) -> None:
    message = update.effective_message
    assert message is not None
    await message.reply_text(text, parse_mode=ParseMode.HTML, reply_markup=markup, do_quote=False)


async def confirm_button(update: Update, context: Context) -> None:
    """The Yes/No buttons of /deleteproject and /cancel; every press is answered."""
    query = update.callback_query
    assert query is not None and query.data is not None
    number_text, _, choice = query.data.removeprefix(CONFIRM_PREFIX).partition(":")
    number = parse_number(number_text)
    questions = _questions(context)
    question = questions.get(number) if number is not None else None
    if question is None or number is None or choice not in ("yes", "no"):
        await query.answer(EXPIRED, show_alert=True)
        return
    if question.action == "delete":
        answer = await _answer_delete(update, context, question, choice == "yes")
    else:
        answer = await _answer_cancel(update, context, question, choice == "yes")
    if answer is None:
        await query.answer(EXPIRED, show_alert=True)
        return
    if not answer:
        await query.answer(GROUPS_ONLY_ADMINS, show_alert=True)
        return
    questions.pop(number, None)
    text, note = answer
    await query.answer(note)
    await query.edit_message_text(text, parse_mode=ParseMode.HTML)


# --- /deleteproject ---------------------------------------------------------------------

async def delete_project(update: Update, context: Context) -> None:
    name = command_args(update)
    if not name:
        await reply(update, "Say which project, like <code>/deleteproject Shop API</code>; "
                            "/projects lists them.")
        return
    asked = await chat_projects.ask_delete(context.bot_data.database, chat_id(update), name,
                                           manager_check(update, context))
    if asked.outcome == "not_found":
        await reply(update, no_project_called(asked.name))
        return
    if asked.outcome == "not_allowed":
        await reply(update, GROUPS_ONLY_ADMINS)
        return
    size = asked.size
    markup = _ask(context, Question("delete", asked.project_id, 0, time.monotonic()),
                  "Delete", "Keep")
    await _ask_in_chat(update, (
        f"Delete <b>{esc(asked.name)}</b> with its {plural(size.sessions, 'session')}, "
        f"{plural(size.turns, 'turn')} and {plural(size.handoffs, 'handoff')}? This cannot "
        "be undone; /export first keeps a copy."), markup)


async def _answer_delete(update: Update, context: Context, question: Question,
                         yes: bool) -> tuple[str, str] | Literal[False] | None:
    """(text, note) to answer with; False when not allowed, None when the project is gone."""
    done = await chat_projects.confirm_delete(
        context.bot_data.database, chat_id(update), question.project_id, yes,
        manager_check(update, context), context.bot_data.closing)
    name = esc(done.name)
    match done.outcome:
        case "gone":
            return None
        case "not_allowed":
            return False
        case "kept":
            return f"Kept <b>{name}</b>.", "Kept."
        case "busy":  # /complete is writing its handoff
            return (f"Not deleted: a handoff of <b>{name}</b> is being written; "
                    "ask again when it has arrived."), "Not deleted."
        case "deleted":
            forget_target(context.chat_data)
            questions = _questions(context)  # SQLite may give a new project this id: ask anew
            for number in [n for n, q in questions.items() if q.project_id == question.project_id]:
                del questions[number]
            size = done.size
            return (f"Deleted <b>{name}</b>: {plural(size.sessions, 'session')}, "
                    f"{plural(size.turns, 'turn')} and {plural(size.handoffs, 'handoff')} "
                    "are gone."), "Deleted."


# --- /cancel ----------------------------------------------------------------------------

def _cancelled(project: str, number: int) -> str:
    return (f"Cancelled session {number} of <b>{esc(project)}</b>: no handoff was "
            "made. /startsession opens the next one.")


NOT_OPEN = "That session is not open any more."


async def cancel(update: Update, context: Context) -> None:
    asked = await session_admin.ask_cancel(context.bot_data.database, chat_id(update),
                                           manager_check(update, context),
                                           context.bot_data.completing, thread_id(update))
    project = esc(asked.project)
    match asked.outcome:
        case "no_project":
            await reply(update, no_project(thread_id(update)))
        case "nothing_open":
            await reply(update, f"<b>{project}</b> has no open session to cancel.")
        case "being_completed":
            await reply(update, f"Session {asked.number} of <b>{project}</b> is being "
                                "completed right now.")
        case "not_allowed":
            await reply(update, GROUPS_ONLY_ADMINS)
        case "not_open":
            await reply(update, NOT_OPEN)
        case "cancelled":
            forget_target(context.chat_data)
            await reply(update, _cancelled(asked.project, asked.number))
        case "ask":
            markup = _ask(context, Question("cancel", asked.project_id, asked.session_id,
                                            time.monotonic()), "Cancel session", "Keep it open")
            await _ask_in_chat(update, (
                f"Cancel session {asked.number} of <b>{project}</b> without a handoff? "
                f"Its {plural(asked.turns, 'turn')} stay stored (and in /export), but no "
                "handoff will carry them."), markup)


async def _answer_cancel(update: Update, context: Context, question: Question,
                         yes: bool) -> tuple[str, str] | Literal[False] | None:
    """(text, note) to answer with; False when not allowed, None when the project is gone."""
    done = await session_admin.confirm_cancel(
        context.bot_data.database, chat_id(update), question.project_id, question.session_id,
        yes, manager_check(update, context), context.bot_data.completing)
    project = esc(done.project)
    match done.outcome:
        case "gone":
            return None
        case "not_allowed":
            return False
        case "not_open":
            return NOT_OPEN, EXPIRED
        case "kept":
            return f"Session {done.number} of <b>{project}</b> stays open.", "Kept open."
        case "busy":
            return (f"Session {done.number} of <b>{project}</b> is being completed "
                    "right now."), "Not cancelled."
        case "cancelled":
            forget_target(context.chat_data)
            return _cancelled(done.project, done.number), "Cancelled."
