"""Issue 9, point 5: every conversation of a file can be imported, once; an import never
lands in a session that closed meanwhile; size limits hold inside zips and for documents
of unstated size; forged or stale pick buttons are answered, never raised on."""
from __future__ import annotations

import asyncio
import io
import json
import logging
import sqlite3
import zipfile
from collections.abc import AsyncIterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from telegram.request import RequestData

from bot.config import ImportConfig
from handlers.file_imports import CLOSED, EXPIRED
from storage.db import Database, migration_scripts, split_statements
from storage.import_records import SessionClosed, import_turns
from storage.models import NewTurn
from tests.fake_bot_api import Call, FakeBotAPI, Fault
from tests.harness import (
    PRIVATE_CHAT,
    Harness,
    make_config,
    open_session,
    running,
    stored_turns,
    texts,
)

SMALL_LIMIT = 1024


def claude_export(*titles: str, exchanges: int = 3) -> bytes:
    """A Claude.ai bulk export with one conversation per title, the last one newest."""
    conversations = []
    for n, title in enumerate(titles):
        day = f"2024-05-{n + 1:02d}"
        messages: list[dict[str, Any]] = []
        for i in range(exchanges):
            messages.append({"uuid": f"{n}-q{i}", "sender": "human",
                             "text": f"{title}: question {i}", "created_at": f"{day}T10:{i:02d}:00Z"})
            messages.append({"uuid": f"{n}-a{i}", "sender": "assistant",
                             "text": f"{title}: answer {i}", "created_at": f"{day}T10:{i:02d}:30Z"})
        conversations.append({"uuid": f"c{n}", "name": title, "created_at": f"{day}T10:00:00Z",
                              "updated_at": f"{day}T11:00:00Z", "chat_messages": messages})
    return json.dumps(conversations).encode()


def buttons(calls: list[Call]) -> dict[str, str]:
    """Button label -> callback data of the conversation choice in these calls."""
    [question] = [c for c in calls if c.method == "sendMessage" and "reply_markup" in c.params]
    rows = question.params["reply_markup"]["inline_keyboard"]
    return {b["text"]: b["callback_data"] for row in rows for b in row}


def answers(calls: list[Call]) -> list[str]:
    return [c.text for c in calls if c.method == "answerCallbackQuery"]


def no_tracebacks(caplog: pytest.LogCaptureFixture) -> None:
    assert not [r for r in caplog.records if r.exc_info], "an expected condition logged a traceback"


# --- 1. every conversation of one upload, each once ---------------------------------

async def test_each_conversation_of_one_file_can_be_imported_once(baton: Harness,
                                                                  db_path: Path) -> None:
    await open_session(baton)
    offer = buttons(await baton.send_document("conversations.json",
                                              claude_export("First chat", "Second chat")))
    assert list(offer) == ["Second chat (6)", "First chat (6)"]
    first = texts(await baton.press(offer["First chat (6)"]))
    assert first == ["Imported 6 turns (3 user, 3 assistant) from 'First chat'."]
    second = texts(await baton.press(offer["Second chat (6)"]))
    assert second == ["Imported 6 turns (3 user, 3 assistant) from 'Second chat'."]
    again = texts(await baton.press(offer["Second chat (6)"]))  # a second tap, or a redelivery
    assert again == ["That conversation is already in this session: nothing imported twice."]
    stored = [t[3] for t in stored_turns(db_path)]
    assert len(stored) == 12 and len(set(stored)) == 12
    assert sum(t.startswith("Second chat") for t in stored) == 6
    [stats] = texts(await baton.send("/stats"))
    assert "12" in stats  # the per-session totals kept by triggers count both imports


async def test_a_redelivered_document_imports_nothing_twice(baton: Harness, db_path: Path) -> None:
    await open_session(baton)
    body = b"User: the cart test fails\nAssistant: use Decimal"
    assert texts(await baton.send_document("chat.txt", body, message_id=500)) == [
        "Imported 2 turns (1 user, 1 assistant)."]
    # Telegram delivers the same message again (same message id, same file)
    again = texts(await baton.send_document("chat.txt", body, message_id=500))
    assert again == ["That conversation is already in this session: nothing imported twice."]
    assert len(stored_turns(db_path)) == 2


def old_database(path: Path) -> None:
    """A database as migrations 1-5 left it, with typed, forwarded and imported turns."""
    with sqlite3.connect(path) as conn:
        conn.execute("CREATE TABLE schema_version (version INTEGER PRIMARY KEY,"
                     " applied_at TEXT NOT NULL)")
        for version, _name, sql in migration_scripts():
            if version <= 5:
                for statement in split_statements(sql):
                    conn.execute(statement)
                conn.execute("INSERT INTO schema_version VALUES (?, 'x')", (version,))
        conn.execute("INSERT INTO chats (id, created_at) VALUES (?, 'x')", (PRIVATE_CHAT,))
        conn.execute("INSERT INTO projects (id, chat_id, name, name_key, created_at)"
                     " VALUES (1, ?, 'Shop', 'shop', 'x')", (PRIVATE_CHAT,))
        conn.execute("UPDATE chats SET active_project_id = 1")
        conn.execute("INSERT INTO sessions (id, project_id, number, status, started_at)"
                     " VALUES (1, 1, 1, 'active', '2026-01-01T00:00:00+00:00')")
        conn.execute("INSERT INTO imports (session_id, digest, title, turns, created_at)"
                     " VALUES (1, 'old', 'First chat', 2, 'x')")
        rows = [("note", "typed", "a typed note", 10, 0, None),
                ("assistant", "forwarded", "a forwarded answer", 11, 0, None),
                ("user", "file", "imported question", 12, 0, "2024-05-01T10:00:00.000000+00:00"),
                ("assistant", "file", "imported answer", 12, 1, "2024-05-01T10:00:30.000000+00:00")]
        for role, source, text, message_id, part, said_at in rows:
            conn.execute("INSERT INTO turns (session_id, role, source, text, words, tg_chat_id,"
                         " tg_message_id, part, created_at, said_at)"
                         " VALUES (1, ?, ?, ?, 3, ?, ?, ?, '2026-01-01T00:00:00+00:00', ?)",
                         (role, source, text, PRIVATE_CHAT, message_id, part, said_at))


async def test_an_existing_database_migrates_without_losing_turns(db_path: Path) -> None:
    old_database(db_path)
    with sqlite3.connect(db_path) as conn:
        before = conn.execute("SELECT * FROM turns ORDER BY id").fetchall()
        totals = conn.execute("SELECT * FROM turn_totals ORDER BY 1, 2, 3").fetchall()
    db = await Database.open(db_path)
    try:
        assert await db.schema_version() >= 6
        after = [tuple(r)[:12] for r in await db.fetchall("SELECT * FROM turns ORDER BY id")]
        assert after == before  # same rows, same ids, nothing lost
        assert [tuple(r) for r in await db.fetchall(
            "SELECT * FROM turn_totals ORDER BY 1, 2, 3")] == totals
        # typed/forwarded turns keep their (chat, message, part) key: a redelivery is ignored
        async with db.transaction() as conn:
            cursor = await conn.execute(
                "INSERT OR IGNORE INTO turns (session_id, role, source, text, words, tg_chat_id,"
                " tg_message_id, part, created_at) VALUES (1, 'note', 'typed', 'again', 1, ?, 10,"
                " 0, 'y')", (PRIVATE_CHAT,))
            assert cursor.rowcount == 0
        # another conversation from the old upload (message 12) fits beside it
        second = [NewTurn("user", "You", "file", "second chat question", PRIVATE_CHAT, 12, 0),
                  NewTurn("assistant", "Claude", "file", "second chat answer", PRIVATE_CHAT, 12, 1)]
        assert await import_turns(db, 1, "new", "Second chat", second) == 2
        row = await db.fetchone("SELECT turns FROM turn_totals WHERE session_id = 1"
                                " AND role = 'user' AND source = 'file'")
        assert row is not None and row["turns"] == 2  # the rebuilt triggers still count
    finally:
        await db.close()


async def test_a_migrated_database_serves_the_bot(db_path: Path) -> None:
    old_database(db_path)
    harness = Harness(make_config(db_path))
    await harness.start()
    try:
        offer = buttons(await harness.send_document("conversations.json",
                                                    claude_export("First chat", "Second chat")))
        for label in offer:
            [reply] = texts(await harness.press(offer[label]))
            assert reply.startswith("Imported 6 turns")
        assert len(stored_turns(db_path)) == 4 + 12
    finally:
        await harness.stop()
    assert not harness.api.errors


# --- 2. never into a session that closed meanwhile ----------------------------------

class HeldDownloads(FakeBotAPI):
    """Holds file downloads until released, so a test can close the session meanwhile."""

    def __init__(self) -> None:
        super().__init__()
        self.downloading = asyncio.Event()
        self.release = asyncio.Event()

    async def do_request(self, url: str, method: str, request_data: RequestData | None = None,
                         *args: Any, **kwargs: Any) -> tuple[int, bytes]:
        if "/file/bot" in url:
            self.downloading.set()
            await self.release.wait()
        return await super().do_request(url, method, request_data, *args, **kwargs)


@pytest.fixture
async def held(db_path: Path) -> AsyncIterator[Harness]:
    harness = Harness(make_config(db_path))
    harness.api = HeldDownloads()
    async with running(harness):
        yield harness


async def import_while(held: Harness, *commands: str) -> list[str]:
    """Send a file, run `commands` while it downloads, then let the download finish."""
    api = held.api
    assert isinstance(api, HeldDownloads)
    body = b"User: the cart test fails\nAssistant: use Decimal"
    sending = asyncio.create_task(held.send_document("chat.txt", body, settle=False))
    await asyncio.wait_for(api.downloading.wait(), 5)
    for command in commands:
        await held.send(command, settle=False)
    released = len(api.calls)
    api.release.set()
    await asyncio.wait_for(sending, 5)
    await held.settle()
    return texts(api.calls[released:])


async def test_an_import_finishing_after_complete_is_not_stored(held: Harness,
                                                                db_path: Path) -> None:
    await open_session(held)
    assert await import_while(held, "/complete") == [CLOSED]
    assert stored_turns(db_path) == []
    with sqlite3.connect(db_path) as conn:
        assert conn.execute("SELECT COUNT(*) FROM imports").fetchone() == (0,)


async def test_nor_into_the_session_started_after_it(held: Harness, db_path: Path) -> None:
    await open_session(held)
    assert await import_while(held, "/complete", "/startsession") == [CLOSED]
    assert stored_turns(db_path) == []
    # the chat still works: the same file now goes into session 2
    [reply] = texts(await held.send_document("chat.txt", b"User: hi\nAssistant: hello"))
    assert reply == "Imported 2 turns (1 user, 1 assistant)."


async def test_import_turns_refuses_a_closed_session(db_path: Path) -> None:
    db = await Database.open(db_path)
    try:
        await db.execute("INSERT INTO projects (id, chat_id, name, name_key, created_at)"
                         " VALUES (1, 1, 'p', 'p', 'x')")
        await db.execute("INSERT INTO sessions (id, project_id, number, status, started_at)"
                         " VALUES (1, 1, 1, 'completed', 'x')")
        with pytest.raises(SessionClosed):
            await import_turns(db, 1, "d", "t", [NewTurn("user", "", "file", "hi", 1, 1, 0)])
        with pytest.raises(SessionClosed):  # a session that no longer exists
            await import_turns(db, 99, "d", "t", [NewTurn("user", "", "file", "hi", 1, 2, 0)])
        assert await db.fetchall("SELECT id FROM turns") == []
        assert await db.fetchall("SELECT id FROM imports") == []
    finally:
        await db.close()


# --- 3. limits inside zips and for documents of unstated size -----------------------

def zipped(name: str, content: bytes) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(name, content)
    return buffer.getvalue()


async def test_a_small_zip_of_a_46_mb_export_is_refused(baton: Harness, db_path: Path,
                                                        caplog: pytest.LogCaptureFixture) -> None:
    """The issue's case: a 46 MB JSON in a small zip became 60,000 turns."""
    await open_session(baton)
    one = {"uuid": "c", "name": "Huge", "created_at": "2024-05-01T10:00:00Z", "chat_messages": [
        {"uuid": "m", "sender": "human", "text": "x" * 800, "created_at": "2024-05-01T10:00:00Z"}]}
    export = json.dumps([one] * 50_000).encode()
    assert len(export) > 46 * 1024 * 1024 - 4 * 1024 * 1024
    data = zipped("conversations.json", export)
    assert len(data) < 1024 * 1024
    [reply] = texts(await baton.send_document("export.zip", data))
    assert reply.startswith("conversations.json in that zip unpacks to ")
    assert reply.endswith("; I read at most 20 MB.") and reply.count(". ") == 0
    assert stored_turns(db_path) == []
    no_tracebacks(caplog)


@pytest.fixture
async def small_limit(db_path: Path) -> AsyncIterator[Harness]:
    config = replace(make_config(db_path), imports=ImportConfig(max_bytes=SMALL_LIMIT))
    async with running(Harness(config)) as harness:
        yield harness


async def test_the_import_limit_holds_inside_a_zip(small_limit: Harness, db_path: Path) -> None:
    await open_session(small_limit)
    data = zipped("conversations.json", claude_export("Big", exchanges=40))
    assert len(data) < SMALL_LIMIT  # the zip itself is under the limit
    [reply] = texts(await small_limit.send_document("export.zip", data))
    assert reply.startswith("conversations.json in that zip unpacks to ")
    assert reply.endswith("; I read at most 1 KB.")
    assert stored_turns(db_path) == []


class UnsizedFiles(FakeBotAPI):
    """getFile leaves out file_size too, so only the download tells how big a file is."""

    async def do_request(self, url: str, method: str, request_data: RequestData | None = None,
                         *args: Any, **kwargs: Any) -> tuple[int, bytes]:
        status, body = await super().do_request(url, method, request_data, *args, **kwargs)
        if url.endswith("/getFile") and status == 200:
            payload = json.loads(body)
            payload["result"].pop("file_size", None)
            body = json.dumps(payload).encode()
        return status, body


async def test_an_unstated_size_is_measured_on_download(db_path: Path,
                                                        caplog: pytest.LogCaptureFixture) -> None:
    harness = Harness(replace(make_config(db_path), imports=ImportConfig(max_bytes=SMALL_LIMIT)))
    harness.api = UnsizedFiles()
    await harness.start()
    try:
        await open_session(harness)
        calls = await harness.send_document("chat.txt", b"User: hi\n" * 300, state_size=False)
        assert texts(calls) == ["That file is 3 KB; I can import at most 1 KB."]
        assert [c.method for c in calls if c.method in ("getFile", "downloadFile")] == [
            "getFile", "downloadFile"]
        assert stored_turns(db_path) == []
        # under the limit, the same path imports
        [reply] = texts(await harness.send_document("chat.txt", b"User: hi", state_size=False))
        assert reply == "Imported 1 turn (1 user)."
    finally:
        await harness.stop()
    assert not harness.api.errors
    no_tracebacks(caplog)


async def test_an_unstated_size_stated_by_get_file_is_refused_before_download(
        small_limit: Harness, db_path: Path) -> None:
    await open_session(small_limit)
    calls = await small_limit.send_document("chat.txt", b"User: hi\n" * 300, state_size=False)
    assert texts(calls) == ["That file is 3 KB; I can import at most 1 KB."]
    assert not any(c.method == "downloadFile" for c in calls)
    assert stored_turns(db_path) == []


async def test_a_file_telegram_will_not_serve_gets_one_sentence(
        baton: Harness, db_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    """A 21 MB document without a stated size: Telegram refuses getFile with a 400."""
    await open_session(baton)
    baton.api.fail("getFile", Fault(400, "Bad Request: file is too big"))
    calls = await baton.send_document("big.json", b"[]", state_size=False)
    assert texts(calls) == ["That file is over 20 MB; I can import at most 20 MB."]
    assert not any(c.method == "downloadFile" for c in calls)
    assert stored_turns(db_path) == []
    no_tracebacks(caplog)
    [stats] = texts(await baton.send("/stats"))  # the bot keeps serving
    assert "1 active" in stats


async def test_a_failed_download_is_one_line_in_the_log(baton: Harness,
                                                        caplog: pytest.LogCaptureFixture) -> None:
    await open_session(baton)
    baton.api.fail("getFile", Fault(400, "Bad Request: wrong file_id or the file is temporarily"
                                         " unavailable"))
    with caplog.at_level(logging.WARNING):
        calls = await baton.send_document("chat.txt", b"User: hi")
    assert texts(calls) == ["I couldn't download that file from Telegram; please send it again."]
    no_tracebacks(caplog)


# --- 4. pick buttons: strict parsing, stale and forged data -------------------------

FORGED = ["imp:²:0", "imp:" + "9" * 60 + ":0", "imp:5:" + "9" * 60, "imp:", "imp:x:0",
          "imp:12", "imp:-1:0", "imp:1:2:3", "imp:١:0", "imp:424242:0"]


@pytest.mark.parametrize("data", FORGED)
async def test_forged_or_unknown_pick_data_has_expired(baton: Harness, db_path: Path,
                                                       caplog: pytest.LogCaptureFixture,
                                                       data: str) -> None:
    await open_session(baton)
    calls = await baton.press(data)
    assert answers(calls) == [EXPIRED]
    assert texts(calls) == []  # no "something went wrong" either
    assert stored_turns(db_path) == []
    no_tracebacks(caplog)


async def test_a_pick_of_a_conversation_not_offered_has_expired(baton: Harness,
                                                               db_path: Path) -> None:
    await open_session(baton)
    offer = buttons(await baton.send_document("conversations.json",
                                              claude_export("First chat", "Second chat")))
    message_id = next(iter(offer.values())).split(":")[1]
    calls = await baton.press(f"imp:{message_id}:7")  # index 7 was never offered
    assert answers(calls) == [EXPIRED] and texts(calls) == []
    assert stored_turns(db_path) == []


async def test_a_pick_after_a_restart_has_expired(baton: Harness, db_path: Path) -> None:
    await open_session(baton)
    offer = buttons(await baton.send_document("conversations.json",
                                              claude_export("First chat", "Second chat")))
    await baton.restart()  # the offer lived in memory only
    calls = await baton.press(offer["First chat (6)"])
    assert answers(calls) == [EXPIRED] and texts(calls) == []
    assert stored_turns(db_path) == []
