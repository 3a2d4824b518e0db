"""Stitching long pastes, the Telegram side: typed text is handed to
`service.capture.add_typed` (stored at once, buffered per sender) and each buffer's
stitch window is a debounced job; when it goes quiet, or a command or another kind of
message ends it, the buffer is stored as turns."""
from __future__ import annotations

from telegram import Message
from telegram.ext import CallbackContext

from handlers.common import display_name, topic_of
from handlers.context import BatonApp, BotData, Context
from handlers.debounce import cancel, debounce
from handlers.sink import chat_state, say_nudges
from service import capture as capture_service
from service.capture import Buffered, PasteKey, PasteLimits, Said


def _job_name(chat_id: int, key: PasteKey) -> str:
    return f"paste:{chat_id}:{key[0]}:{key[1]}"


def _limits(data: BotData) -> PasteLimits:
    capture = data.capture
    return PasteLimits(capture.max_paste_parts, capture.max_paste_chars)


async def flush_chat(context: Context, chat_id: int) -> None:
    """Store every pending paste of the chat now (see `service.capture.flush_pastes`)."""
    for key in list(chat_state(context).pastes):
        cancel(context, _job_name(chat_id, key))
    await say_nudges(context.bot, await capture_service.flush_pastes(
        context.bot_data.services, chat_state(context)))


async def store_pending(context: Context, chat_id: int) -> None:
    """Everything the chat sent so far is in SQLite once this returns (pending pastes and
    the turn writer's queue). Runs before commands and file imports."""
    for key in list(chat_state(context).pastes):
        cancel(context, _job_name(chat_id, key))
    await say_nudges(context.bot, await capture_service.store_pending(
        context.bot_data.services, chat_state(context)))


async def _flush_later(context: Context, target: tuple[int, PasteKey]) -> None:
    nudge = await capture_service.flush_paste(context.bot_data.services, chat_state(context),
                                              target[1])
    await say_nudges(context.bot, [nudge] if nudge is not None else [])


def _wait(context: Context, buffered: Buffered) -> None:
    """(Re)start the buffer's stitch window."""
    debounce(context.chat_data, context.job_queue, _job_name(buffered.chat_id, buffered.key),
             context.bot_data.capture.stitch_window_s, buffered.chat_id, _flush_later,
             (buffered.chat_id, buffered.key))


async def add_fragment(message: Message, context: Context, text: str) -> None:
    """Store typed text and buffer it; a consecutive message id from the same sender
    continues the buffer."""
    said = Said(message.chat_id, topic_of(message) or None, message.message_id,
                display_name(message.from_user), text,
                user_id=message.from_user.id if message.from_user else 0)
    buffered = await capture_service.add_typed(context.bot_data.services, chat_state(context),
                                               said, _limits(context.bot_data))
    if buffered is None:
        return  # a redelivered fragment already in the buffer
    if buffered.nudge is not None:
        await say_nudges(context.bot, [buffered.nudge])
    _wait(context, buffered)


async def restore_fragments(app: BatonApp) -> int:
    """Put what a previous run left unstitched back into its buffers (their stitch window
    starts again); returns how many fragments there were."""
    restored = await capture_service.restore_fragments(
        app.bot_data.services, lambda chat_id: app.chat_data[chat_id].capture,
        _limits(app.bot_data))
    for buffered in restored:
        context: Context = CallbackContext(app, chat_id=buffered.chat_id)
        if buffered.nudge is not None:
            await say_nudges(app.bot, [buffered.nudge])
        _wait(context, buffered)
    return len(restored)


async def flush_everything(app: BatonApp) -> None:
    """Store every chat's pending pastes now (a graceful stop)."""
    for chat_id, chat_data in list(app.chat_data.items()):
        if chat_data.capture.pastes:
            context: Context = CallbackContext(app, chat_id=chat_id)
            await flush_chat(context, chat_id)
