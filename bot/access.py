"""The access gate: runs before every handler and stops updates from anyone not allowed.
It is also where a chat that was unreachable (it blocked or removed the bot) becomes
reachable again: any update from it but the one saying it left clears the mark."""
from __future__ import annotations

import logging
import time
from collections.abc import Callable, Coroutine
from typing import Any

from telegram import ChatMember, Update
from telegram.error import TelegramError
from telegram.ext import ApplicationHandlerStop

from bot.config import AccessConfig
from handlers.context import Context

log = logging.getLogger(__name__)
REFUSE_EVERY_S = 3600.0  # one refusal per person and chat per hour, not one per message
BUTTON_REFUSAL = "Sorry, this Baton is private."
GONE = (ChatMember.BANNED, ChatMember.LEFT)  # the bot's status once blocked, kicked or removed


def note_reachability(update: Update, unreachable: set[int]) -> None:
    """Mark the chat when the update says the bot was blocked or removed, else clear it."""
    chat = update.effective_chat
    if chat is None:
        return
    change = update.my_chat_member
    if change is not None and change.new_chat_member.status in GONE:
        if chat.id not in unreachable:
            unreachable.add(chat.id)
            log.info("chat %s blocked or removed the bot; sending it nothing", chat.id)
    elif chat.id in unreachable:
        unreachable.discard(chat.id)
        log.info("chat %s writes again; it is reachable", chat.id)


def refusal_text(user_id: int | None, chat_id: int | None, group: bool) -> str:
    who = f"Your Telegram user id is <code>{user_id}</code>" if user_id else "I can't tell who you are"
    text = (f"Sorry, this Baton is private. {who}: its owner can add it to "
            "<code>[access] allowed_user_ids</code> in the config.")
    if group and chat_id is not None:
        text += f" This chat's id is <code>{chat_id}</code> (for <code>allowed_chat_ids</code>)."
    return text


async def _refuse(update: Update, context: Context) -> None:
    """Answer every button press; say in the chat, once an hour, who is asking."""
    user = update.effective_user
    chat = update.effective_chat
    user_id = user.id if user else None
    chat_id = chat.id if chat else None
    if update.callback_query is not None:  # an unanswered press keeps spinning
        await update.callback_query.answer(BUTTON_REFUSAL, show_alert=True)
    key = (user_id or 0, chat_id or 0)
    now = time.monotonic()
    refused = context.bot_data.refused_at
    if now - refused.get(key, -REFUSE_EVERY_S) >= REFUSE_EVERY_S:
        refused[key] = now
        log.info("refused user %s in chat %s", user_id, chat_id)
        text = refusal_text(user_id, chat_id, bool(chat and chat.type != chat.PRIVATE))
        if update.effective_message is not None and chat is not None:
            await context.bot.send_message(chat.id, text, parse_mode="HTML")


def make_gate(access: AccessConfig) -> Callable[[Update, Context], Coroutine[Any, Any, None]]:
    async def gate(update: Update, context: Context) -> None:
        note_reachability(update, context.bot_data.unreachable)
        user = update.effective_user
        chat = update.effective_chat
        if access.allows(user.id if user else None, chat.id if chat else None):
            return
        # A refusal that fails must not let the update through: an exception in a handler
        # makes python-telegram-bot go on to the next group.
        try:
            await _refuse(update, context)
        except TelegramError as exc:
            log.info("could not refuse update %s: %s", update.update_id, exc)
        except Exception:  # a bug here is logged, and still nothing gets through
            log.exception("refusing update %s failed", update.update_id)
        raise ApplicationHandlerStop

    return gate
