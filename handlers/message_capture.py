"""Messages to turns: typed text goes through the paste stitcher, forwarded messages are
stored at once with the role and author their forward_origin gives."""
from __future__ import annotations

from telegram import (
    Message,
    MessageOriginChannel,
    MessageOriginChat,
    MessageOriginHiddenUser,
    MessageOriginUser,
    Update,
)

from handlers.common import command_args, display_name, topic_of
from handlers.context import Context
from handlers.paste import add_fragment, store_pending
from handlers.replies import reply
from handlers.sink import chat_state, store_said
from service import groups, members
from service.capture import Said


def origin_author(message: Message) -> tuple[bool, str]:
    """(written by a bot, author) of a forwarded message, from who originally wrote it:
    a bot's answer is the assistant's turn, anyone else's the user's."""
    origin = message.forward_origin
    if isinstance(origin, MessageOriginUser):
        return origin.sender_user.is_bot, display_name(origin.sender_user)
    if isinstance(origin, MessageOriginHiddenUser):
        return False, origin.sender_user_name
    if isinstance(origin, MessageOriginChat):
        return False, origin.author_signature or origin.sender_chat.title or "a chat"
    if isinstance(origin, MessageOriginChannel):
        return False, origin.author_signature or origin.chat.title or "a channel"
    return False, "unknown"


def replies_to_bot(message: Message, bot_id: int) -> bool:
    """A reply to one of the bot's messages; in a forum topic every message "replies" to
    the topic's first message, which does not count."""
    replied = message.reply_to_message
    return (replied is not None and replied.forum_topic_created is None
            and replied.from_user is not None and replied.from_user.id == bot_id)


async def capture_message(update: Update, context: Context) -> None:
    message = update.effective_message
    assert message is not None
    text = message.text or message.caption or ""
    if not text.strip():
        return  # only whitespace: nothing worth keeping
    if not groups.keeps(message.chat_id, context.bot_data.capture.groups,
                        forwarded=message.forward_origin is not None,
                        to_bot=replies_to_bot(message, context.bot.id) or groups.continues_paste(
                            chat_state(context), topic_of(message) or None,
                            message.from_user.id if message.from_user else 0, message.message_id)):
        return  # group chit-chat, with [capture] groups = "forwards"
    if message.forward_origin is None and message.text is not None:
        await add_fragment(message, context, text)
        return
    where = (message.chat_id, topic_of(message) or None, message.message_id)
    if message.forward_origin is None:  # a caption typed with a photo or file
        said = Said(*where, display_name(message.from_user), text, "note", "typed")
    else:
        by_bot, author = origin_author(message)
        said = Said(*where, author, text, "assistant" if by_bot else "user", "forwarded")
    # Stored after what the chat pasted before it (the use case flushes that first).
    await store_said(context, said)


def command_name(message: Message | None, bot_username: str | None) -> str:
    """The command a message sends to this bot ("complete" for /complete@ThisBot), or ""."""
    words = (message.text or "").split(maxsplit=1) if message is not None else []
    if not words or not words[0].startswith("/"):
        return ""
    name, _, target = words[0][1:].partition("@")
    return name.lower() if not target or target.lower() == (bot_username or "").lower() else ""


async def end_paste_window(update: Update, context: Context) -> None:
    """Runs before every command: what was pasted before it belongs before it, and who
    sends /complete is who completes the session."""
    message = update.effective_message
    if update.effective_chat is None or context.chat_data is None or message is None:
        return
    await store_pending(context, update.effective_chat.id)
    if message.from_user is not None and command_name(message, context.bot.username) == "complete":
        await members.completing(context.bot_data.services, context.chat_data.capture,
                                 message.chat_id, topic_of(message) or None,
                                 message.from_user.id, display_name(message.from_user))


async def after_command(update: Update, context: Context) -> None:
    """Runs after every command (/startsession has finished by then): whoever started a
    session is named on it."""
    message = update.effective_message
    if (message is not None and message.from_user is not None
            and command_name(message, context.bot.username) == "startsession"):
        await members.started(context.bot_data.services, message.chat_id, message.from_user.id,
                              display_name(message.from_user))


async def note(update: Update, context: Context) -> None:
    message = update.effective_message
    assert message is not None
    text = command_args(update)
    if not text:
        await reply(update, "Write the note after the command, like "
                            "<code>/note use Decimal for money</code>.")
        return
    await store_said(context, Said(message.chat_id, topic_of(message) or None, message.message_id,
                                   display_name(message.from_user), text))
