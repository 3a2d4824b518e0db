"""What most handlers start with: the chat, the user and the command's arguments, parsed
from the update; and the sentences several commands answer with."""
from __future__ import annotations

import re

from telegram import MaybeInaccessibleMessage, Message, Update, User

from handlers.replies import esc

NO_PROJECT = "No active project in this chat yet: create one with /newproject NAME."
NO_PROJECT_IN_TOPIC = ("No active project in this topic yet: create one with /newproject NAME, "
                       "or bind one of the group's with /use NAME.")
MAX_NUMBER = 2**63 - 1  # the largest integer SQLite stores
_ASCII_NUMBER = re.compile(r"[0-9]{1,19}")


def parse_number(text: str, lowest: int = 1, highest: int = MAX_NUMBER) -> int | None:
    """A number typed or carried in callback data, or None: ASCII digits only ("²" and
    "٣" pass str.isdigit() but not int()), within [lowest, highest] so SQLite can hold it."""
    text = text.strip()
    if not _ASCII_NUMBER.fullmatch(text):
        return None
    value = int(text)
    return value if lowest <= value <= highest else None


def chat_id(update: Update) -> int:
    chat = update.effective_chat
    assert chat is not None, "handlers are registered for chat updates only"
    return chat.id


def topic_of(message: MaybeInaccessibleMessage | None) -> int:
    """The forum topic a message belongs to, or 0: a chat without topics, a forum's General
    topic (Telegram marks no topic there) and a reply chain in an ordinary supergroup (whose
    message_thread_id is not a topic) are all thread 0."""
    if isinstance(message, Message) and message.is_topic_message and message.message_thread_id:
        return message.message_thread_id
    return 0


def thread_id(update: Update) -> int:
    """The place's thread: the update's forum topic, or 0 (see `topic_of`)."""
    return topic_of(update.effective_message)


def in_topics(update: Update) -> bool:
    """The update comes from a forum supergroup, where each topic has its own project."""
    chat = update.effective_chat
    return bool(chat is not None and chat.is_forum)


def no_project(thread: int) -> str:
    """The answer when the place has no active project: a topic is told it can bind one."""
    return NO_PROJECT_IN_TOPIC if thread else NO_PROJECT


def user_id(update: Update) -> int | None:
    user = update.effective_user
    return user.id if user else None


def display_name(user: User | None) -> str:
    if user is None:
        return "someone"
    return user.full_name or (f"@{user.username}" if user.username else str(user.id))


def command_args(update: Update) -> str:
    """The text after the command, with its line breaks kept (context.args would lose them)."""
    message = update.effective_message
    text = (message.text or message.caption or "") if message else ""
    parts = text.split(maxsplit=1)
    return parts[1].strip() if len(parts) > 1 else ""


def no_project_called(name: str) -> str:
    """The answer when the chat has no project of that name (/use, /deleteproject)."""
    return f"No project called <b>{esc(name)}</b> in this chat; /projects lists them."
