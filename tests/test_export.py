"""Issue 9, point 8: /export sends this chat's projects as a zip, and `baton export` writes
the same zip offline from the database."""
from __future__ import annotations

import asyncio
import io
import json
import sqlite3
import tracemalloc
import zipfile
from pathlib import Path
from typing import Any

import pytest

import handlers.data_commands
from bot.cli import main
from service.export import write_export
from storage.db import Database
from tests.fake_bot_api import Call
from tests.harness import GROUP_CHAT, PRIVATE_CHAT, Harness, texts

TRANSCRIPT = "User: why does test_cart_total fail?\nAssistant: floats; use Decimal in app/cart.py"
JSON_FIELDS = ["session", "role", "author", "source", "time", "stored_at", "text"]


def forwarded() -> dict[str, Any]:
    return {"forward_origin": {"type": "user", "date": 1,
                               "sender_user": {"id": 4242, "is_bot": True, "first_name": "GPT"}}}


async def fill(baton: Harness) -> None:
    """Two projects in the private chat (names that make the same folder), one in a group."""
    await baton.send("/newproject Shop! | FastAPI backend")
    await baton.send("/startsession cart endpoints")
    await baton.send("/note keep Decimal for money")
    await baton.send("use Decimal", extra=forwarded())
    await baton.send("/complete cart persisted")
    await baton.send("/startsession checkout")
    await baton.send_document("chat.txt", TRANSCRIPT.encode())
    await baton.send("/handoff")  # a draft of session 2
    await baton.send("/newproject shop?")
    await baton.send("/newproject Other chat's", chat_id=GROUP_CHAT)
    await baton.send("/startsession", chat_id=GROUP_CHAT)
    await baton.send("/note not yours", chat_id=GROUP_CHAT)


def zip_of(call: Call) -> zipfile.ZipFile:
    name, content = call.files["document"]
    assert name.startswith("baton-export-") and name.endswith(".zip")
    return zipfile.ZipFile(io.BytesIO(content))


def jsonl(zf: zipfile.ZipFile, name: str) -> list[dict[str, Any]]:
    return [json.loads(line) for line in zf.read(name).decode("utf-8").splitlines()]


async def test_export_sends_every_project_of_the_chat(baton: Harness, db_path: Path) -> None:
    await fill(baton)
    calls = await baton.send("/export")
    [doc] = [c for c in calls if c.method == "sendDocument"]
    assert doc.text == ("Your data: 2 projects, 2 sessions, 4 turns, 2 handoffs. Each project is "
                        "a folder with project.json, turns.jsonl and its handoffs as .md.")
    zf = zip_of(doc)
    assert zf.testzip() is None
    assert sorted(zf.namelist()) == [
        "baton-export.json",
        "shop-2/project.json", "shop-2/turns.jsonl",
        "shop/handoffs/session-1-final.md", "shop/handoffs/session-2-draft.md",
        "shop/project.json", "shop/turns.jsonl",
    ]
    index = json.loads(zf.read("baton-export.json"))
    assert index["chat_id"] == PRIVATE_CHAT and index["format"] == 1
    assert index["projects"] == [{"name": "Shop!", "folder": "shop"},
                                 {"name": "shop?", "folder": "shop-2"}]

    project = json.loads(zf.read("shop/project.json"))
    assert (project["name"], project["description"]) == ("Shop!", "FastAPI backend")
    [s1, s2] = project["sessions"]
    assert (s1["number"], s1["status"], s1["objectives"], s1["notes"], s1["turns"]) == \
        (1, "completed", "cart endpoints", "cart persisted", 2)
    assert s1["started_at"] <= s1["ended_at"]
    assert (s2["number"], s2["status"], s2["ended_at"], s2["turns"]) == (2, "active", None, 2)

    turns = jsonl(zf, "shop/turns.jsonl")
    assert all(list(t) == JSON_FIELDS for t in turns)
    assert [(t["session"], t["role"], t["author"], t["source"], t["text"]) for t in turns] == [
        (1, "note", "Rina", "typed", "keep Decimal for money"),
        (1, "assistant", "GPT", "forwarded", "use Decimal"),
        (2, "user", "User", "file", "why does test_cart_total fail?"),
        (2, "assistant", "Assistant", "file", "floats; use Decimal in app/cart.py"),
    ]
    with sqlite3.connect(db_path) as conn:
        stored = conn.execute("SELECT COALESCE(t.said_at, t.created_at) FROM turns t JOIN sessions s"
                              " ON s.id = t.session_id JOIN projects p ON p.id = s.project_id"
                              " WHERE p.name = 'Shop!' ORDER BY s.number, 1, t.id").fetchall()
        handoffs = dict(conn.execute(
            "SELECT h.kind, h.markdown FROM handoffs h JOIN sessions s ON s.id = h.session_id"
            " JOIN projects p ON p.id = s.project_id WHERE p.name = 'Shop!'").fetchall())
    assert [t["time"] for t in turns] == [r[0] for r in stored]
    assert zf.read("shop/handoffs/session-1-final.md").decode() == handoffs["final"]
    assert zf.read("shop/handoffs/session-2-draft.md").decode() == handoffs["draft"]
    assert zf.read("shop-2/turns.jsonl") == b""
    assert b"not yours" not in b"".join(zf.read(n) for n in zf.namelist())


async def test_export_of_an_empty_chat(baton: Harness) -> None:
    calls = await baton.send("/export")
    assert texts(calls) == ["This chat has no projects to export yet."]
    assert not [c for c in calls if c.method == "sendDocument"]


async def test_export_over_the_upload_limit_points_to_the_cli(baton: Harness,
                                                              monkeypatch: pytest.MonkeyPatch) -> None:
    await fill(baton)
    monkeypatch.setattr(handlers.data_commands, "UPLOAD_LIMIT_BYTES", 100)
    calls = await baton.send("/export")
    [reply] = texts(calls)
    assert "more than the 50 MB a bot may send" in reply
    assert f"baton export --db FILE --chat {PRIVATE_CHAT}" in reply
    assert not [c for c in calls if c.method == "sendDocument"]


async def test_export_memory_stays_bounded(tmp_path: Path) -> None:
    """30,000 turns of 400 characters (12 MB of text) export in a fraction of that (about
    4 MB here: a batch of turns and the zip buffers)."""
    path = tmp_path / "big.db"
    db = await Database.open(path)
    turns, chars = 30_000, 400
    try:
        await db.execute("INSERT INTO projects (chat_id, name, name_key, created_at)"
                         " VALUES (5, 'Big', 'big', '2026-01-01')")
        await db.execute("INSERT INTO sessions (project_id, number, status, started_at)"
                         " VALUES (1, 1, 'active', '2026-01-01')")
        async with db.transaction() as conn:
            await conn.executemany(
                "INSERT INTO turns (session_id, role, source, text, words, created_at)"
                " VALUES (1, 'note', 'typed', ?, 1, ?)",
                [(f"{n:06d} " + "x" * (chars - 7), f"2026-01-01T00:00:{n:06d}")
                 for n in range(turns)])
        out = tmp_path / "big.zip"
        tracemalloc.start()
        try:
            with out.open("wb") as handle:
                summary = await write_export(db, 5, handle)
            _, peak = tracemalloc.get_traced_memory()
        finally:
            tracemalloc.stop()
    finally:
        await db.close()
    assert summary.turns == turns
    assert peak < turns * chars / 2, f"peak {peak / 2**20:.1f} MB"
    with zipfile.ZipFile(out) as zf, zf.open("big/turns.jsonl") as member:
        first = json.loads(member.readline())
        assert first["text"].startswith("000000 ")
        assert sum(1 for _ in member) == turns - 1


# --- baton export -------------------------------------------------------------------------

async def test_cli_writes_the_same_zip(baton: Harness, db_path: Path, tmp_path: Path,
                                       capsys: pytest.CaptureFixture[str]) -> None:
    await fill(baton)
    [doc] = [c for c in await baton.send("/export") if c.method == "sendDocument"]
    bot_zip = zip_of(doc)
    out = tmp_path / "out.zip"
    # the CLI runs its own event loop: call it from a worker thread
    code = await asyncio.to_thread(main, ["export", "--db", str(db_path), "--chat",
                                          str(PRIVATE_CHAT), "-o", str(out)])
    assert code == 0
    assert capsys.readouterr().out == (f"Wrote {out}: 2 projects, 2 sessions, 4 turns, "
                                       "2 handoffs.\n")
    with zipfile.ZipFile(out) as cli_zip:
        assert cli_zip.namelist() == bot_zip.namelist()
        for name in cli_zip.namelist():
            if name != "baton-export.json":  # it holds the time of the export
                assert cli_zip.read(name) == bot_zip.read(name), name
    group = tmp_path / "group.zip"
    code = await asyncio.to_thread(main, ["export", "--db", str(db_path),
                                          f"--chat={GROUP_CHAT}", "-o", str(group)])
    assert code == 0
    with zipfile.ZipFile(group) as zf:
        assert [t["text"] for t in jsonl(zf, "other-chat-s/turns.jsonl")] == ["not yours"]


def test_cli_refuses_what_it_cannot_export(tmp_path: Path,
                                           capsys: pytest.CaptureFixture[str]) -> None:
    missing = tmp_path / "missing.db"
    out = tmp_path / "out.zip"
    assert main(["export", "--db", str(missing), "--chat", "1", "-o", str(out)]) == 2
    assert capsys.readouterr().err == f"baton export: no database at {missing}.\n"
    assert not missing.exists() and not out.exists()

    not_sqlite = tmp_path / "notes.db"
    not_sqlite.write_text("just some text, not a database " * 100)
    assert main(["export", "--db", str(not_sqlite), "--chat", "1", "-o", str(out)]) == 2
    assert capsys.readouterr().err.startswith(f"baton export: cannot export from {not_sqlite}: ")
    assert not out.exists() and not out.with_name("out.zip.part").exists()

    empty = tmp_path / "empty.db"
    asyncio.run(_create(empty))
    assert main(["export", "--db", str(empty), "--chat", "1", "-o", str(out)]) == 1
    assert capsys.readouterr().err == f"baton export: chat 1 has no projects in {empty}.\n"
    assert not out.exists() and not out.with_name("out.zip.part").exists()

    for bad in ("²", "٣", "1_000", "abc", "9" * 30):
        with pytest.raises(SystemExit) as exit_info:
            main(["export", "--db", str(empty), "--chat", bad])
        assert exit_info.value.code == 2
        assert "chat id" in capsys.readouterr().err


async def _create(path: Path) -> None:
    db = await Database.open(path)
    await db.close()
