"""/digest and scheduled digests through the real Application: the command, a run fired
by the JobQueue (on a fixed clock), a schedule surviving a restart, one catch-up digest
after downtime, the chart, topics, and a chat that removed the bot."""
from __future__ import annotations

import logging
import sqlite3
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from handlers.digest_command import DigestJob, job_name, schedule_run, settings_from
from service import digests
from storage.digest_schedules import Schedule
from tests.fake_bot_api import BLOCKED
from tests.harness import FRIEND_ID, GROUP_CHAT, OWNER_ID, PRIVATE_CHAT, Harness, open_session, texts

TOPIC = 11


def schedule_row(db_path: Path, chat: int = PRIVATE_CHAT, thread: int = 0) -> Schedule:
    with sqlite3.connect(db_path) as conn:
        conn.row_factory = sqlite3.Row
        row = conn.execute("SELECT * FROM digests WHERE chat_id = ? AND thread_id = ?",
                           (chat, thread)).fetchone()
    assert row is not None
    return Schedule.from_row(row)


def digest_jobs(baton: Harness) -> list[Any]:
    assert baton.app is not None and baton.app.job_queue is not None
    return [j for j in baton.app.job_queue.jobs() if (j.name or "").startswith("digest:")]


def digest_sends(baton: Harness, chat: int = PRIVATE_CHAT) -> list[Any]:
    return [c for c in baton.api.calls if c.method in ("sendPhoto", "sendMessage")
            and int(c.params["chat_id"]) == chat
            and (c.method == "sendPhoto" or c.text.startswith(("📰", "Nothing new")))]


async def test_setting_showing_and_refusing(baton: Harness, db_path: Path) -> None:
    calls = await baton.send("/digest")
    assert texts(calls)[-1].startswith("No digest is scheduled here. Use /digest daily HH:MM")
    calls = await baton.send("/digest daily 09:00 Europe/Berlin")
    assert texts(calls)[-1].startswith("Digest: daily at 09:00 (Europe/Berlin); next on ")
    assert [j.name for j in digest_jobs(baton)] == [job_name(PRIVATE_CHAT, 0)]
    for command, says in (("/digest daily 25:00", "25:00 is not a time of day"),
                          ("/digest weekly fr 17:00", "'fr' is not a day"),
                          ("/digest daily 09:00 Mars/Base", "Unknown time zone 'Mars/Base'"),
                          ("/digest hourly", "Use /digest daily HH:MM")):
        calls = await baton.send(command)
        assert len(calls) == 1 and says in calls[0].text, command
    assert schedule_row(db_path).zone == "Europe/Berlin"  # refused arguments changed nothing
    calls = await baton.send("/digest weekly friday 17:30")
    assert "weekly on Friday at 17:30 (UTC)" in texts(calls)[-1]
    calls = await baton.send("/digest off")
    assert texts(calls) == ["Digest turned off here."]
    assert digest_jobs(baton) == []
    calls = await baton.send("/digest off")
    assert texts(calls) == ["No digest was scheduled here."]
    assert "turned off" in texts(await baton.send("/digest"))[-1]


async def test_digest_now_sends_the_chart_with_the_digest_as_caption(baton: Harness) -> None:
    await open_session(baton)
    await baton.send("cart persisted in Postgres")
    await baton.send("stripe webhook next")
    calls = await baton.send("/digest now")
    photos = [c for c in calls if c.method == "sendPhoto"]
    assert len(photos) == 1, texts(calls)
    caption = photos[0].params["caption"]
    assert caption.startswith("📰 <b>Digest</b> since ")
    assert "<b>Shop</b>" in caption and "Turns: 2: Rina 2" in caption
    assert photos[0].params["parse_mode"] == "HTML"
    assert photos[0].files["photo"][1].startswith(b"\x89PNG")
    assert digest_jobs(baton) == []  # /digest now schedules nothing


async def test_a_scheduled_digest_fires_from_the_job_queue(baton: Harness, db_path: Path) -> None:
    """The schedule's next run is 0.2 s away on the test's clock: the real JobQueue runs
    it, the digest is sent, last_sent_at is that run, and the following run is planned."""
    await open_session(baton, chat_id=GROUP_CHAT)
    await baton.send("/note cart persisted in Postgres", chat_id=GROUP_CHAT)
    await baton.send("/digest daily 09:00 Europe/Berlin", chat_id=GROUP_CHAT)
    schedule = schedule_row(db_path, GROUP_CHAT)
    assert baton.app is not None and baton.app.job_queue is not None
    due = digests.next_run(schedule, datetime.now(UTC))
    settings = settings_from(baton.config.digest)
    schedule_run(baton.app.job_queue, settings, GROUP_CHAT, 0, due, due - timedelta(seconds=0.2))
    await baton.wait_for(lambda: bool(baton.api.ok("sendPhoto")))
    await baton.wait_for(lambda: schedule_row(db_path, GROUP_CHAT).last_sent_at is not None)
    photo = baton.api.ok("sendPhoto")[0]
    assert int(photo.params["chat_id"]) == GROUP_CHAT and "message_thread_id" not in photo.params
    assert "<b>Shop</b>" in photo.params["caption"]
    assert schedule_row(db_path, GROUP_CHAT).last_sent_at == due.isoformat(timespec="seconds")
    await baton.wait_for(lambda: [j.data.due for j in digest_jobs(baton)]
                         == [digests.next_run(schedule, due)])
    assert len(baton.api.ok("sendPhoto")) == 1


async def test_the_schedule_survives_a_restart(baton: Harness, db_path: Path) -> None:
    await baton.send("/digest weekly fri 17:00 America/New_York")
    await baton.restart()
    jobs = digest_jobs(baton)
    assert [j.name for j in jobs] == [job_name(PRIVATE_CHAT, 0)]
    data: DigestJob = jobs[0].data
    schedule = schedule_row(db_path)
    assert (schedule.cadence, schedule.weekday, schedule.local_time, schedule.zone) == \
        ("weekly", 4, "17:00", "America/New_York")
    assert data.due == digests.next_run(schedule, datetime.now(UTC))
    assert digest_sends(baton) == []  # nothing was due


async def test_downtime_gives_one_digest_at_start(baton: Harness, db_path: Path) -> None:
    """Down for three days with a daily digest: one digest at start, none at the next."""
    await open_session(baton)
    await baton.send("/digest daily 09:00")
    await baton.stop()
    three_days_ago = (datetime.now(UTC) - timedelta(days=3)).isoformat(timespec="seconds")
    with sqlite3.connect(db_path) as conn:
        conn.execute("UPDATE digests SET created_at = ?, last_sent_at = ?",
                     (three_days_ago, three_days_ago))
    await baton.start()
    await baton.wait_for(lambda: schedule_row(db_path).last_sent_at != three_days_ago)
    sent = digest_sends(baton)
    assert len(sent) == 1 and sent[0].text.startswith("📰 <b>Digest</b> since ")
    assert "Sessions: 1 opened, 0 completed" in sent[0].text  # no turns: no chart
    schedule = schedule_row(db_path)
    assert [j.data.due for j in digest_jobs(baton)] == [
        digests.next_run(schedule, datetime.fromisoformat(schedule.last_sent_at or ""))]
    await baton.restart()
    assert len(digest_sends(baton)) == 1  # still the one: nothing more was due
    assert len(digest_jobs(baton)) == 1


async def test_a_topic_gets_its_own_digest(baton: Harness, db_path: Path) -> None:
    topic = {"message_thread_id": TOPIC, "is_topic_message": True}
    calls = await baton.send("/digest daily 18:00", chat_id=GROUP_CHAT, extra=topic)
    assert calls[0].params.get("message_thread_id") == TOPIC
    assert schedule_row(db_path, GROUP_CHAT, TOPIC).local_time == "18:00"
    schedule = schedule_row(db_path, GROUP_CHAT, TOPIC)
    due = digests.next_run(schedule, datetime.now(UTC))
    assert baton.app is not None and baton.app.job_queue is not None
    schedule_run(baton.app.job_queue, settings_from(baton.config.digest), GROUP_CHAT, TOPIC, due,
                 due)
    await baton.wait_for(lambda: schedule_row(db_path, GROUP_CHAT, TOPIC).last_sent_at is not None)
    sent = digest_sends(baton, GROUP_CHAT)
    assert [c.params.get("message_thread_id") for c in sent] == [TOPIC]
    assert sent[0].text == "Nothing new in this chat since yesterday."


async def test_a_chat_that_removed_the_bot_loses_its_digest_and_is_told_once(
        baton: Harness, db_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    await baton.send("/newproject Shop", chat_id=GROUP_CHAT)
    await baton.send("/digest daily 09:00", chat_id=GROUP_CHAT)
    schedule = schedule_row(db_path, GROUP_CHAT)
    due = digests.next_run(schedule, datetime.now(UTC))
    baton.api.fail("sendMessage", BLOCKED)
    assert baton.app is not None and baton.app.job_queue is not None
    with caplog.at_level(logging.WARNING, logger="handlers.digest_command"):
        schedule_run(baton.app.job_queue, settings_from(baton.config.digest), GROUP_CHAT, 0,
                     due, due)
        await baton.wait_for(lambda: not schedule_row(db_path, GROUP_CHAT).enabled)
    assert [r.getMessage() for r in caplog.records if r.name == "handlers.digest_command"] == [
        f"digest for chat {GROUP_CHAT} (topic 0) turned off: Forbidden: bot was blocked by the user"]
    assert [c.status for c in baton.api.calls if c.method == "sendMessage"][-1] == 403
    assert digest_jobs(baton) == []
    await baton.restart()
    assert digest_jobs(baton) == []  # stays off
    calls = await baton.send("/projects", chat_id=GROUP_CHAT)
    assert texts(calls)[0].startswith("<b>Projects</b>")  # the command is answered first
    assert texts(calls)[1:] == ["The scheduled digest here was turned off because I could not "
                                "send it; turn it on again with /digest daily 09:00."]
    calls = await baton.send("/projects", chat_id=GROUP_CHAT)
    assert not any("turned off" in t for t in texts(calls))


async def test_a_digest_over_the_caption_limit_goes_as_text_then_photo(
        baton: Harness, db_path: Path) -> None:
    for number in range(12):
        await open_session(baton, name=f"Project number {number} with a long enough name")
        await baton.send(f"work on project {number}")
    calls = await baton.send("/digest now")
    methods = [c.method for c in calls]
    assert methods[-1] == "sendPhoto" and "caption" not in calls[-1].params
    assert methods[:-1] and set(methods[:-1]) == {"sendMessage"}
    assert calls[0].text.startswith("📰 <b>Digest</b>") and len(calls[0].text) > 1024


async def test_in_a_group_only_admins_and_the_setter_change_the_digest(baton: Harness,
                                                                       db_path: Path) -> None:
    await baton.send("/digest daily 09:00", chat_id=GROUP_CHAT, user_id=OWNER_ID)
    for command in ("/digest off", "/digest daily 10:00"):
        calls = await baton.send(command, chat_id=GROUP_CHAT, user_id=FRIEND_ID)
        assert texts(calls) == ["In a group, only its admins and whoever set the digest can "
                                "change or stop it."]
    assert schedule_row(db_path, GROUP_CHAT).local_time == "09:00" and digest_jobs(baton)
    calls = await baton.send("/digest now", chat_id=GROUP_CHAT, user_id=FRIEND_ID)
    assert texts(calls) == ["Nothing new in this chat since yesterday."]  # anyone may read it
    baton.api.admins[GROUP_CHAT] = {FRIEND_ID}
    calls = await baton.send("/digest weekly mon 08:00", chat_id=GROUP_CHAT, user_id=FRIEND_ID)
    assert texts(calls)[0].startswith("Digest: weekly on Monday at 08:00 (UTC)")
    calls = await baton.send("/digest off", chat_id=GROUP_CHAT, user_id=OWNER_ID)
    assert texts(calls) == ["In a group, only its admins and whoever set the digest can "
                            "change or stop it."]  # the admin set it now
    baton.api.admins[GROUP_CHAT] = set()
    calls = await baton.send("/digest off", chat_id=GROUP_CHAT, user_id=FRIEND_ID)
    assert texts(calls) == ["Digest turned off here."]
    calls = await baton.send("/digest daily 07:00", chat_id=GROUP_CHAT, user_id=OWNER_ID)
    assert texts(calls)[0].startswith("Digest: daily at 07:00")  # none on: anyone may set one


async def test_a_group_becoming_a_supergroup_keeps_its_digest(baton: Harness,
                                                                db_path: Path) -> None:
    old_group = -4001
    await baton.send("/digest daily 09:00", chat_id=old_group)
    assert [j.name for j in digest_jobs(baton)] == [job_name(old_group, 0)]
    await baton.send(extra={"migrate_to_chat_id": GROUP_CHAT}, chat_id=old_group)
    await baton.settle()
    assert schedule_row(db_path, GROUP_CHAT).local_time == "09:00"
    assert [j.name for j in digest_jobs(baton)] == [job_name(GROUP_CHAT, 0)]
    assert texts(await baton.send("/digest", chat_id=GROUP_CHAT))[-1].startswith(
        "Digest: daily at 09:00")


async def test_the_chat_is_told_without_a_restart_too(baton: Harness, db_path: Path) -> None:
    await baton.send("/newproject Shop", chat_id=GROUP_CHAT)
    await baton.send("/digest daily 09:00", chat_id=GROUP_CHAT)
    due = digests.next_run(schedule_row(db_path, GROUP_CHAT), datetime.now(UTC))
    baton.api.fail("sendMessage", BLOCKED)
    assert baton.app is not None and baton.app.job_queue is not None
    schedule_run(baton.app.job_queue, settings_from(baton.config.digest), GROUP_CHAT, 0, due, due)
    await baton.wait_for(lambda: not schedule_row(db_path, GROUP_CHAT).enabled)
    calls = await baton.send("/projects", chat_id=GROUP_CHAT)
    assert any("turned off because I could not send it" in t for t in texts(calls))
    calls = await baton.send("/projects", chat_id=GROUP_CHAT)
    assert not any("turned off" in t for t in texts(calls))
