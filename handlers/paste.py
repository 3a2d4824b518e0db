"""Stitching long pastes: Telegram splits a paste over 4096 characters into consecutive
messages, so fragments from one sender are buffered briefly and parsed as one text."""
from __future__ import annotations

from dataclasses import dataclass, field

from telegram import Message

from handlers.common import display_name
from handlers.context import Context
from handlers.debounce import cancel, debounce
from handlers.sink import store_turns
from storage.models import NewTurn
from transcripts.pasted import has_markers, split_pasted

BUFFERS_KEY = "paste_buffers"


@dataclass
class PasteBuffer:
    chat_id: int
    thread_id: int | None
    author: str
    parts: dict[int, str] = field(default_factory=dict)  # message id -> text
    chars: int = 0

    @property
    def first_id(self) -> int:
        return min(self.parts)

    @property
    def last_id(self) -> int:
        return max(self.parts)

    def continues_with(self, message_id: int) -> bool:
        """Adjacent ids on either side: updates can arrive slightly out of order."""
        return message_id in (self.last_id + 1, self.first_id - 1)


def _buffers(context: Context) -> dict[tuple[int, int], PasteBuffer]:
    assert context.chat_data is not None
    return context.chat_data.setdefault(BUFFERS_KEY, {})


def to_turns(buffer: PasteBuffer) -> list[NewTurn]:
    """One typed note, or the turns a pasted conversation's role markers delimit."""
    text = "\n".join(buffer.parts[i] for i in sorted(buffer.parts))
    ids = {"tg_chat_id": buffer.chat_id, "tg_message_id": buffer.first_id}
    if has_markers(text):
        return [NewTurn(role=t.role, author=t.author or buffer.author, source="pasted",
                        text=t.text, part=i, **ids)
                for i, t in enumerate(split_pasted(text)) if t.text.strip()]
    source = "pasted" if len(buffer.parts) > 1 else "typed"
    return [NewTurn(role="note", author=buffer.author, source=source, text=text, **ids)]


def _job_name(chat_id: int, key: tuple[int, int]) -> str:
    return f"paste:{chat_id}:{key[0]}:{key[1]}"


async def flush(context: Context, chat_id: int, key: tuple[int, int]) -> None:
    buffer = _buffers(context).pop(key, None)
    cancel(context, _job_name(chat_id, key))
    if buffer is not None:
        await store_turns(context, chat_id, buffer.thread_id, to_turns(buffer))


async def flush_chat(context: Context, chat_id: int) -> None:
    """Store every pending paste of the chat now: a command or another kind of message ends
    the window, so what came before it is stored before it is handled."""
    for key in list(_buffers(context)):
        await flush(context, chat_id, key)


async def store_pending(context: Context, chat_id: int) -> None:
    """Everything the chat sent so far is in SQLite once this returns: pending pastes are
    flushed and the turn writer has drained. Runs before commands and file imports."""
    await flush_chat(context, chat_id)
    if context.bot_data.writer is not None:
        await context.bot_data.writer.drain()


async def _flush_later(context: Context, target: tuple[int, tuple[int, int]]) -> None:
    await flush(context, target[0], target[1])


async def add_fragment(message: Message, context: Context, text: str) -> None:
    """Buffer typed text; a consecutive message id from the same sender continues it."""
    data = context.bot_data
    key = (message.message_thread_id or 0, message.from_user.id if message.from_user else 0)
    buffers = _buffers(context)
    buffer = buffers.get(key)
    if buffer is not None and message.message_id in buffer.parts:
        return  # a redelivered fragment already in the buffer
    if buffer is not None and not (buffer.continues_with(message.message_id)
                                   and len(buffer.parts) < data.max_paste_parts
                                   and buffer.chars + len(text) <= data.max_paste_chars):
        await flush(context, message.chat_id, key)
        buffer = None
    if buffer is None:
        buffer = PasteBuffer(message.chat_id, message.message_thread_id,
                             display_name(message.from_user))
        buffers[key] = buffer
    buffer.parts[message.message_id] = text
    buffer.chars += len(text)
    debounce(context.chat_data, context.job_queue, _job_name(message.chat_id, key),
             data.stitch_window_s, message.chat_id, _flush_later, (message.chat_id, key))
