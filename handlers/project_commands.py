"""/newproject, /projects (with switch buttons) and /use: each parses the update, calls
its use case in service.chat_projects and words the answer."""
from __future__ import annotations

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.constants import ParseMode

from handlers.chat_events import EXPIRED
from handlers.common import (
    chat_id,
    command_args,
    in_topics,
    no_project_called,
    parse_number,
    thread_id,
    topic_of,
    user_id,
)
from handlers.context import Context
from handlers.replies import MAX_TEXT, esc, reply
from handlers.sink import forget_target
from service import chat_projects

SWITCH_PREFIX = "use:"
MAX_SWITCH_BUTTONS = 20  # a screenful; /use NAME reaches the others
BUTTON_LABEL_CHARS = 64  # Telegram's limit on a button's text
GONE = f"{EXPIRED[:-1]}: that project is not in this chat any more."
HERE = " of this topic"  # said in a forum topic, where each topic has its own


def parse_new_project(args: str) -> tuple[str, str]:
    name, _, description = args.partition(chat_projects.NAME_SEPARATOR)
    return " ".join(name.split()), description.strip()


def _too_long(name: str, limit: int) -> str:
    return f"That name is {len(name)} characters long; keep it to {limit} or fewer."


async def new_project(update: Update, context: Context) -> None:
    name, description = parse_new_project(command_args(update))
    made = await chat_projects.new_project(context.bot_data.database, chat_id(update), name,
                                           description, user_id(update), thread_id(update))
    match made.outcome:
        case "no_name":
            text = "Give the project a name, like <code>/newproject Shop API | FastAPI backend</code>."
        case "name_too_long":
            text = _too_long(made.name, made.limit)
        case "description_too_long":
            text = f"Keep the description to {made.limit} characters or fewer."
        case "duplicate":
            text = (f"This chat already has a project called <b>{esc(made.name)}</b>: "
                    f"switch to it with <code>/use {esc(made.name)}</code> or pick another name.")
        case "created":
            forget_target(context.chat_data)
            text = (f"Created <b>{esc(made.name)}</b> and made it the active project"
                    f"{HERE if in_topics(update) else ''}. Start working with /startsession.")
    await reply(update, text)


async def _projects_view(context: Context, chat: int,
                         thread: int) -> tuple[str, InlineKeyboardMarkup | None]:
    listed = await chat_projects.list_projects(context.bot_data.database, chat, thread)
    if not listed:
        return "No projects in this chat yet: create one with /newproject NAME.", None
    lines = ["<b>Projects</b>"]
    buttons: list[list[InlineKeyboardButton]] = []
    for project in listed:
        mark = "▶️" if project.active else "•"
        noun = "session" if project.sessions == 1 else "sessions"
        lines.append(f"{mark} <b>{esc(project.name)}</b> — {project.sessions} {noun}"
                     + (" (active)" if project.active else ""))
        if not project.active and len(buttons) < MAX_SWITCH_BUTTONS:
            buttons.append([InlineKeyboardButton(f"Switch to {project.name}"[:BUTTON_LABEL_CHARS],
                                                 callback_data=f"{SWITCH_PREFIX}{project.id}")])
    return "\n".join(lines), InlineKeyboardMarkup(buttons) if buttons else None


async def list_projects(update: Update, context: Context) -> None:
    text, markup = await _projects_view(context, chat_id(update), thread_id(update))
    await reply(update, text, markup)  # many projects take several messages


async def use_project(update: Update, context: Context) -> None:
    name = command_args(update)
    if not name:
        await reply(update, "Say which project, like <code>/use Shop API</code>; /projects lists them.")
        return
    switch = await chat_projects.use_project(context.bot_data.database, chat_id(update), name,
                                             thread_id(update))
    match switch.outcome:
        case "name_too_long":
            await reply(update, f"No project has a name that long (at most {switch.limit} "
                                "characters); /projects lists them.")
        case "not_found":
            await reply(update, no_project_called(switch.name))
        case "switched":
            forget_target(context.chat_data)
            await reply(update, f"<b>{esc(switch.name)}</b> is now the active project"
                                f"{HERE if in_topics(update) else ''}.")


async def switch_button(update: Update, context: Context) -> None:
    query = update.callback_query
    assert query is not None
    data = query.data or ""
    number = parse_number(data.removeprefix(SWITCH_PREFIX)) if data.startswith(SWITCH_PREFIX) else None
    if number is None or update.effective_chat is None:
        await query.answer(GONE)  # forged, or from a keyboard we never sent
        return
    chat = update.effective_chat.id
    thread = topic_of(query.message)  # the button's message is in the topic it is for
    name = await chat_projects.switch_to(context.bot_data.database, chat, number, thread)
    if name is None:
        await query.answer(GONE)
        return
    forget_target(context.chat_data)
    await query.answer(f"Switched to {name}")
    text, markup = await _projects_view(context, chat, thread)
    if len(text) > MAX_TEXT:  # the listing took several messages: this one can't hold it
        text = f"<b>{esc(name)}</b> is now the active project; /projects lists them all."
    await query.edit_message_text(text, parse_mode=ParseMode.HTML, reply_markup=markup)
