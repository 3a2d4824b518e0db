"""The access gate: runs before every handler and stops updates from anyone not allowed."""
from __future__ import annotations

import logging
import time
from typing import Any, Callable, Coroutine

from telegram import Update
from telegram.ext import ApplicationHandlerStop

from bot.config import AccessConfig
from handlers.context import Context

log = logging.getLogger(__name__)
REFUSE_EVERY_S = 3600.0  # one refusal per person and chat per hour, not one per message


def refusal_text(user_id: int | None, chat_id: int | None, group: bool) -> str:
    who = f"Your Telegram user id is <code>{user_id}</code>" if user_id else "I can't tell who you are"
    text = (f"Sorry, this Baton is private. {who}: its owner can add it to "
            "<code>[access] allowed_user_ids</code> in the config.")
    if group and chat_id is not None:
        text += f" This chat's id is <code>{chat_id}</code> (for <code>allowed_chat_ids</code>)."
    return text


def make_gate(access: AccessConfig) -> Callable[[Update, Context], Coroutine[Any, Any, None]]:
    async def gate(update: Update, context: Context) -> None:
        user = update.effective_user
        chat = update.effective_chat
        user_id = user.id if user else None
        chat_id = chat.id if chat else None
        if access.allows(user_id, chat_id):
            return
        key = (user_id or 0, chat_id or 0)
        now = time.monotonic()
        refused = context.bot_data.refused_at
        if now - refused.get(key, -REFUSE_EVERY_S) >= REFUSE_EVERY_S:
            refused[key] = now
            log.info("refused user %s in chat %s", user_id, chat_id)
            text = refusal_text(user_id, chat_id, bool(chat and chat.type != chat.PRIVATE))
            if update.callback_query is not None:
                await update.callback_query.answer("Sorry, this Baton is private.", show_alert=True)
            if update.effective_message is not None and chat is not None:
                await context.bot.send_message(chat.id, text, parse_mode="HTML")
        raise ApplicationHandlerStop

    return gate
