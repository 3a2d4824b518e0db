"""Scheduled digests as use cases: reading /digest's arguments, setting a place's schedule,
when it runs next (from its wall time and zone, per run, so daylight saving moves
nothing), whether a digest was missed, and what a digest says.

Every function that needs the time takes `now` (UTC): tests run on a fixed clock."""
from __future__ import annotations

import asyncio
import html
import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from handoff.document import NEXT, OPEN, parse_markdown
from service.chat_projects import MayManage
from service.digest_chart import activity_chart, chart_data
from storage import digest_schedules as store
from storage import projects as project_store
from storage.db import Database
from storage.digest_schedules import Cadence, Period, ProjectActivity
from storage.digest_schedules import Schedule as Schedule  # what the handlers are given
from storage.handoffs import latest_final
from storage.models import Project

CADENCE_DAYS: dict[Cadence, int] = {"daily": 1, "weekly": 7}
UNSCHEDULED_DAYS = 7  # what /digest now covers in a place without a schedule
MAX_ITEMS = 3  # open problems and next steps shown per project
MAX_ITEM_CHARS = 140
WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
DAY_NAMES = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
_TIME = re.compile(r"([0-9]{1,2}):([0-9]{2})")
_ITEM = re.compile(r"^\s*(?:[-*•]|[0-9]+[.)])\s+(.*)$")

USAGE = ("Use /digest daily HH:MM [Area/City], /digest weekly DAY HH:MM [Area/City] "
         "(DAY: mon … sun), /digest off, /digest now, or /digest alone to see the schedule.")


async def anyone(set_by: int | None) -> bool:
    """The `MayManage` of a private chat (and of the tests): everyone may."""
    return True


class DigestUsage(ValueError):
    """Arguments /digest cannot use; the message is one sentence for the user (plain text)."""


@dataclass(frozen=True, slots=True)
class NewSchedule:
    cadence: Cadence
    weekday: int | None
    local_time: str
    zone: str


Request = Literal["show", "off", "now"] | NewSchedule


@dataclass(frozen=True, slots=True)
class DigestSettings:
    default_zone: str = "UTC"
    idle_days: int = 7


@dataclass(frozen=True, slots=True)
class Digest:
    text: str  # HTML
    chart: bytes | None  # PNG, when there was activity to draw


# --- reading the command ---------------------------------------------------------------

def find_zone(name: str) -> str | None:
    """The IANA zone called `name` (any case), or None."""
    if "/" not in name and name.upper() != "UTC":
        return None
    try:
        ZoneInfo(name)
        return name
    except (ZoneInfoNotFoundError, ValueError):
        pass
    wanted = name.casefold()
    return next((z for z in available_timezones() if z.casefold() == wanted), None)


def parse_time(text: str) -> str:
    match = _TIME.fullmatch(text)
    if match is None:
        raise DigestUsage(f"'{text}' is not a time: use HH:MM on a 24-hour clock, like 09:00.")
    hour, minute = int(match.group(1)), int(match.group(2))
    if hour > 23 or minute > 59:
        raise DigestUsage(f"{text} is not a time of day: use HH:MM from 00:00 to 23:59.")
    return f"{hour:02d}:{minute:02d}"


def parse_weekday(text: str) -> int:
    key = text.casefold()
    for names in (WEEKDAYS, DAY_NAMES):
        if key in names:
            return names.index(key)
    raise DigestUsage(f"'{text}' is not a day: use mon, tue, wed, thu, fri, sat or sun "
                      "(full names like friday work too).")


def parse_request(args: str, default_zone: str) -> Request:
    """What /digest's arguments ask for; DigestUsage says what is wrong with them."""
    words = args.split()
    if not words:
        return "show"
    head, rest = words[0].casefold(), words[1:]
    if head in ("off", "now") and not rest:
        return "off" if head == "off" else "now"
    if head == "daily" and 1 <= len(rest) <= 2:
        weekday, clock, zone_words = None, rest[0], rest[1:]
    elif head == "weekly" and 2 <= len(rest) <= 3:
        weekday, clock, zone_words = parse_weekday(rest[0]), rest[1], rest[2:]
    else:
        raise DigestUsage(USAGE)
    local_time = parse_time(clock)
    zone = find_zone(zone_words[0]) if zone_words else default_zone
    if zone is None:
        raise DigestUsage(f"Unknown time zone '{zone_words[0]}': use an Area/City name "
                          "such as Europe/Berlin or America/New_York.")
    return NewSchedule("daily" if weekday is None else "weekly", weekday, local_time, zone)


async def _may_change(db: Database, chat_id: int, thread_id: int, may_manage: MayManage) -> bool:
    """Anyone may set a digest where none is on; changing or stopping one is for whoever
    `may_manage` lets manage it, asked with who set it (in groups: its admins and them)."""
    current = await store.get_schedule(db, chat_id, thread_id)
    return current is None or not current.enabled or await may_manage(current.set_by)


async def set_schedule(db: Database, chat_id: int, thread_id: int, wanted: NewSchedule,
                       set_by: int | None, now: datetime,
                       may_manage: MayManage = anyone) -> Schedule | None:
    """The place's new schedule; None when `may_manage` does not allow replacing its own."""
    if not await _may_change(db, chat_id, thread_id, may_manage):
        return None
    return await store.save_schedule(db, chat_id, thread_id, wanted.cadence, wanted.weekday,
                                     wanted.local_time, wanted.zone, set_by, now)


# --- when -------------------------------------------------------------------------------

def _runs_on(schedule: Schedule, day: date) -> bool:
    return schedule.weekday is None or day.weekday() == schedule.weekday


def _slot(schedule: Schedule, day: date) -> datetime:
    """The UTC moment of the schedule's wall time on `day` in its zone. A wall time that
    does not exist that day (the hour skipped in spring) runs as if the clock had not
    changed (02:30 becomes 03:30); one that occurs twice runs the first time."""
    hour, minute = map(int, schedule.local_time.split(":"))
    local = datetime.combine(day, time(hour, minute), tzinfo=ZoneInfo(schedule.zone))
    return local.astimezone(UTC)


def next_run(schedule: Schedule, after: datetime) -> datetime:
    """The first run strictly after `after` (UTC)."""
    start = after.astimezone(ZoneInfo(schedule.zone)).date() - timedelta(days=1)
    for offset in range(9):
        day = start + timedelta(days=offset)
        if _runs_on(schedule, day) and (slot := _slot(schedule, day)) > after:
            return slot
    raise AssertionError("a weekly schedule runs within 8 days")


def previous_run(schedule: Schedule, now: datetime) -> datetime:
    """The latest run at or before `now` (UTC)."""
    start = now.astimezone(ZoneInfo(schedule.zone)).date() + timedelta(days=1)
    for offset in range(9):
        day = start - timedelta(days=offset)
        if _runs_on(schedule, day) and (slot := _slot(schedule, day)) <= now:
            return slot
    raise AssertionError("a weekly schedule ran within 8 days")


def is_due(schedule: Schedule, now: datetime) -> bool:
    """A run has passed since the last digest was sent (or since the schedule was set):
    however many runs the bot slept through, that is one digest."""
    reference = datetime.fromisoformat(schedule.last_sent_at or schedule.created_at)
    return schedule.enabled and previous_run(schedule, now) > reference


def describe(schedule: Schedule | None, now: datetime) -> str:
    """/digest alone: the place's schedule, in HTML."""
    if schedule is None:
        return f"No digest is scheduled here. {html.escape(USAGE, quote=False)}"
    zone = ZoneInfo(schedule.zone)
    when = (f"daily at {schedule.local_time}" if schedule.weekday is None
            else f"weekly on {DAY_NAMES[schedule.weekday].title()} at {schedule.local_time}")
    text = f"Digest: {when} ({schedule.zone})"
    if not schedule.enabled:
        return (f"{text}, turned off. Turn it on again with /digest "
                f"{schedule.cadence}{_day_word(schedule)} {schedule.local_time}.")
    upcoming = next_run(schedule, now).astimezone(zone)
    text += f"; next on {upcoming:%a %d %b %H:%M}"
    if schedule.last_sent_at:
        last = datetime.fromisoformat(schedule.last_sent_at).astimezone(zone)
        text += f", last sent {last:%a %d %b %H:%M}"
    return text + ". /digest now sends one now; /digest off stops it."


def _day_word(schedule: Schedule) -> str:
    return "" if schedule.weekday is None else f" {WEEKDAYS[schedule.weekday]}"


def off_notice(schedule: Schedule | None) -> str:
    """What a chat is told when it writes again after a failed send turned its digest off."""
    again = ("/digest daily 09:00" if schedule is None
             else f"/digest {schedule.cadence}{_day_word(schedule)} {schedule.local_time}")
    return (f"The scheduled digest here was turned off because I could not send it; "
            f"turn it on again with {again}.")


# --- what a digest says -----------------------------------------------------------------

def period_for(schedule: Schedule | None, now: datetime) -> Period:
    """Since the last digest sent here, else one cadence (a week without a schedule)."""
    if schedule is not None and schedule.last_sent_at:
        return Period(datetime.fromisoformat(schedule.last_sent_at), now)
    days = CADENCE_DAYS[schedule.cadence] if schedule is not None else UNSCHEDULED_DAYS
    return Period(now - timedelta(days=days), now)


def since_label(since: datetime, now: datetime, zone: ZoneInfo) -> str:
    """'since 09:00', 'since yesterday', 'since Monday' or 'since 24 Nov', on the zone's clock."""
    start, today = since.astimezone(zone), now.astimezone(zone).date()
    days = (today - start.date()).days
    if days <= 0:
        return f"since {start:%H:%M}"
    if days == 1:
        return "since yesterday"
    if days < 7:
        return f"since {start:%A}"
    return f"since {start.day} {start:%b}"


def handoff_items(markdown: str, section: str) -> list[str]:
    """The first MAX_ITEMS list items of a handoff section, shortened."""
    items: list[str] = []
    for line in parse_markdown(markdown).get(section).splitlines():
        match = _ITEM.match(line)
        if match is None or not match.group(1).strip():
            continue
        item = match.group(1).strip()
        items.append(item if len(item) <= MAX_ITEM_CHARS else f"{item[:MAX_ITEM_CHARS - 1]}…")
        if len(items) == MAX_ITEMS:
            break
    return items


def _counts(counts: dict[str, int]) -> str:
    ranked = sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))
    return ", ".join(f"{html.escape(name or 'someone', quote=False)} {n:,}" for name, n in ranked)


def by_author(activity: ProjectActivity) -> dict[str, int]:
    totals: dict[str, int] = {}
    for (author, _hour), n in activity.by_author_hour.items():
        totals[author] = totals.get(author, 0) + n
    return totals


async def _project_lines(db: Database, project: Project, activity: ProjectActivity) -> list[str]:
    esc = html.escape
    lines = [f"<b>{esc(project.name, quote=False)}</b>",
             f"Sessions: {activity.sessions_opened} opened, {activity.sessions_completed} completed"]
    if activity.turns:
        lines.append(f"Turns: {activity.turns:,}: {_counts(by_author(activity))}; "
                     f"by source {_counts(activity.by_source)}")
    if activity.model_calls:
        lines.append(f"Model: {activity.model_calls:,} calls, {activity.tokens_in:,} tokens in, "
                     f"{activity.tokens_out:,} out")
    handoff = await latest_final(db, project.id)
    if handoff is not None:
        for label, section in (("Open problems", OPEN), ("Next steps", NEXT)):
            items = handoff_items(handoff.markdown, section)
            if items:
                lines.append(f"{label} (handoff {handoff.session_number}): "
                             + "; ".join(esc(i, quote=False) for i in items))
    return lines


async def place_projects(db: Database, chat_id: int, thread_id: int) -> list[Project]:
    """A topic's digest is about its active project; a chat's, about all its projects."""
    if thread_id:
        project = await project_store.active_project(db, chat_id, thread_id)
        return [] if project is None else [project]
    return await store.chat_projects(db, chat_id)


async def build_digest(db: Database, chat_id: int, thread_id: int, settings: DigestSettings,
                       now: datetime) -> Digest:
    """The digest of the place for the period since its last one."""
    schedule = await store.get_schedule(db, chat_id, thread_id)
    zone = ZoneInfo(schedule.zone if schedule is not None else settings.default_zone)
    period = period_for(schedule, now)
    since = since_label(period.since, now, zone)
    projects = await place_projects(db, chat_id, thread_id)
    lines: list[str] = []
    active: list[ProjectActivity] = []
    idle: list[str] = []
    for project in projects:
        activity = await store.project_activity(db, project.id, period)
        if activity.anything:
            active.append(activity)
            lines.extend(["", *await _project_lines(db, project, activity)])
        last = datetime.fromisoformat(await store.last_activity(db, project.id))
        if (now - last).days >= settings.idle_days:
            idle.append(f"{html.escape(project.name, quote=False)} ({(now - last).days} days)")
    idle_text = f"idle for more than {settings.idle_days} days: {', '.join(idle)}" if idle else ""
    if not active:
        names = ", ".join(html.escape(p.name, quote=False) for p in projects) or "this chat"
        text = f"Nothing new in {names} {since}."
        return Digest(text[:-1] + f"; {idle_text}." if idle_text else text, None)
    head = f"📰 <b>Digest</b> {since} ({html.escape(zone.key, quote=False)})"
    if idle_text:
        lines.extend(["", f"💤 {idle_text[0].upper()}{idle_text[1:]}"])
    days, per_member = chart_data(active, period, zone)
    chart = (await asyncio.to_thread(activity_chart, days, per_member, f"Turns per day {since}")
             if per_member else None)  # drawing takes a moment: not on the event loop
    return Digest("\n".join([head, *lines]), chart)


# --- the schedule's life ----------------------------------------------------------------

async def show(db: Database, chat_id: int, thread_id: int, now: datetime) -> str:
    return describe(await store.get_schedule(db, chat_id, thread_id), now)


async def stop(db: Database, chat_id: int, thread_id: int,
               may_manage: MayManage = anyone) -> Literal["stopped", "none", "not_allowed"]:
    """/digest off."""
    if not await _may_change(db, chat_id, thread_id, may_manage):
        return "not_allowed"
    return "stopped" if await store.turn_off(db, chat_id, thread_id) else "none"


async def untold(db: Database) -> set[int]:
    """The chats to tell that a failed send turned their digest off, when they write."""
    return await store.chats_with_notices(db)


async def start_up(db: Database, now: datetime) -> list[tuple[Schedule, datetime]]:
    """Every enabled schedule with when it runs: now when a run was missed while the bot
    was down (once, however many), else its next run."""
    return [(s, now if is_due(s, now) else next_run(s, now))
            for s in await store.enabled_schedules(db)]


async def chat_plan(db: Database, chat_id: int, now: datetime) -> list[tuple[Schedule, datetime]]:
    """One chat's enabled schedules with when each runs next (a chat that just moved)."""
    return [(s, due) for s, due in await start_up(db, now) if s.chat_id == chat_id]


async def due_digest(db: Database, chat_id: int, thread_id: int, settings: DigestSettings,
                     now: datetime) -> Digest | None:
    """The digest a scheduled run sends, or None when there is nothing to send (turned off
    or changed meanwhile, or already sent for this run)."""
    schedule = await store.get_schedule(db, chat_id, thread_id)
    if schedule is None or not is_due(schedule, now):
        return None
    return await build_digest(db, chat_id, thread_id, settings, now)


async def sent(db: Database, chat_id: int, thread_id: int, now: datetime) -> datetime | None:
    """Record a delivered digest; the schedule's next run, None when it is off."""
    await store.mark_sent(db, chat_id, thread_id, now)
    return await upcoming(db, chat_id, thread_id, now)


async def upcoming(db: Database, chat_id: int, thread_id: int, now: datetime) -> datetime | None:
    schedule = await store.get_schedule(db, chat_id, thread_id)
    return next_run(schedule, now) if schedule is not None and schedule.enabled else None


async def unreachable(db: Database, chat_id: int, thread_id: int) -> None:
    """The digest could not be delivered (bot removed or blocked): off until set again,
    and the chat is told when it writes again."""
    await store.turn_off(db, chat_id, thread_id, notice=True)


async def notices(db: Database, chat_id: int) -> list[tuple[int, str]]:
    """(thread, sentence) for each digest of the chat a failed send turned off, said once."""
    if not await store.pending_notices(db, chat_id):
        return []
    told = []
    for thread_id in await store.take_notice(db, chat_id):
        told.append((thread_id, off_notice(await store.get_schedule(db, chat_id, thread_id))))
    return told
