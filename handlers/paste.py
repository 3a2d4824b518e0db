"""Stitching long pastes: Telegram splits a paste over 4096 characters into consecutive
messages, so fragments from one sender are buffered briefly and parsed as one text.

Every fragment is in SQLite (`storage.fragments`) before the handler returns, so before
its update is confirmed to Telegram; the buffer in chat_data only groups them. A
fragment leaves the table once the turns made of it are stored, and fragments a crash
left behind are put back into their buffers at start-up (`restore_fragments`), where a
redelivered continuation still joins them.
"""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from telegram import Message
from telegram.ext import CallbackContext

from handlers.common import display_name
from handlers.context import BatonApp, Context
from handlers.debounce import cancel, debounce
from handlers.sink import store_turns
from storage import fragments as fragment_store
from storage.fragments import Fragment
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
    """Store the buffer's turns, then forget its fragments (a crash in between stores
    the same turns again at the next start, and their key makes that a no-op)."""
    buffer = _buffers(context).pop(key, None)
    cancel(context, _job_name(chat_id, key))
    if buffer is None:
        return
    await store_turns(context, chat_id, buffer.thread_id, to_turns(buffer))
    data = context.bot_data
    if data.writer is not None:
        await data.writer.drain()
    await fragment_store.remove_fragments(data.database, chat_id, sorted(buffer.parts))


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
    """Store typed text, then buffer it; a consecutive message id from the same sender
    continues the buffer."""
    user_id = message.from_user.id if message.from_user else 0
    fragment = Fragment(message.chat_id, message.message_thread_id, user_id,
                        display_name(message.from_user), message.message_id, text)
    key = (message.message_thread_id or 0, user_id)
    buffer = _buffers(context).get(key)
    if buffer is not None and message.message_id in buffer.parts:
        return  # a redelivered fragment already in the buffer
    await fragment_store.add_fragment(context.bot_data.database, fragment)
    await _buffer(context, fragment)


async def _buffer(context: Context, fragment: Fragment) -> None:
    capture = context.bot_data.capture
    key = (fragment.thread_id or 0, fragment.user_id)
    buffers = _buffers(context)
    buffer = buffers.get(key)
    if buffer is not None and not (buffer.continues_with(fragment.message_id)
                                   and len(buffer.parts) < capture.max_paste_parts
                                   and buffer.chars + len(fragment.text) <= capture.max_paste_chars):
        await flush(context, fragment.chat_id, key)
        buffer = None
    if buffer is None:
        buffer = PasteBuffer(fragment.chat_id, fragment.thread_id, fragment.author)
        buffers[key] = buffer
    buffer.parts[fragment.message_id] = fragment.text
    buffer.chars += len(fragment.text)
    debounce(context.chat_data, context.job_queue, _job_name(fragment.chat_id, key),
             capture.stitch_window_s, fragment.chat_id, _flush_later, (fragment.chat_id, key))


async def restore_fragments(app: BatonApp) -> int:
    """Put what a previous run left unstitched back into its buffers (their stitch window
    starts again); returns how many fragments there were."""
    left = await fragment_store.pending_fragments(app.bot_data.database)
    by_chat: dict[int, list[Fragment]] = defaultdict(list)
    for fragment in left:
        by_chat[fragment.chat_id].append(fragment)
    for chat_id, fragments in by_chat.items():
        context: Context = CallbackContext(app, chat_id=chat_id)
        for fragment in fragments:
            await _buffer(context, fragment)
    return len(left)


async def flush_everything(app: BatonApp) -> None:
    """Store every chat's pending pastes now (a graceful stop)."""
    for chat_id, chat_data in list(app.chat_data.items()):
        buffers: dict[Any, Any] = chat_data.get(BUFFERS_KEY) or {}
        if buffers:
            context: Context = CallbackContext(app, chat_id=chat_id)
            await flush_chat(context, chat_id)
