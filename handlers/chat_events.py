"""Service events: the bot added to a group, group → supergroup migration, unknown
commands, non-text messages, buttons nobody handles."""
from __future__ import annotations

from telegram import ChatMember, Update
from telegram.constants import ChatType, ParseMode

from handlers.context import Context
from handlers.digest_command import follow_chat
from handlers.replies import esc, reply
from handlers.sink import chat_state
from service.capture import move_chat

EXPIRED = "That button has expired."
SHOWN_COMMAND_CHARS = 40  # Telegram commands are at most 32 characters; longer is not one
IN_CHAT = (ChatMember.MEMBER, ChatMember.ADMINISTRATOR, ChatMember.OWNER, ChatMember.RESTRICTED)
GROUP_TYPES = (ChatType.GROUP, ChatType.SUPERGROUP)


def arrival_text(reads_all: bool, groups: str) -> str:
    """What the bot says once when it joins a group: what it does, what it can read
    (getMe's can_read_all_group_messages, or being an admin) and where to start."""
    if not reads_all:
        kept = ("Privacy mode is on, so I cannot read the messages here, only commands and "
                "replies to me: use /note TEXT, or turn privacy off in @BotFather "
                "(/setprivacy → Disable), or make me an admin.")
    elif groups == "all":
        kept = "I can read every message here and keep all of them in the open session."
    else:
        kept = ("I can read every message here, and keep forwarded messages, files, "
                "/note TEXT and replies to me (not the chat around them).")
    return ("<b>Baton</b> turns this group's AI work into handoffs: forward what your AI "
            "says, and /complete sends a file the next session starts from.\n"
            f"{kept}\nStart with <code>/newproject NAME</code>, then /startsession.")


async def arrived(update: Update, context: Context) -> None:
    """The bot was added to a group: introduce it once (a promotion to admin, or any other
    change while it stays in the chat, says nothing)."""
    change = update.my_chat_member
    if change is None or change.chat.type not in GROUP_TYPES:
        return
    old, new = change.old_chat_member, change.new_chat_member
    joined = new.status in (ChatMember.MEMBER, ChatMember.ADMINISTRATOR) and (
        old.status not in IN_CHAT or (old.status == ChatMember.RESTRICTED
                                      and not getattr(old, "is_member", True)))
    if not joined:
        return
    reads_all = bool(context.bot.can_read_all_group_messages) or (
        new.status == ChatMember.ADMINISTRATOR)
    await context.bot.send_message(change.chat.id, arrival_text(reads_all,
                                                                context.bot_data.capture.groups),
                                   parse_mode=ParseMode.HTML)


async def migrated(update: Update, context: Context) -> None:
    """Keep a group's projects and digests when Telegram turns it into a supergroup."""
    message = update.effective_message
    if message is not None and message.migrate_to_chat_id:
        await move_chat(context.bot_data.services, chat_state(context), message.chat_id,
                        message.migrate_to_chat_id)
        await follow_chat(context, message.chat_id, message.migrate_to_chat_id)


async def unknown_command(update: Update, context: Context) -> None:
    message = update.effective_message
    if message is None or not message.text:
        return
    command = message.text.split()[0]
    name, _, target = command.partition("@")
    if target and target.lower() != (context.bot.username or "").lower():
        return  # addressed to another bot in the group
    if len(name) > SHOWN_COMMAND_CHARS:
        name = f"{name[:SHOWN_COMMAND_CHARS]}…"
    await reply(update, f"I don't know {esc(name)}; /help lists what I can do.")


async def non_text(update: Update, context: Context) -> None:
    chat = update.effective_chat
    if chat is not None and chat.type == ChatType.PRIVATE:
        await reply(update, "I can only keep text: add a caption, or paste the text itself.")


async def expired_button(update: Update, context: Context) -> None:
    """Callback data no handler claims: an old keyboard, another bot's, or forged."""
    if update.callback_query is not None:
        await update.callback_query.answer(EXPIRED)
