"""Issue 8, point 5: imported turns keep their own time and a session is read in that order,
so the last request is the person's latest in the conversation's own time, not whatever
file arrived last."""
from __future__ import annotations

import sqlite3
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

import service.offline as offline
from handoff.types import SessionIn
from service.handoff_making import load_session
from storage.db import Database, migration_scripts, split_statements
from storage.import_records import import_turns
from storage.models import NewTurn, Session
from storage.turns import insert_turns, iter_turns
from tests.harness import Harness, open_session, texts

DATA = Path(__file__).resolve().parent / "data" / "time_order"
NEWER_LAST_REQUEST = ("Now add the webhook handler at /webhooks/stripe and test it with "
                      "stripe trigger payment_intent.succeeded")
OLDER_LAST_REQUEST = "Which trail is better for a rainy Saturday?"
UTC = UTC


async def session_texts(db_path: Path) -> list[str]:
    """The open session's turns as the storage query reads them back."""
    db = await Database.open(db_path)
    try:
        row = await db.fetchone("SELECT id FROM sessions WHERE status = 'active'")
        assert row is not None
        return [t.text async for t in iter_turns(db, row["id"])]
    finally:
        await db.close()


async def test_older_conversation_imported_last_is_read_first(baton: Harness,
                                                              db_path: Path) -> None:
    await open_session(baton)
    [newer] = texts(await baton.send_document(
        "conversations.json", (DATA / "chatgpt_newer.json").read_bytes()))
    assert newer.startswith("Imported 5 turns") and "'Stripe checkout'" in newer
    [older] = texts(await baton.send_document(
        "conversations.json", (DATA / "claude_older.json").read_bytes()))
    assert older.startswith("Imported 5 turns") and "'Weekend hiking plans'" in older

    with sqlite3.connect(db_path) as conn:  # by arrival, the hike came last...
        arrival = [r[0] for r in conn.execute("SELECT text FROM turns ORDER BY id")]
    assert arrival[-1] == OLDER_LAST_REQUEST
    read = await session_texts(db_path)  # ...in the conversations' own time, it came first
    assert read[0] == "Suggest a hike near the lake for Saturday."
    assert read[4] == OLDER_LAST_REQUEST
    assert read[5].startswith("Let's add Stripe checkout")
    # the ChatGPT turn with no create_time stays where it was said
    assert read[7:9] == ["Done, the checkout page redirects to Stripe now.",
                         "Good. Next, verify webhooks with stripe.Webhook.construct_event."]
    assert read[-1] == NEWER_LAST_REQUEST
    assert sorted(read) == sorted(arrival)

    # typed now, so after everything said in 2024
    await baton.send("note: remember the refund flow")
    assert (await session_texts(db_path))[-1] == "note: remember the refund flow"

    calls = await baton.send("/complete")
    [doc] = [c for c in calls if c.method == "sendDocument"]
    markdown = doc.document[1]  # type: ignore[index]
    assert NEWER_LAST_REQUEST in markdown


async def test_handoff_turns_carry_their_own_time(baton: Harness, db_path: Path) -> None:
    await open_session(baton)
    await baton.send("typed before the imports")
    await baton.send_document("conversations.json", (DATA / "chatgpt_newer.json").read_bytes())
    await baton.send_document("result.json", (DATA / "telegram_result.json").read_bytes())
    db = await Database.open(db_path)
    try:
        row = await db.fetchone("SELECT * FROM sessions WHERE status = 'active'")
        assert row is not None
        loaded = await load_session(db, Session.from_row(row))
    finally:
        await db.close()
    times = [t.created_at for t in loaded.turns]
    assert all(t is not None and t.tzinfo is not None for t in times)
    assert times == sorted(times)  # type: ignore[type-var]
    assert [t.text for t in loaded.turns][:3] == [
        "Deploy is at 15:00.", "Run `make deploy` first", "ok"]  # March before June
    assert loaded.turns[0].created_at == datetime(2024, 3, 10, 10, 0, tzinfo=UTC)
    assert loaded.turns[-1].text == "typed before the imports"  # said today


async def test_reading_pages_by_time_then_id(tmp_path: Path) -> None:
    """The paging query keeps the order across batches, ties included."""
    db = await Database.open(tmp_path / "t.db")
    try:
        await db.execute("INSERT INTO projects (chat_id, name, name_key, created_at)"
                         " VALUES (1, 'p', 'p', '2026-01-01T00:00:00+00:00')")
        session_id = await db.execute(
            "INSERT INTO sessions (project_id, number, status, started_at)"
            " VALUES (1, 1, 'active', '2026-01-01T00:00:00+00:00')")
        at = [datetime(2024, 5, 1, 12, tzinfo=UTC), None, datetime(2024, 5, 1, 11, tzinfo=UTC),
              datetime(2024, 5, 1, 12, tzinfo=UTC), datetime(2023, 1, 1, tzinfo=UTC)]
        names = ["noon-a", "untimed", "eleven", "noon-b", "last year"]
        turns = [NewTurn("user", "", "file", name, 7, 1, i) for i, name in enumerate(names)]
        assert await import_turns(db, session_id, "d1", "t", turns, at) == 5
        async with db.transaction() as conn:  # a typed turn: no own time, ordered by arrival
            await insert_turns(conn, session_id, [NewTurn("note", "", "typed", "typed", 7, 2)])
        expected = ["last year", "eleven", "noon-a", "noon-b", "untimed", "typed"]
        for batch in (1, 2, 3, 2000):
            assert [t.text async for t in iter_turns(db, session_id, batch=batch)] == expected
        with pytest.raises(ValueError):
            await import_turns(db, session_id, "d2", "t", turns, at[:2])
    finally:
        await db.close()


async def test_migration_keeps_existing_turns(tmp_path: Path) -> None:
    """A database from before the said_at column upgrades; its turns read by arrival."""
    path = tmp_path / "old.db"
    with sqlite3.connect(path) as conn:
        conn.execute("CREATE TABLE schema_version (version INTEGER PRIMARY KEY,"
                     " applied_at TEXT NOT NULL)")
        for version, _name, sql in migration_scripts():
            if version < 5:
                for statement in split_statements(sql):
                    conn.execute(statement)
                conn.execute("INSERT INTO schema_version VALUES (?, 'x')", (version,))
        conn.execute("INSERT INTO projects (id, chat_id, name, name_key, created_at)"
                     " VALUES (1, 1, 'p', 'p', 'x')")
        conn.execute("INSERT INTO sessions (id, project_id, number, status, started_at)"
                     " VALUES (1, 1, 1, 'active', 'x')")
        for text in ["first", "second"]:
            conn.execute("INSERT INTO turns (session_id, role, source, text, words, created_at)"
                         " VALUES (1, 'note', 'typed', ?, 1, '2026-01-01T00:00:00+00:00')", (text,))
    db = await Database.open(path)
    try:
        assert await db.schema_version() >= 5
        turns = [t async for t in iter_turns(db, 1)]
        assert [(t.text, t.said_at, t.at) for t in turns] == [
            ("first", None, "2026-01-01T00:00:00+00:00"),
            ("second", None, "2026-01-01T00:00:00+00:00")]
    finally:
        await db.close()


async def capture_session(monkeypatch: pytest.MonkeyPatch, path: Path) -> SessionIn:
    seen: list[SessionIn] = []
    real = getattr(offline, "write_handoff")  # noqa: B009 - imported there, not exported

    async def spy(client: Any, settings: Any, project: Any, session: SessionIn,
                  *args: Any, **kwargs: Any) -> Any:
        seen.append(session)
        return await real(client, settings, project, session, *args, **kwargs)

    monkeypatch.setattr(offline, "write_handoff", spy)
    await offline.handoff_from_file(path)
    [session] = seen
    return session


async def test_offline_turns_in_their_own_time(monkeypatch: pytest.MonkeyPatch,
                                               tmp_path: Path) -> None:
    path = tmp_path / "result.json"
    raw = (DATA / "telegram_result.json").read_text(encoding="utf-8")
    # a hand-merged export whose messages are not in time order
    path.write_text(raw.replace('"date_unixtime": "1710064800"', '"date_unixtime": "1710065400"'),
                    encoding="utf-8")
    session = await capture_session(monkeypatch, path)
    assert [(t.text, t.created_at) for t in session.turns] == [
        ("Run `make deploy` first", datetime(2024, 3, 10, 10, 2, tzinfo=UTC)),
        ("ok", datetime(2024, 3, 10, 10, 5, 30, tzinfo=UTC)),
        ("Deploy is at 15:00.", datetime(2024, 3, 10, 10, 10, tzinfo=UTC)),
    ]


async def test_offline_openhands_and_pasted(monkeypatch: pytest.MonkeyPatch,
                                            tmp_path: Path) -> None:
    session = await capture_session(monkeypatch, DATA / "openhands_traj.json")
    assert [t.role for t in session.turns] == ["user", "assistant", "tool", "assistant"]
    # the observation without a timestamp keeps its place, with the time before it
    assert session.turns[2].created_at == session.turns[1].created_at
    monkeypatch.undo()
    text = tmp_path / "chat.txt"
    text.write_text("User: second\nAssistant: reply\nUser: third", encoding="utf-8")
    pasted = await capture_session(monkeypatch, text)
    assert [(t.text, t.created_at) for t in pasted.turns] == [
        ("second", None), ("reply", None), ("third", None)]
