"""Service events: group → supergroup migration, unknown commands, non-text messages,
buttons nobody handles."""
from __future__ import annotations

from telegram import Update
from telegram.constants import ChatType

from handlers.context import Context
from handlers.replies import esc, reply
from handlers.sink import chat_state
from service.capture import move_chat

EXPIRED = "That button has expired."
SHOWN_COMMAND_CHARS = 40  # Telegram commands are at most 32 characters; longer is not one


async def migrated(update: Update, context: Context) -> None:
    """Keep a group's projects when Telegram turns it into a supergroup."""
    message = update.effective_message
    if message is not None and message.migrate_to_chat_id:
        await move_chat(context.bot_data.services, chat_state(context), message.chat_id,
                        message.migrate_to_chat_id)


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
