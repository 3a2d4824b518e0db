"""/newproject, /projects (with switch buttons) and /use."""
from __future__ import annotations

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.constants import ParseMode

from handlers.chat_events import EXPIRED
from handlers.common import chat_id, command_args, parse_number, project_named, user_id
from handlers.context import Context
from handlers.replies import MAX_TEXT, esc, reply
from handlers.sink import forget_target
from storage import projects as project_store
from storage.projects import MAX_NAME_CHARS, DuplicateProject

SWITCH_PREFIX = "use:"
MAX_DESCRIPTION_CHARS = 500
MAX_SWITCH_BUTTONS = 20  # a screenful; /use NAME reaches the others
GONE = f"{EXPIRED[:-1]}: that project is not in this chat any more."


def parse_new_project(args: str) -> tuple[str, str]:
    name, _, description = args.partition("|")
    return " ".join(name.split()), description.strip()


async def new_project(update: Update, context: Context) -> None:
    name, description = parse_new_project(command_args(update))
    if not name:
        await reply(update, "Give the project a name, like "
                            "<code>/newproject Shop API | FastAPI backend</code>.")
        return
    if len(name) > MAX_NAME_CHARS:
        await reply(update, f"That name is {len(name)} characters long; keep it to "
                            f"{MAX_NAME_CHARS} or fewer.")
        return
    if len(description) > MAX_DESCRIPTION_CHARS:
        await reply(update, f"Keep the description to {MAX_DESCRIPTION_CHARS} characters or fewer.")
        return
    forget_target(context.chat_data)
    try:
        project = await project_store.create_project(
            context.bot_data.database, chat_id(update), name, description, user_id(update))
    except DuplicateProject:
        await reply(update, f"This chat already has a project called <b>{esc(name)}</b>: "
                            f"switch to it with <code>/use {esc(name)}</code> or pick another name.")
        return
    await reply(update, f"Created <b>{esc(project.name)}</b> and made it the active project. "
                        "Start working with /startsession.")


async def _projects_view(context: Context, chat: int) -> tuple[str, InlineKeyboardMarkup | None]:
    db = context.bot_data.database
    listed = await project_store.list_projects(db, chat)
    if not listed:
        return "No projects in this chat yet: create one with /newproject NAME.", None
    active = await project_store.active_project(db, chat)
    lines = ["<b>Projects</b>"]
    buttons: list[list[InlineKeyboardButton]] = []
    for project, sessions in listed:
        is_active = active is not None and active.id == project.id
        mark = "▶️" if is_active else "•"
        noun = "session" if sessions == 1 else "sessions"
        lines.append(f"{mark} <b>{esc(project.name)}</b> — {sessions} {noun}"
                     + (" (active)" if is_active else ""))
        if not is_active and len(buttons) < MAX_SWITCH_BUTTONS:
            buttons.append([InlineKeyboardButton(f"Switch to {project.name}"[:64],
                                                 callback_data=f"{SWITCH_PREFIX}{project.id}")])
    return "\n".join(lines), InlineKeyboardMarkup(buttons) if buttons else None


async def list_projects(update: Update, context: Context) -> None:
    text, markup = await _projects_view(context, chat_id(update))
    await reply(update, text, markup)  # many projects take several messages


async def use_project(update: Update, context: Context) -> None:
    name = command_args(update)
    if not name:
        await reply(update, "Say which project, like <code>/use Shop API</code>; /projects lists them.")
        return
    if len(" ".join(name.split())) > MAX_NAME_CHARS:
        await reply(update, f"No project has a name that long (at most {MAX_NAME_CHARS} "
                            "characters); /projects lists them.")
        return
    project = await project_named(update, context, name)
    if project is None:
        return
    await project_store.set_active(context.bot_data.database, chat_id(update), project.id)
    forget_target(context.chat_data)
    await reply(update, f"<b>{esc(project.name)}</b> is now the active project.")


async def switch_button(update: Update, context: Context) -> None:
    query = update.callback_query
    assert query is not None
    data = query.data or ""
    number = parse_number(data.removeprefix(SWITCH_PREFIX)) if data.startswith(SWITCH_PREFIX) else None
    if number is None or update.effective_chat is None:
        await query.answer(GONE)  # forged, or from a keyboard we never sent
        return
    chat = update.effective_chat.id
    db = context.bot_data.database
    project = await project_store.get_project(db, chat, number)
    if project is None:
        await query.answer(GONE)
        return
    await project_store.set_active(db, chat, project.id)
    forget_target(context.chat_data)
    await query.answer(f"Switched to {project.name}")
    text, markup = await _projects_view(context, chat)
    if len(text) > MAX_TEXT:  # the listing took several messages: this one can't hold it
        text = f"<b>{esc(project.name)}</b> is now the active project; /projects lists them all."
    await query.edit_message_text(text, parse_mode=ParseMode.HTML, reply_markup=markup)
