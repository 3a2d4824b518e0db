"""/digest and the scheduled digest jobs: parse the command, call the use case in
`service.digests`, send what it wrote. Each enabled schedule is one `run_once` job in
PTB's JobQueue for its next run; a run computes the one after it from the wall time and
zone, so daylight-saving changes never shift a digest."""
from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from telegram import Bot, InputFile, Update
from telegram.constants import ParseMode
from telegram.error import BadRequest, Forbidden, TelegramError
from telegram.ext import JobQueue

from bot.config import DigestConfig
from handlers.common import chat_id, command_args, thread_id, user_id
from handlers.context import BatonApp, Context
from handlers.permissions import manager_check
from handlers.replies import esc, reply, split_message
from service import digests
from service.digests import Digest, DigestSettings, DigestUsage, NewSchedule

log = logging.getLogger(__name__)
CAPTION_LIMIT = 1024  # Telegram's longest photo caption; a longer digest goes first as text
RETRY_AFTER = timedelta(minutes=10)  # a digest Telegram could not take (5xx, network) is tried again
JOB_PREFIX = "digest:"
NOT_ALLOWED = "In a group, only its admins and whoever set the digest can change or stop it."
OFF_ANSWERS = {"stopped": "Digest turned off here.", "none": "No digest was scheduled here.",
               "not_allowed": NOT_ALLOWED}


def settings_from(config: DigestConfig) -> DigestSettings:
    return DigestSettings(config.timezone, config.idle_days)


@dataclass(frozen=True, slots=True)
class DigestJob:
    chat_id: int
    thread_id: int
    due: datetime  # the UTC moment this run is for; the digest covers up to it
    settings: DigestSettings


def job_name(chat: int, thread: int) -> str:
    return f"{JOB_PREFIX}{chat}:{thread}"


def schedule_run(queue: JobQueue[Any], settings: DigestSettings, chat: int, thread: int,
                 due: datetime, now: datetime) -> None:
    """(Re)place the place's job with one at `due`; the delay is taken from `now`, so a test's
    clock decides it as well as the real one."""
    name = job_name(chat, thread)
    for job in queue.get_jobs_by_name(name):
        job.schedule_removal()
    delay = max(0.0, (due - now).total_seconds())
    queue.run_once(run_digest, when=delay, name=name,
                   data=DigestJob(chat, thread, due, settings))


def cancel_run(queue: JobQueue[Any], chat: int, thread: int) -> None:
    for job in queue.get_jobs_by_name(job_name(chat, thread)):
        job.schedule_removal()


async def follow_chat(context: Context, old_chat: int, new_chat: int,
                      now: datetime | None = None) -> None:
    """A group became a supergroup (its schedules moved with its projects): its runs are
    re-registered under the new chat id."""
    assert context.job_queue is not None
    now = now or datetime.now(UTC)
    for job in context.job_queue.jobs():
        if (job.name or "").startswith(f"{JOB_PREFIX}{old_chat}:"):
            job.schedule_removal()
    for schedule, due in await digests.chat_plan(context.bot_data.database, new_chat, now):
        schedule_run(context.job_queue, settings_from(context.bot_data.digest), new_chat,
                     schedule.thread_id, due, now)


async def send_digest(bot: Bot, chat: int, thread: int, digest: Digest) -> None:
    """As a photo with the digest as its caption, or the text first when it is too long."""
    topic = thread or None
    if digest.chart is not None and len(digest.text) <= CAPTION_LIMIT:
        await bot.send_photo(chat, InputFile(digest.chart, filename="digest.png"),
                             caption=digest.text, parse_mode=ParseMode.HTML,
                             message_thread_id=topic)
        return
    for part in split_message(digest.text):
        await bot.send_message(chat, part, parse_mode=ParseMode.HTML, message_thread_id=topic)
    if digest.chart is not None:
        await bot.send_photo(chat, InputFile(digest.chart, filename="digest.png"),
                             message_thread_id=topic)


async def run_digest(context: Context) -> None:
    """One scheduled run: send the digest if it is still due, then plan the next run."""
    assert context.job is not None and context.job_queue is not None
    job: DigestJob = context.job.data  # type: ignore[assignment]
    db = context.bot_data.database
    now = job.due  # the run is for its slot: a fixed test clock and the real one agree
    digest = await digests.due_digest(db, job.chat_id, job.thread_id, job.settings, now)
    upcoming: datetime | None
    if digest is None:
        upcoming = await digests.upcoming(db, job.chat_id, job.thread_id, now)
    else:
        try:
            await send_digest(context.bot, job.chat_id, job.thread_id, digest)
        except Forbidden as exc:
            await digests.unreachable(db, job.chat_id, job.thread_id)
            context.bot_data.digest_off.add(job.chat_id)
            log.warning("digest for chat %s (topic %s) turned off: %s", job.chat_id,
                        job.thread_id, exc.message)
            return
        except BadRequest:  # a bug: logged, and this run counts as done (no retry loop)
            log.exception("Telegram refused the digest for chat %s", job.chat_id)
        except TelegramError as exc:  # 5xx, a dropped connection, a flood wait given up on
            log.warning("digest for chat %s not sent (%s); trying again in %s", job.chat_id,
                        exc.message, RETRY_AFTER)
            schedule_run(context.job_queue, job.settings, job.chat_id, job.thread_id,
                         now + RETRY_AFTER, now)
            return
        upcoming = await digests.sent(db, job.chat_id, job.thread_id, now)
    if upcoming is not None:
        schedule_run(context.job_queue, job.settings, job.chat_id, job.thread_id, upcoming, now)


async def start_digests(app: BatonApp, settings: DigestSettings,
                        now: datetime | None = None) -> int:
    """Register every enabled schedule at start-up; a digest missed meanwhile runs now."""
    assert app.job_queue is not None
    now = now or datetime.now(UTC)
    app.bot_data.digest_off = await digests.untold(app.bot_data.database)
    plan = await digests.start_up(app.bot_data.database, now)
    for schedule, due in plan:
        schedule_run(app.job_queue, settings, schedule.chat_id, schedule.thread_id, due, now)
    return len(plan)


def make_command(settings: DigestSettings,
                 clock: Callable[[], datetime] | None = None
                 ) -> Callable[[Update, Context], Awaitable[None]]:
    """/digest [daily HH:MM [zone] | weekly DAY HH:MM [zone] | off | now]."""
    now_of = clock or (lambda: datetime.now(UTC))

    async def digest(update: Update, context: Context) -> None:
        chat, thread, now = chat_id(update), thread_id(update), now_of()
        db = context.bot_data.database
        try:
            request = digests.parse_request(command_args(update), settings.default_zone)
        except DigestUsage as problem:
            await reply(update, esc(str(problem)))
            return
        assert context.job_queue is not None
        if request == "show":
            await reply(update, await digests.show(db, chat, thread, now))
        elif request == "off":
            stopped = await digests.stop(db, chat, thread, manager_check(update, context))
            if stopped == "stopped":
                cancel_run(context.job_queue, chat, thread)
            await reply(update, OFF_ANSWERS[stopped])
        elif request == "now":
            made = await digests.build_digest(db, chat, thread, settings, now)
            await send_digest(context.bot, chat, thread, made)
        else:
            await _set(update, context, request, now)

    async def _set(update: Update, context: Context, wanted: NewSchedule, now: datetime) -> None:
        assert context.job_queue is not None
        chat, thread = chat_id(update), thread_id(update)
        schedule = await digests.set_schedule(context.bot_data.database, chat, thread, wanted,
                                              user_id(update), now, manager_check(update, context))
        if schedule is None:
            await reply(update, NOT_ALLOWED)
            return
        schedule_run(context.job_queue, settings, chat, thread, digests.next_run(schedule, now),
                     now)
        await reply(update, digests.describe(schedule, now))

    return digest


async def tell_turned_off(update: Update, context: Context) -> None:
    """Once, when a chat whose digest a failed send turned off writes again, say so."""
    chat = update.effective_chat
    runtime = context.bot_data.runtime
    if chat is None or runtime is None or chat.id not in context.bot_data.digest_off:
        return  # the common case, asked of every message: no query
    context.bot_data.digest_off.discard(chat.id)
    for thread, sentence in await digests.notices(runtime.db, chat.id):
        await context.bot.send_message(chat.id, esc(sentence), parse_mode=ParseMode.HTML,
                                       message_thread_id=thread or None)
