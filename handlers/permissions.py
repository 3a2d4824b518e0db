"""Who may manage a project in a group, which only Telegram can tell: the use cases ask
through the callbacks made here (service.chat_projects.MayManage)."""
from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable

from telegram import Message, Update
from telegram.constants import ChatMemberStatus, ChatType
from telegram.error import TelegramError

from handlers.common import user_id
from handlers.context import Context

log = logging.getLogger(__name__)
GROUPS_ONLY_ADMINS = "In a group, only its admins and the project's creator can do that."


async def may_manage(update: Update, context: Context, created_by: int | None) -> bool:
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
    if created_by == who:
        return True
    try:
        member = await context.bot.get_chat_member(chat.id, who)
    except TelegramError:
        log.warning("could not look up user %s in chat %s", who, chat.id, exc_info=True)
        return False
    return member.status in (ChatMemberStatus.ADMINISTRATOR, ChatMemberStatus.OWNER)


def manager_check(update: Update, context: Context) -> Callable[[int | None], Awaitable[bool]]:
    """`may_manage` for this update, as the use cases ask it: with the project's creator."""
    async def check(created_by: int | None) -> bool:
        return await may_manage(update, context, created_by)
    return check


def forgetter_check(update: Update, context: Context,
                    target: Message) -> Callable[[int | None], Awaitable[bool]]:
    """Who may make the bot forget `target`: in groups whoever sent it, or whoever may
    manage the project."""
    async def check(created_by: int | None) -> bool:
        chat = update.effective_chat
        assert chat is not None
        if chat.type == ChatType.PRIVATE:
            return True
        sender = target.from_user
        if sender is not None and sender.id == user_id(update):
            return True
        return await may_manage(update, context, created_by)
    return check
