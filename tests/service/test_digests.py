"""service.digests without Telegram, on a fixed clock: reading /digest, when a schedule
runs (across daylight-saving changes), the catch-up rule, and what a digest says."""
from __future__ import annotations

import sqlite3
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from service import digests
from service.digest_chart import activity_chart, chart_data
from service.digests import DigestSettings, DigestUsage, NewSchedule
from storage import generations
from storage import projects as project_store
from storage import sessions as session_store
from storage.db import Database
from storage.digest_schedules import Period, ProjectActivity, Schedule, get_schedule, mark_sent
from storage.handoffs import save_handoff
from tests.service.stores import CHAT, USER, add_turns, opened, refuse

BERLIN = "Europe/Berlin"


def schedule(cadence: str = "daily", weekday: int | None = None, local_time: str = "09:00",
             zone: str = BERLIN, created_at: str = "2026-01-01T00:00:00+00:00",
             last_sent_at: str | None = None) -> Schedule:
    return Schedule(CHAT, 0, cadence, weekday, local_time, zone, True, False, USER,  # type: ignore[arg-type]
                    created_at, last_sent_at)


def utc(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


@pytest.mark.parametrize(("args", "expected"), [
    ("", "show"),
    ("off", "off"),
    ("NOW", "now"),
    ("daily 9:05", NewSchedule("daily", None, "09:05", "UTC")),
    ("daily 09:00 Europe/Berlin", NewSchedule("daily", None, "09:00", BERLIN)),
    ("daily 09:00 europe/berlin", NewSchedule("daily", None, "09:00", BERLIN)),
    ("weekly fri 17:30", NewSchedule("weekly", 4, "17:30", "UTC")),
    ("weekly Friday 17:30 America/New_York", NewSchedule("weekly", 4, "17:30", "America/New_York")),
    ("weekly sun 00:00", NewSchedule("weekly", 6, "00:00", "UTC")),
])
def test_reading_the_command(args: str, expected: object) -> None:
    assert digests.parse_request(args, "UTC") == expected


@pytest.mark.parametrize(("args", "says"), [
    ("daily 25:00", "25:00 is not a time of day"),
    ("daily 09:60", "09:60 is not a time of day"),
    ("daily 9am", "'9am' is not a time"),
    ("daily ９:00", "is not a time"),  # full-width digits are not ASCII
    ("weekly fr 17:00", "'fr' is not a day"),
    ("daily 09:00 Mars/Base", "Unknown time zone 'Mars/Base'"),
    ("daily 09:00 CET+1", "Unknown time zone"),
    ("daily 09:00 ../../etc/passwd", "Unknown time zone"),
    ("hourly", "Use /digest daily"),
    ("daily", "Use /digest daily"),
    ("weekly 17:00", "Use /digest daily"),
    ("off now", "Use /digest daily"),
])
def test_bad_arguments_get_one_sentence(args: str, says: str) -> None:
    with pytest.raises(DigestUsage) as problem:
        digests.parse_request(args, "UTC")
    message = str(problem.value)
    assert says in message
    assert message.endswith(".") and "\n" not in message


def test_daily_runs_at_the_wall_time_across_daylight_saving() -> None:
    """Berlin 09:00 is 08:00 UTC in winter and 07:00 UTC in summer (2026-03-29 and
    2026-10-25 are the changes): each run is computed from the wall time, not an offset."""
    daily = schedule()
    spring = [utc("2026-03-27T08:00:00"), utc("2026-03-28T08:00:00"),
              utc("2026-03-29T07:00:00"), utc("2026-03-30T07:00:00")]
    moment = utc("2026-03-26T12:00:00")
    for expected in spring:
        moment = digests.next_run(daily, moment)
        assert moment == expected
    autumn = [utc("2026-10-24T07:00:00"), utc("2026-10-25T08:00:00"), utc("2026-10-26T08:00:00")]
    moment = utc("2026-10-23T12:00:00")
    for expected in autumn:
        moment = digests.next_run(daily, moment)
        assert moment == expected
    assert digests.previous_run(daily, utc("2026-03-29T06:59:59")) == utc("2026-03-28T08:00:00")
    assert digests.previous_run(daily, utc("2026-03-29T07:00:00")) == utc("2026-03-29T07:00:00")


def test_a_skipped_or_repeated_wall_time_still_runs_once() -> None:
    """02:30 does not exist in Berlin on 2026-03-29 (it runs at 03:30 CEST) and happens
    twice on 2026-10-25 (it runs the first time)."""
    night = schedule(local_time="02:30")
    assert digests.next_run(night, utc("2026-03-28T12:00:00")) == utc("2026-03-29T01:30:00")
    assert digests.next_run(night, utc("2026-10-24T12:00:00")) == utc("2026-10-25T00:30:00")
    assert digests.next_run(night, utc("2026-10-25T00:30:00")) == utc("2026-10-26T01:30:00")


def test_weekly_runs_on_its_day() -> None:
    friday = schedule("weekly", 4, "17:00")
    # Tuesday 2026-12-01 -> Friday 2026-12-04 17:00 CET
    assert digests.next_run(friday, utc("2026-12-01T10:00:00")) == utc("2026-12-04T16:00:00")
    assert digests.next_run(friday, utc("2026-12-04T16:00:00")) == utc("2026-12-11T16:00:00")
    assert digests.previous_run(friday, utc("2026-12-04T15:59:00")) == utc("2026-11-27T16:00:00")


def test_downtime_sends_one_digest_not_one_per_missed_run() -> None:
    """Sent Monday 09:00, down until Thursday noon: three runs were missed, one digest is
    due; once it is sent nothing more is due until Friday's run."""
    sent_monday = schedule(last_sent_at="2026-11-30T08:00:00+00:00")
    thursday = utc("2026-12-03T11:00:00")
    assert digests.is_due(sent_monday, thursday)
    caught_up = schedule(last_sent_at=thursday.isoformat())
    assert not digests.is_due(caught_up, thursday)
    assert not digests.is_due(caught_up, utc("2026-12-04T07:59:59"))
    assert digests.is_due(caught_up, utc("2026-12-04T08:00:00"))
    # Never sent: what was due before the schedule was set is not sent.
    fresh = schedule(created_at="2026-12-03T10:00:00+00:00")
    assert not digests.is_due(fresh, thursday)
    assert digests.is_due(fresh, utc("2026-12-04T08:00:00"))


async def _project_with_activity(db: Database) -> tuple[int, int]:
    shop = await project_store.create_project(db, CHAT, "Shop <API>", "", USER)
    one = await session_store.start_session(db, shop.id, "", USER)
    await add_turns(db, one.id, "cart works", "stripe next", message_id=1)
    await add_turns(db, one.id, "forwarded answer", message_id=2, source="forwarded")
    await session_store.complete_session(db, one.id, "")
    markdown = ("# Shop handoff\n\n## Open problems\n- Stripe webhook returns 500 & <retries>\n"
                "- flaky `test_cart`\n\n## Next steps\n1. add idempotency keys\n")
    handoff_id = await save_handoff(db, one.id, "final", generator="extractive", markdown=markdown,
                                    words=30, tokens_est=40, source_words=5, first_session=1,
                                    last_session=1, turns_covered=3, artifacts_kept=1,
                                    artifacts_total=1, duration_ms=5)
    await generations.record(db, one.id, handoff_id, generator="m", model="m", calls=3,
                             tokens_in=1200, tokens_out=300, estimated=False, duration_ms=5,
                             chunks=1, largest_request=100, fallback_reason=None)
    await session_store.start_session(db, shop.id, "", USER)
    blog = await project_store.create_project(db, CHAT, "Blog", "", USER)
    return shop.id, blog.id


def _age(path: Path, project_id: int, days: int) -> None:
    """Move a project's creation back in time (what the clock cannot do)."""
    with sqlite3.connect(path) as conn:
        old = (datetime.now(UTC) - timedelta(days=days)).isoformat(timespec="seconds")
        conn.execute("UPDATE projects SET created_at = ? WHERE id = ?", (old, project_id))


async def test_a_digest_counts_the_period_per_project(tmp_path: Path) -> None:
    async with opened(tmp_path) as db:
        _shop, blog = await _project_with_activity(db)
        _age(tmp_path / "baton.db", blog, 12)
        now = datetime.now(UTC) + timedelta(minutes=1)
        await digests.set_schedule(db, CHAT, 0, NewSchedule("daily", None, "09:00", "UTC"), USER,
                                   now - timedelta(days=2))
        made = await digests.build_digest(db, CHAT, 0, DigestSettings("UTC", 7), now)
    text = made.text
    assert text.startswith("📰 <b>Digest</b> since yesterday (UTC)")
    assert "<b>Shop &lt;API&gt;</b>" in text
    assert "Sessions: 2 opened, 1 completed" in text
    assert "Turns: 3: Rina 3; by source typed 2, forwarded 1" in text
    assert "Model: 3 calls, 1,200 tokens in, 300 out" in text
    assert ("Open problems (handoff 1): Stripe webhook returns 500 &amp; &lt;retries&gt;; "
            "flaky `test_cart`") in text
    assert "Next steps (handoff 1): add idempotency keys" in text
    assert "💤 Idle for more than 7 days: Blog (12 days)" in text
    assert "<b>Blog</b>" not in text  # nothing happened there: only in the idle line
    assert made.chart is not None and made.chart.startswith(b"\x89PNG\r\n\x1a\n")


async def test_an_empty_period_is_one_line(tmp_path: Path) -> None:
    async with opened(tmp_path) as db:
        await _project_with_activity(db)
        stored = datetime.now(UTC)  # when the activity above was stored
        sent, now = stored + timedelta(days=2), stored + timedelta(days=6)
        await digests.set_schedule(db, CHAT, 0, NewSchedule("weekly", 0, "09:00", BERLIN), USER,
                                   stored)
        await mark_sent(db, CHAT, 0, sent)
        made = await digests.build_digest(db, CHAT, 0, DigestSettings(idle_days=30), now)
        idle = await digests.build_digest(db, CHAT, 0, DigestSettings(idle_days=5), now)
    weekday = f"{sent.astimezone(ZoneInfo(BERLIN)):%A}"
    assert made.text == f"Nothing new in Shop &lt;API&gt;, Blog since {weekday}."
    assert made.chart is None
    assert idle.text == (f"Nothing new in Shop &lt;API&gt;, Blog since {weekday}; idle for more "
                         "than 5 days: Shop &lt;API&gt; (6 days), Blog (6 days).")


async def test_a_topic_digest_is_about_its_project(tmp_path: Path) -> None:
    async with opened(tmp_path) as db:
        await _project_with_activity(db)
        blog = await project_store.find_project(db, CHAT, "Blog")
        assert blog is not None
        await project_store.set_active(db, CHAT, blog.id, 11)
        now = datetime.now(UTC) + timedelta(minutes=1)
        topic = await digests.build_digest(db, CHAT, 11, DigestSettings(), now)
        unbound = await digests.build_digest(db, CHAT, 12, DigestSettings(), now)
    week_ago = digests.since_label(now - timedelta(days=7), now, ZoneInfo("UTC"))
    assert topic.text == f"Nothing new in Blog {week_ago}."
    assert unbound.text == f"Nothing new in this chat {week_ago}."


async def test_the_schedule_life(tmp_path: Path) -> None:
    """Set, shown, sent, turned off by a failed send (told once), set again, off."""
    now = utc("2026-12-01T10:00:00")
    async with opened(tmp_path) as db:
        assert "No digest is scheduled here" in await digests.show(db, CHAT, 0, now)
        daily = await digests.set_schedule(db, CHAT, 0, NewSchedule("daily", None, "09:00", BERLIN),
                                           USER, now)
        assert digests.describe(daily, now) == (
            "Digest: daily at 09:00 (Europe/Berlin); next on Wed 02 Dec 09:00. "
            "/digest now sends one now; /digest off stops it.")
        assert await digests.start_up(db, now) == [(daily, utc("2026-12-02T08:00:00"))]
        run = utc("2026-12-02T08:00:00")
        assert await digests.due_digest(db, CHAT, 0, DigestSettings(), run) is not None
        assert await digests.sent(db, CHAT, 0, run) == utc("2026-12-03T08:00:00")
        assert await digests.due_digest(db, CHAT, 0, DigestSettings(), run) is None
        assert "last sent Wed 02 Dec 09:00" in await digests.show(db, CHAT, 0, run)
        await digests.unreachable(db, CHAT, 0)
        assert await digests.start_up(db, run) == []
        assert await digests.notices(db, CHAT) == [(0, (
            "The scheduled digest here was turned off because I could not send it; "
            "turn it on again with /digest daily 09:00."))]
        assert await digests.notices(db, CHAT) == []
        assert "turned off" in await digests.show(db, CHAT, 0, run)
        await digests.set_schedule(db, CHAT, 0, NewSchedule("weekly", 4, "17:00", "UTC"), USER, run)
        stored = await get_schedule(db, CHAT, 0)
        assert stored is not None and stored.enabled and stored.last_sent_at is not None
        assert await digests.stop(db, CHAT, 0, refuse) == "not_allowed"
        assert await digests.set_schedule(db, CHAT, 0, NewSchedule("daily", None, "08:00", "UTC"),
                                          USER, run, refuse) is None
        assert await digests.stop(db, CHAT, 0) == "stopped"
        assert await digests.stop(db, CHAT, 0) == "none"
        assert await digests.set_schedule(db, CHAT, 0, NewSchedule("daily", None, "08:00", "UTC"),
                                          USER, run, refuse) is not None  # none on: anyone
        assert await digests.stop(db, CHAT, 0) == "stopped"
        assert await digests.start_up(db, run) == []


def test_the_chart_counts_local_days() -> None:
    """A turn stored at 23:xx UTC on 28 March is on 29 March in Berlin (summer time)."""
    activity = ProjectActivity(0, 1, {("Ana", "2026-03-28T23"): 2, ("Ben", "2026-03-28T10"): 1,
                                      ("", "2026-03-27T09"): 4}, {"typed": 7}, 0, 0, 0)
    period = Period(utc("2026-03-27T12:00:00"), utc("2026-03-29T12:00:00"))
    days, per_member = chart_data([activity], period, ZoneInfo(BERLIN))
    assert [d.isoformat() for d in days] == ["2026-03-27", "2026-03-28", "2026-03-29"]
    assert per_member == {"Ana": [0, 0, 2], "Ben": [0, 1, 0], "someone": [4, 0, 0]}
    assert activity_chart(days, per_member, "t").startswith(b"\x89PNG")
