"""Issue 9, point 1: nothing acknowledged is lost. Typed text is in SQLite before its
update is confirmed to Telegram, a stop stores what is pending, a crash leaves fragments
the next start stitches, and the polling loop moves its offset only past what is stored."""
from __future__ import annotations

import asyncio
import logging
import sqlite3
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from bot.app import build_application
from bot.config import CaptureConfig
from bot.polling import poll, serve
from storage.turn_writer import TurnWriter
from tests.fake_bot_api import DROPPED, FakeBotAPI
from tests.harness import (
    FRIEND_ID,
    GROUP_CHAT,
    PRIVATE_CHAT,
    Harness,
    make_config,
    open_session,
    running,
    stored_turns,
)
from tests.test_import_reliability import HeldDownloads

# Nothing fires by itself; the group keeps its chit-chat and is told by a summary, as a
# private chat is (tests/test_groups.py covers the quiet defaults).
LONG_WINDOW = CaptureConfig(ack_delay_s=30.0, stitch_window_s=30.0, groups="all",
                            group_ack="summary")


def fragments_left(db_path: Path) -> int:
    with sqlite3.connect(db_path) as conn:
        return int(conn.execute("SELECT COUNT(*) FROM fragments").fetchone()[0])


async def crash(baton: Harness) -> None:
    """What kill -9 leaves: no flush, no drain, no acknowledgement; the file as it is."""
    app = baton.app
    assert app is not None and app.bot_data.runtime is not None
    await app.stop()  # pending jobs are dropped with the scheduler, as a dead process drops them
    await app.bot_data.runtime.db.close()
    app.bot_data.runtime = None
    await app.shutdown()
    baton.app = None


@pytest.fixture
async def slow(db_path: Path) -> Any:
    async with running(Harness(replace(make_config(db_path), capture=LONG_WINDOW))) as harness:
        yield harness


async def test_a_stop_stores_pending_typed_text_and_says_so(
        slow: Harness, db_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    await open_session(slow)
    await open_session(slow, chat_id=GROUP_CHAT, name="Team")
    for i in range(5):  # one paste in five parts, still in its window
        await slow.send(f"part {i}", message_id=900 + i, settle=False)
    await slow.send("a note in the group", chat_id=GROUP_CHAT, user_id=FRIEND_ID,
                    message_id=950, settle=False)
    assert stored_turns(db_path) == []
    assert fragments_left(db_path) == 6  # stored before each handler returned
    with caplog.at_level(logging.INFO):
        await slow.stop()
    assert sorted(t[3] for t in stored_turns(db_path)) == [
        "a note in the group", "\n".join(f"part {i}" for i in range(5))]
    assert fragments_left(db_path) == 0
    acks = [c for c in slow.api.calls if "Saved 1 message" in c.text]
    assert sorted(int(c.params["chat_id"]) for c in acks) == [GROUP_CHAT, PRIVATE_CHAT]
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR or r.exc_info]


async def test_a_crash_loses_no_typed_text_and_a_paste_continues_after_restart(
        slow: Harness, db_path: Path) -> None:
    await open_session(slow)
    parts = ["A" * 4000, "B" * 4000, "C" * 4000, "D" * 100]
    for i, text in enumerate(parts[:3]):
        await slow.send(text, message_id=1000 + i, settle=False)
    await crash(slow)
    assert stored_turns(db_path) == [] and fragments_left(db_path) == 3
    await slow.start()  # the three fragments are back in their buffer, window restarted
    await slow.send(parts[3], message_id=1003, settle=False)  # Telegram redelivers the rest
    await slow.send(parts[0], message_id=1000, settle=False)  # and one already stored
    await slow.stop()
    assert stored_turns(db_path) == [("note", "Rina", "pasted", "\n".join(parts))]
    assert fragments_left(db_path) == 0


async def test_fragments_left_by_a_crash_are_stitched_at_start(db_path: Path) -> None:
    config = replace(make_config(db_path), capture=CaptureConfig(ack_delay_s=0.05,
                                                                 stitch_window_s=0.05))
    first = Harness(replace(config, capture=LONG_WINDOW))
    await first.start()
    await open_session(first)
    await first.send("typed just before the crash", message_id=1100, settle=False)
    await crash(first)
    second = Harness(config)
    await second.start()
    try:
        await second.settle()
        assert [t[3] for t in stored_turns(db_path)] == ["typed just before the crash"]
        assert any("Saved 1 message" in c.text for c in second.api.calls)
    finally:
        await second.stop()


def _stored_texts(db_path: Path) -> str:
    """Every stored text, fragments and turns, as one string (a stitched paste holds the
    text of several messages under its first message's id)."""
    with sqlite3.connect(db_path) as conn:
        rows = conn.execute("SELECT text FROM fragments UNION ALL SELECT text FROM turns")
        return "\n".join(r[0] for r in rows)


async def test_the_offset_passes_an_update_only_once_what_it_carried_is_stored(
        db_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    helper = Harness(make_config(db_path))
    await helper.start()
    await open_session(helper)
    await helper.stop()

    api, updates_api = FakeBotAPI(), FakeBotAPI()
    forward = {"type": "user", "date": 1,
               "sender_user": {"id": 5, "is_bot": True, "first_name": "GPT"}}
    sent: dict[int, str] = {}  # update id -> its text
    for n in range(1, 43):  # the last one a forward, stored by the group-commit writer
        kind = n % 3
        message = helper.message_json(f"message {n}", message_id=5000 + n,
                                      forward_origin=forward if kind == 0 else None)
        updates_api.updates.append({"update_id": n, "message": message})
        sent[n] = f"message {n}\n"
    unsafe: list[tuple[int, set[int]]] = []

    def check(offset: int | None) -> None:
        if offset is None:
            return
        stored = _stored_texts(db_path) + "\n"
        missing = {u for u, text in sent.items() if u < offset and text not in stored}
        if missing:
            unsafe.append((offset, missing))

    updates_api.on_poll = check
    write = TurnWriter._write

    async def slow_disk(self: TurnWriter, batch: Any) -> Any:
        await asyncio.sleep(0.05)
        return await write(self, batch)

    monkeypatch.setattr(TurnWriter, "_write", slow_disk)
    updates_api.fail("getUpdates", DROPPED)  # an outage first: retried quietly
    app = build_application(replace(make_config(db_path), capture=LONG_WINDOW), request=api,
                            updates_request=updates_api, env={})
    stop = asyncio.Event()
    task = asyncio.create_task(serve(app, stop, retry_s=0.001))
    for _ in range(500):
        if updates_api.offsets and updates_api.offsets[-1] == 43:
            break
        await asyncio.sleep(0.01)
    stop.set()
    await task
    assert updates_api.offsets[-1] == 43  # everything confirmed, at the end
    assert unsafe == []
    stored = [line for text in stored_turns(db_path) for line in text[3].split("\n")]
    assert sorted(stored) == sorted(t.strip() for t in sent.values())  # the stop stored the rest
    assert fragments_left(db_path) == 0


async def test_poll_logs_an_outage_once(db_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    updates_api = FakeBotAPI()
    updates_api.fail("getUpdates", *[DROPPED] * 4)
    app = build_application(make_config(db_path), request=FakeBotAPI(),
                            updates_request=updates_api, env={})
    await app.initialize()
    stop = asyncio.Event()

    async def stop_when_back() -> None:
        while len(updates_api.offsets) < 2:  # one answered call, then the next
            await asyncio.sleep(0.01)
        stop.set()

    try:
        with caplog.at_level(logging.INFO, logger="bot.polling"):
            await asyncio.gather(poll(app, stop, retry_s=0.001), stop_when_back())
    finally:
        await app.shutdown()
    lines = [r.getMessage() for r in caplog.records if r.name == "bot.polling"]
    assert len(lines) == 2, lines  # unreachable, reachable again
    assert not any(r.exc_info for r in caplog.records)


async def test_a_file_being_imported_at_a_crash_is_imported_at_the_next_start(
        db_path: Path) -> None:
    first = Harness(make_config(db_path))
    first.api = HeldDownloads()
    await first.start()
    await open_session(first)
    body = b"User: the cart test fails\nAssistant: use Decimal for money"
    sending = asyncio.create_task(first.send_document("chat.txt", body, settle=False))
    await asyncio.wait_for(first.api.downloading.wait(), 5)
    for task in asyncio.all_tasks() - first._baseline_tasks - {asyncio.current_task()}:
        task.cancel()  # the process dies mid-download: nothing after this line runs
    await asyncio.gather(sending, return_exceptions=True)
    await crash(first)
    assert stored_turns(db_path) == []

    second = Harness(make_config(db_path))
    second.api.files = first.api.files  # Telegram still has the file
    await second.start()
    try:
        await second.wait_for(lambda: len(stored_turns(db_path)) == 2)
        await second.settle()
        assert any(c.text.startswith("Imported 2 turns") for c in second.api.calls)
        with sqlite3.connect(db_path) as conn:
            assert conn.execute("SELECT COUNT(*) FROM held_updates").fetchone() == (0,)
    finally:
        await second.stop()
    third = Harness(make_config(db_path))  # and only once
    await third.start()
    await third.stop()
    assert len(stored_turns(db_path)) == 2
    assert not any(c.text.startswith("Imported") for c in third.api.calls)
