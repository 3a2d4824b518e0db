"""/start and /help: orientation, plus the command menu registered at start-up."""
from __future__ import annotations

from telegram import BotCommand, Update
from telegram.constants import ChatType

from handlers.context import Context
from handlers.replies import esc, reply

# (command, menu description, example) — one source for /help and set_my_commands.
COMMANDS: tuple[tuple[str, str, str], ...] = (
    ("newproject", "Create a project and make it active", "/newproject Shop API | FastAPI backend"),
    ("projects", "List this chat's projects and switch", "/projects"),
    ("use", "Switch the active project", "/use Shop API"),
    ("startsession", "Start the next session", "/startsession checkout and Stripe"),
    ("note", "Add a note to the session", "/note decided to keep Postgres"),
    ("complete", "Close the session and get the handoff (@name: for a teammate)",
     "/complete @dana checkout works"),
    ("handoff", "Draft handoff now, or resend session N's", "/handoff 3"),
    ("stats", "Numbers for the active project", "/stats"),
    ("sessions", "The active project's sessions", "/sessions"),
    ("rename", "Rename the active project", "/rename Shop API v2"),
    ("cancel", "Close the open session without a handoff", "/cancel"),
    ("forget", "Reply to a message to delete it from the session", "/forget"),
    ("export", "A zip of this chat's projects", "/export"),
    ("digest", "Schedule a digest of the projects here, or get one now", "/digest daily 09:00"),
    ("deleteproject", "Delete a project and everything in it", "/deleteproject Shop API"),
    ("help", "Every command with an example", "/help"),
)

BOT_COMMANDS = [BotCommand(name, description) for name, description, _ in COMMANDS]

GROUP_PRIVACY_NOTE = (
    "In groups with privacy mode on I only see commands and replies to me: use /note TEXT, "
    "or turn privacy off in @BotFather (/setprivacy → Disable), or make me an admin."
)


async def start(update: Update, context: Context) -> None:
    lines = [
        "<b>Baton</b> carries your AI work from one session to the next.",
        "1. /newproject NAME, then /startsession and forward or paste what happens with your AI.",
        "2. /complete closes the session and sends you a handoff file.",
        "3. Paste its master prompt into a fresh AI chat and carry on. /help lists every command.",
    ]
    chat = update.effective_chat
    in_group = chat is not None and chat.type in (ChatType.GROUP, ChatType.SUPERGROUP)
    if in_group and not context.bot.can_read_all_group_messages:  # privacy mode is on
        lines.append("")
        lines.append(GROUP_PRIVACY_NOTE)
    await reply(update, "\n".join(lines))


async def help_command(update: Update, context: Context) -> None:
    lines = ["<b>Commands</b>"]
    for name, description, example in COMMANDS:
        lines.append(f"/{name} — {description}. Example: <code>{esc(example)}</code>")
    lines.append("")
    chat = update.effective_chat
    if chat is not None and chat.type in (ChatType.GROUP, ChatType.SUPERGROUP) \
            and context.bot_data.capture.groups == "forwards":
        lines.append("During a session, what you forward to me, files, /note TEXT and replies to "
                     "my messages are kept as part of it; the chat around them is not.")
    else:
        lines.append("During a session, every message you send or forward to me is kept as part "
                     "of it.")
    await reply(update, "\n".join(lines))
