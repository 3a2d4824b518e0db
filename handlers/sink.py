"""Telling a chat what became of its turns: one quiet acknowledgement per burst, and one
nudge when there is nowhere to put them. Where turns go and what is counted is decided
in `service.capture`; this module says it and schedules the acknowledgement."""
from __future__ import annotations

import logging
from collections.abc import Sequence

from telegram import Bot
from telegram.constants import ParseMode
from telegram.error import BadRequest, TelegramError

from bot.config import CaptureConfig
from handlers.common import no_project
from handlers.context import BatonApp, ChatData, Context
from handlers.debounce import debounce
from handlers.replies import esc
from service import capture as capture_service
from service import groups
from service.capture import CaptureState, Committed, Nudge, PendingAck, Said, Target
from service.runtime import AfterCommit

log = logging.getLogger(__name__)
SAVED_REACTION = "✍"  # one of the emoji Telegram accepts as a reaction ("writing hand")


async def say(bot: Bot, chat_id: int, thread_id: int | None, text: str,
              quiet: bool = False) -> None:
    await bot.send_message(chat_id, text, message_thread_id=thread_id,
                           parse_mode=ParseMode.HTML, disable_notification=quiet)


def nudge_text(nudge: Nudge) -> str:
    if nudge.project is None:
        return no_project(nudge.thread_id or 0)
    return (f"Nothing saved: <b>{esc(nudge.project)}</b> has no open session. "
            "Start one with /startsession, then send it again.")


async def say_nudges(bot: Bot, nudges: Sequence[Nudge]) -> None:
    for nudge in nudges:
        await say(bot, nudge.chat_id, nudge.thread_id, nudge_text(nudge))


def ack_text(pending: PendingAck) -> str:
    noun = "message" if pending.saved == 1 else "messages"
    ai = f" ({pending.from_ai} from AI)" if pending.from_ai else ""
    return (f"✓ Saved {pending.saved} {noun}{ai} to session {pending.session} "
            f"of <b>{esc(pending.project)}</b>.")


def chat_state(context: Context) -> CaptureState:
    assert context.chat_data is not None, "capture runs for chat updates only"
    return context.chat_data.capture


def forget_target(chat_data: ChatData | None) -> None:
    if chat_data is not None:
        chat_data.capture.forget_target()


async def find_open_session(context: Context, chat_id: int, thread_id: int | None) -> Target | None:
    """The chat's open session, or None after telling the user what to do."""
    found = await capture_service.find_target(context.bot_data.services, chat_state(context),
                                              chat_id, thread_id)
    if isinstance(found, Nudge):
        await say_nudges(context.bot, [found])
        return None
    return found


async def store_said(context: Context, said: Said) -> None:
    """Store one message as a turn; it is acknowledged once committed."""
    await say_nudges(context.bot, await capture_service.capture(
        context.bot_data.services, chat_state(context), said))


async def react(bot: Bot, pending: PendingAck) -> None:
    """A reaction on each stored message; where reactions are not allowed (Telegram
    refuses them), the summary instead, so the burst is still acknowledged."""
    for message_id in pending.message_ids:
        try:
            await bot.set_message_reaction(pending.chat_id, message_id, SAVED_REACTION)
        except BadRequest as exc:
            log.info("no reaction in chat %s (%s): sending a summary", pending.chat_id,
                     exc.message)
            await say(bot, pending.chat_id, pending.thread_id, ack_text(pending), quiet=True)
            return


async def acknowledge(bot: Bot, config: CaptureConfig, state: CaptureState,
                      thread_id: int | None) -> None:
    """Tell the place (the chat, or one of its topics) what its burst stored, the way its
    kind of chat is told."""
    pending = capture_service.take_ack(state, thread_id)
    if pending is None:
        return
    style = groups.ack_style(pending.chat_id, config.group_ack)
    if style == "reaction":
        await react(bot, pending)
    elif style in ("reply", "summary"):
        await say(bot, pending.chat_id, pending.thread_id, ack_text(pending), quiet=True)
        if style == "summary":
            groups.summarized(state)


async def _send_ack(context: Context, where: tuple[int, int | None]) -> None:
    await acknowledge(context.bot, context.bot_data.capture, chat_state(context), where[1])


async def flush_acks(app: BatonApp) -> None:
    """Send every pending acknowledgement now (a graceful stop: the job queue is gone)."""
    for chat_data in list(app.chat_data.values()):
        for thread_id in list(chat_data.capture.acks):
            try:
                await acknowledge(app.bot, app.bot_data.capture, chat_data.capture, thread_id)
            except TelegramError as exc:
                log.warning("could not acknowledge before stopping: %s", exc)


def commit_hook(app: BatonApp) -> AfterCommit:
    """After each batch the writer stored: nudge chats whose session closed meanwhile, and
    (re)start the quiet interval of each acknowledgement that grew."""

    async def told(committed: Committed) -> None:
        await say_nudges(app.bot, committed.nudges)
        if app.bot_data.stopping:  # no job queue any more: told by flush_acks
            return
        config = app.bot_data.capture
        for chat_id, thread_id in committed.acks:
            chat_data = app.chat_data[chat_id]
            delay = groups.ack_delay(chat_data.capture, groups.ack_style(chat_id, config.group_ack),
                                     config.ack_delay_s, config.group_ack_every_s)
            debounce(chat_data, app.job_queue, f"ack:{chat_id}:{thread_id or 0}", delay,
                     chat_id, _send_ack, (chat_id, thread_id))

    return capture_service.after_commit(lambda chat_id: app.chat_data[chat_id].capture, told)
