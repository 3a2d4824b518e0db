"""Files sent during a session: transcripts and exports imported as turns, all or nothing."""
from __future__ import annotations

import json
import logging

from telegram import Document, InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.constants import ChatAction, ParseMode
from telegram.error import BadRequest, TelegramError
from telegram.ext import ApplicationHandlerStop, CallbackContext

from bot.config import BOT_API_DOWNLOAD_LIMIT
from handlers.chat_events import EXPIRED
from handlers.common import parse_number, topic_of
from handlers.context import BatonApp, Context, OfferedFile
from handlers.paste import store_pending
from handlers.replies import esc, reply
from handlers.sink import chat_state, find_open_session
from service import imports as import_service
from service.imports import Imported, ImportResult, NotImported, Offer, Refused
from transcripts._util import human_size
from transcripts.model import Choice, Transcript

log = logging.getLogger(__name__)
PICK_PREFIX = "imp:"
MAX_BUTTONS = 5
MAX_PENDING = 20  # files waiting for a pick, per chat: keeps chat_data bounded
CLOSED = ("The session closed while I was reading that file, so nothing was added; "
          "send it again once a session is open.")
DOWNLOAD_FAILED = "I couldn't download that file from Telegram; please send it again."
# Telegram's getFile answer for a file a bot may not download (over 20 MB).
TOO_BIG_FOR_BOTS = "file is too big"


class _TooBig(Exception):
    """The file is over the import limit; `size` is None when only Telegram knows it."""

    def __init__(self, size: int | None) -> None:
        super().__init__(size)
        self.size = size


def too_big(size: int | None, limit: int) -> str:
    """The one sentence for a file over the limit, its size stated or not."""
    said = human_size(size) if size is not None else f"over {human_size(BOT_API_DOWNLOAD_LIMIT)}"
    return f"That file is {said}; I can import at most {human_size(limit)}."


def import_limit(context: Context) -> int:
    return min(BOT_API_DOWNLOAD_LIMIT, context.bot_data.import_limits.max_bytes)


def summary(added: int, transcript: Transcript) -> str:
    counts = ", ".join(f"{n} {role}" for role, n in transcript.counts().items())
    title = f" from '{esc(transcript.title)}'" if transcript.title else ""
    noun = "turn" if added == 1 else "turns"
    return f"Imported {added} {noun} ({esc(counts)}){title}."


async def _download(context: Context, file_id: str) -> bytes:
    """The file's bytes, or _TooBig past the import limit. A document whose size Telegram
    did not state is judged by getFile's size, then by what actually arrives (PTB hands
    the body over whole; Telegram serves bots at most 20 MB and refuses more at getFile)."""
    limit = import_limit(context)
    try:
        file = await context.bot.get_file(file_id)
    except BadRequest as error:
        if TOO_BIG_FOR_BOTS in error.message.lower():
            raise _TooBig(None) from None
        raise
    if file.file_size is not None and file.file_size > limit:
        raise _TooBig(file.file_size)
    data = bytes(await file.download_as_bytearray())
    if len(data) > limit:
        raise _TooBig(len(data))
    return data


async def _answer(update: Update, context: Context, message_id: int, document: Document | None,
                  result: ImportResult) -> None:
    """Say what became of the file (or offer its conversations)."""
    match result:
        case Imported(added, transcript):
            await reply(update, summary(added, transcript))
        case NotImported("already"):
            await reply(update, "That conversation is already in this session: nothing imported twice.")
        case NotImported("closed"):
            await reply(update, CLOSED)
        case Refused(problem):
            await reply(update, esc(problem))
        case Offer(choice, problem):
            assert document is not None  # only a file just sent is offered
            await _offer(update, context, message_id, document, choice, problem)


def _choice_markup(message_id: int, choice: Choice) -> InlineKeyboardMarkup:
    rows = []
    for info in choice.conversations[:MAX_BUTTONS]:
        label = f"{info.title or 'Untitled'} ({info.message_count})"
        rows.append([InlineKeyboardButton(label[:60],
                                          callback_data=f"{PICK_PREFIX}{message_id}:{info.index}")])
    return InlineKeyboardMarkup(rows)


async def hold_document(update: Update, context: Context) -> None:
    """Runs (blocking) before `import_document`, which does not block: the file's update is
    in SQLite before the polling loop confirms it, until the import has ended either way."""
    message = update.effective_message
    assert message is not None
    if not await import_service.hold(context.bot_data.services, update.update_id,
                                     message.chat_id, update.to_json()):
        raise ApplicationHandlerStop  # sent again while held: `resume_held` imports it


async def resume_held(app: BatonApp) -> int:
    """At start: schedule the import of the files a previous run was killed while reading
    (read now, so a file arriving meanwhile is not imported twice); returns how many."""
    left = await import_service.held(app.bot_data.services)
    if left and app.job_queue is not None:  # the job runs once the Application has started
        app.job_queue.run_once(_resume, 0, data=left, name="resume:held")
    return len(left)


async def _resume(context: Context) -> None:
    app: BatonApp = context.application  # type: ignore[assignment]
    assert context.job is not None
    left: list[tuple[int, str]] = context.job.data  # type: ignore[assignment]
    for update_id, payload in left:
        try:
            update = Update.de_json(json.loads(payload), app.bot)
            await import_document(update, CallbackContext.from_update(update, app))
        except Exception:  # noqa: BLE001 - one bad file must not keep the others waiting
            log.exception("resuming the import of update %d failed", update_id)
            await import_service.release(app.bot_data.services, update_id)


async def import_document(update: Update, context: Context) -> None:
    """Import the file, then let go of its held update, whatever the outcome; only a
    cancelled import (the process going down) stays held for the next start."""
    try:
        await _import_document(update, context)
    except Exception:
        await import_service.release(context.bot_data.services, update.update_id)
        raise
    await import_service.release(context.bot_data.services, update.update_id)


async def _import_document(update: Update, context: Context) -> None:
    message = update.effective_message
    assert message is not None and message.document is not None and context.chat_data is not None
    await store_pending(context, message.chat_id)  # what came before the file is stored first
    topic = topic_of(message)  # the file goes into the session of its topic
    target = await find_open_session(context, message.chat_id, topic)
    if target is None:
        return
    document: Document = message.document
    name = document.file_name or "file"
    limit = import_limit(context)
    if document.file_size and document.file_size > limit:
        await reply(update, too_big(document.file_size, limit))
        return
    await message.chat.send_action(ChatAction.TYPING, message_thread_id=topic or None)
    try:
        data = await _download(context, document.file_id)
    except _TooBig as exc:
        await reply(update, too_big(exc.size, limit))
        return
    except TelegramError as exc:  # expected now and then: one line, no traceback
        log.warning("download of %s failed: %s", name, exc)
        await reply(update, DOWNLOAD_FAILED)
        return
    result = await import_service.import_file(
        context.bot_data.services, chat_state(context), target, name, data,
        (message.caption or "").strip() or None, context.bot_data.import_limits,
        message.chat_id, message.message_id)
    await _answer(update, context, message.message_id, document, result)


async def _offer(update: Update, context: Context, message_id: int, document: Document,
                 choice: Choice, problem: str | None) -> None:
    assert context.chat_data is not None
    pending = context.chat_data.offered_files
    offered = tuple(info.index for info in choice.conversations[:MAX_BUTTONS])
    pending[message_id] = OfferedFile(document.file_id, document.file_name or "file", offered)
    while len(pending) > MAX_PENDING:
        pending.pop(next(iter(pending)))
    shown = len(offered)
    text = (f"{esc(problem)} " if problem else "") + (
        f"That file holds {len(choice.conversations)} conversations; here are the {shown} most "
        "recent. Tap one to import it, or send the file again with a conversation's title as "
        "the caption.")
    message = update.effective_message
    assert message is not None
    await message.reply_text(text, parse_mode=ParseMode.HTML,
                             reply_markup=_choice_markup(message_id, choice), do_quote=False)


def parse_pick(data: str) -> tuple[int, int] | None:
    """(document message id, conversation index) from `imp:<message>:<index>`, or None
    for anything else (forged, truncated, not ASCII digits, out of SQLite's range)."""
    raw_message, sep, raw_index = data.removeprefix(PICK_PREFIX).partition(":")
    message_id = parse_number(raw_message)
    index = parse_number(raw_index, lowest=0)
    if not sep or message_id is None or index is None:
        return None
    return message_id, index


async def pick_conversation(update: Update, context: Context) -> None:
    """A tap on one of the offered conversations: import it from the file it came with."""
    query = update.callback_query
    assert query is not None and context.chat_data is not None
    pick = parse_pick(query.data or "")
    entry = context.chat_data.offered_files.get(pick[0]) if pick is not None else None
    if pick is None or entry is None or pick[1] not in entry.offered:
        await query.answer(EXPIRED)  # stale (restart, another file since) or forged
        return
    await query.answer()
    message_id, index = pick
    chat = update.effective_chat
    assert chat is not None  # chat_data exists, so the button's message has a chat
    target = await find_open_session(context, chat.id, topic_of(query.message))
    if target is None:
        return
    try:
        data = await _download(context, entry.file_id)
    except _TooBig as exc:
        await reply(update, too_big(exc.size, import_limit(context)))
        return
    except TelegramError as exc:
        log.warning("download of %s failed: %s", entry.name, exc)
        await reply(update, DOWNLOAD_FAILED)
        return
    result = await import_service.import_pick(
        context.bot_data.services, chat_state(context), target, entry.name, data, index,
        context.bot_data.import_limits, chat.id, message_id)
    await _answer(update, context, message_id, None, result)
