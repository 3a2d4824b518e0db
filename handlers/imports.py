"""Files sent during a session: transcripts and exports imported as turns, all or nothing."""
from __future__ import annotations

import asyncio
import hashlib
import logging

from telegram import Document, InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.constants import ChatAction, ParseMode
from telegram.error import TelegramError

from handlers.context import Context
from handlers.paste import store_pending
from handlers.replies import esc, reply
from handlers.sink import open_session
from storage.imports import import_turns
from storage.models import NewTurn
from transcripts._util import human_size
from transcripts.detect import parse_file
from transcripts.model import Choice, Transcript, TranscriptError, conversation_times

log = logging.getLogger(__name__)
BOT_API_DOWNLOAD_LIMIT = 20 * 1024 * 1024
PICK_PREFIX = "imp:"
PENDING_KEY = "pending_imports"
MAX_BUTTONS = 5


def summary(added: int, transcript: Transcript) -> str:
    counts = ", ".join(f"{n} {role}" for role, n in transcript.counts().items())
    title = f" from '{esc(transcript.title)}'" if transcript.title else ""
    noun = "turn" if added == 1 else "turns"
    return f"Imported {added} {noun} ({esc(counts)}){title}."


async def _download(context: Context, file_id: str) -> bytes:
    file = await context.bot.get_file(file_id)
    return bytes(await file.download_as_bytearray())


async def _parse(context: Context, name: str, data: bytes,
                 choose: str | None) -> Transcript | Choice:
    """Parsing a big export is CPU work: keep it off the event loop."""
    return await asyncio.to_thread(parse_file, name, data, choose=choose,
                                   limits=context.bot_data.import_limits)


async def _store(update: Update, context: Context, data: bytes, transcript: Transcript,
                 message_id: int) -> None:
    chat = update.effective_chat
    assert chat is not None
    target = await open_session(context, chat.id, None)
    if target is None:
        return
    project, session = target
    # The file plus which conversation in it: the same pick twice imports nothing new.
    picked = f"{transcript.title}\0{len(transcript.turns)}".encode()
    digest = hashlib.sha256(data + b"\0" + picked).hexdigest()
    turns = [NewTurn(role=t.role, author=t.author, source="file", text=t.text,
                     tg_chat_id=chat.id, tg_message_id=message_id, part=i)
             for i, t in enumerate(transcript.turns)]
    # Each turn keeps the conversation's own time, so the session reads in that order.
    added = await import_turns(context.bot_data.database, session.id, digest,
                               transcript.title, turns, conversation_times(transcript.turns))
    if added is None:
        await reply(update, "That conversation is already in this session: nothing imported twice.")
        return
    await reply(update, summary(added, transcript))


def _choice_markup(message_id: int, choice: Choice) -> InlineKeyboardMarkup:
    rows = []
    for info in choice.conversations[:MAX_BUTTONS]:
        label = f"{info.title or 'Untitled'} ({info.message_count})"
        rows.append([InlineKeyboardButton(label[:60],
                                          callback_data=f"{PICK_PREFIX}{message_id}:{info.index}")])
    return InlineKeyboardMarkup(rows)


async def import_document(update: Update, context: Context) -> None:
    message = update.effective_message
    assert message is not None and message.document is not None and context.chat_data is not None
    await store_pending(context, message.chat_id)  # what came before the file is stored first
    if await open_session(context, message.chat_id, message.message_thread_id) is None:
        return
    document: Document = message.document
    name = document.file_name or "file"
    limit = min(BOT_API_DOWNLOAD_LIMIT, context.bot_data.import_limits.max_bytes)
    if document.file_size and document.file_size > limit:
        await reply(update, f"That file is {human_size(document.file_size)}; "
                            f"I can import at most {human_size(limit)}.")
        return
    await message.chat.send_action(ChatAction.TYPING)
    try:
        data = await _download(context, document.file_id)
        caption = (message.caption or "").strip() or None
        result = await _parse(context, name, data, None)
        if isinstance(result, Choice) and caption:
            choice = result
            try:
                result = await _parse(context, name, data, caption)
            except TranscriptError as exc:
                await _offer(update, context, message.message_id, document, choice, str(exc))
                return
    except TranscriptError as exc:
        await reply(update, esc(str(exc)))
        return
    except TelegramError:
        log.warning("download of %s failed", name, exc_info=True)
        await reply(update, "I couldn't download that file from Telegram; please send it again.")
        return
    if isinstance(result, Choice):
        await _offer(update, context, message.message_id, document, result, None)
        return
    await _store(update, context, data, result, message.message_id)


async def _offer(update: Update, context: Context, message_id: int, document: Document,
                 choice: Choice, problem: str | None) -> None:
    assert context.chat_data is not None
    pending = context.chat_data.setdefault(PENDING_KEY, {})
    pending[message_id] = (document.file_id, document.file_name or "file")
    while len(pending) > 20:  # keep chat_data bounded
        pending.pop(next(iter(pending)))
    shown = min(MAX_BUTTONS, len(choice.conversations))
    text = (f"{esc(problem)} " if problem else "") + (
        f"That file holds {len(choice.conversations)} conversations; here are the {shown} most "
        "recent. Tap one to import it, or send the file again with a conversation's title as "
        "the caption.")
    message = update.effective_message
    assert message is not None
    await message.reply_text(text, parse_mode=ParseMode.HTML,
                             reply_markup=_choice_markup(message_id, choice), do_quote=False)


async def pick_conversation(update: Update, context: Context) -> None:
    query = update.callback_query
    assert query is not None and query.data is not None and context.chat_data is not None
    raw_message, _, raw_index = query.data.removeprefix(PICK_PREFIX).partition(":")
    pending = context.chat_data.get(PENDING_KEY, {})
    entry = pending.get(int(raw_message)) if raw_message.isdigit() else None
    if entry is None or not raw_index.isdigit():
        await query.answer("That choice has expired: send the file again.", show_alert=True)
        return
    await query.answer()
    file_id, name = entry
    try:
        data = await _download(context, file_id)
        result = await _parse(context, name, data, f"#{raw_index}")
    except TranscriptError as exc:
        await reply(update, esc(str(exc)))
        return
    except TelegramError:
        await reply(update, "I couldn't download that file from Telegram; please send it again.")
        return
    assert isinstance(result, Transcript)
    await _store(update, context, data, result, int(raw_message))
