"""Issue 9, point 8: /deleteproject, /forget, /cancel, /rename, /sessions through the real
Application, and the deleted text gone from the SQLite files."""
from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any

from storage import sessions as session_store
from storage.db import Database, migration_scripts, split_statements
from tests.fake_bot_api import Call
from tests.harness import FRIEND_ID, GROUP_CHAT, OWNER_ID, Harness, open_session, stored_turns, texts

MARKER = "TEST-ONLY-forgotten-secret-9f3e1c"  # stands for a secret forwarded by mistake


def forwarded() -> dict[str, Any]:
    return {"forward_origin": {"type": "user", "date": 1,
                               "sender_user": {"id": 4242, "is_bot": True, "first_name": "GPT"}}}


def buttons(call: Call) -> list[tuple[str, str]]:
    rows = call.params["reply_markup"]["inline_keyboard"]
    return [(b["text"], b["callback_data"]) for row in rows for b in row]


def answer_of(calls: list[Call]) -> Call:
    [answer] = [c for c in calls if c.method == "answerCallbackQuery"]
    return answer


def file_bytes(db_path: Path) -> bytes:
    """The raw database and write-ahead log, as an attacker with the disk would read them."""
    wal = db_path.with_name(db_path.name + "-wal")
    return db_path.read_bytes() + (wal.read_bytes() if wal.exists() else b"")


async def like_a_build_without_secure_delete(baton: Harness) -> None:
    """This SQLite is compiled with SECURE_DELETE on; many are not. Turn it off so the
    tests show that the deletes switch it on themselves."""
    assert baton.app is not None
    await baton.app.bot_data.database.conn.execute("PRAGMA secure_delete = OFF")


def session_status(db_path: Path) -> list[tuple[int, str]]:
    with sqlite3.connect(db_path) as conn:
        return conn.execute("SELECT number, status FROM sessions ORDER BY id").fetchall()


# --- /sessions ----------------------------------------------------------------------------

async def test_sessions_lists_number_dates_turns_and_outcome(baton: Harness) -> None:
    await baton.send("/newproject Shop")
    await baton.send("/startsession cart endpoints")
    await baton.send("/note keep Decimal for money")
    await baton.send("/note totals are per line")
    await baton.send("/complete cart persisted in Postgres")
    await baton.send("/startsession checkout & <Stripe>")
    [listing] = texts(await baton.send("/sessions"))
    lines = listing.split("\n")
    assert lines[0] == "<b>Shop</b> — 2 sessions, newest first"
    assert lines[1].startswith("<b>#2</b> · 20") and \
        lines[1].endswith(" · open · 0 turns · checkout &amp; &lt;Stripe&gt;")
    assert lines[2].startswith("<b>#1</b> · 20") and \
        lines[2].endswith(" · completed, handoff · 2 turns · cart persisted in Postgres")


async def test_sessions_without_project_or_sessions(baton: Harness) -> None:
    [none] = texts(await baton.send("/sessions"))
    assert "No active project" in none
    await baton.send("/newproject Shop")
    [empty] = texts(await baton.send("/sessions"))
    assert empty == "<b>Shop</b> has no sessions yet: start one with /startsession."


async def test_many_sessions_stay_in_one_message(baton: Harness) -> None:
    await baton.send("/newproject Shop")
    assert baton.app is not None
    db = baton.app.bot_data.database
    [(project_id,)] = [(r["id"],) for r in await db.fetchall("SELECT id FROM projects")]
    for n in range(120):
        session = await session_store.start_session(db, project_id, f"objective {n} " + "x" * 300,
                                                    OWNER_ID)
        await session_store.cancel_session(db, session.id)
    calls = await baton.send("/sessions")
    [listing] = [c for c in calls if c.method == "sendMessage"]
    assert len(listing.text) <= 4096
    assert listing.text.split("\n")[1].startswith("<b>#120</b>")
    shown = listing.text.count("<b>#")
    assert 10 < shown < 120
    assert listing.text.endswith(f"… and {120 - shown} earlier sessions: /export has them all.")


# --- /rename ------------------------------------------------------------------------------

async def test_rename_follows_the_name_rules(baton: Harness) -> None:
    await baton.send("/newproject Shop")
    await baton.send("/newproject Blog")
    [taken] = texts(await baton.send("/rename  shop "))
    assert taken == "This chat already has a project called <b>shop</b>; pick another name."
    [empty] = texts(await baton.send("/rename"))
    assert "Give the new name" in empty
    [long] = texts(await baton.send("/rename " + "y" * 65))
    assert "65 characters" in long
    [pipe] = texts(await baton.send("/rename Blog | with a description"))
    assert "cannot contain" in pipe
    [case] = texts(await baton.send("/rename BLOG"))
    assert case == "Renamed <b>Blog</b> to <b>BLOG</b>."
    [done] = texts(await baton.send("/rename Blog <&> v2"))
    assert done == "Renamed <b>BLOG</b> to <b>Blog &lt;&amp;&gt; v2</b>."
    [listing] = texts(await baton.send("/projects"))
    assert "<b>Blog &lt;&amp;&gt; v2</b> — 0 sessions (active)" in listing


async def test_rename_reaches_the_acknowledgement(baton: Harness) -> None:
    await open_session(baton, name="Shop")
    await baton.send("first", extra=forwarded())  # caches the chat's project
    await baton.send("/rename Store")
    calls = await baton.send("second", extra=forwarded())
    assert any("session 1 of <b>Store</b>" in t for t in texts(calls))


# --- /cancel ------------------------------------------------------------------------------

async def test_cancel_an_empty_session_needs_no_question(baton: Harness, db_path: Path) -> None:
    await open_session(baton)
    [done] = texts(await baton.send("/cancel"))
    assert done == ("Cancelled session 1 of <b>Shop</b>: no handoff was made. "
                    "/startsession opens the next one.")
    assert session_status(db_path) == [(1, "cancelled")]
    [again] = texts(await baton.send("/cancel"))
    assert again == "<b>Shop</b> has no open session to cancel."
    [none] = texts(await baton.send("/handoff 1"))  # no handoff is made of it later either
    assert none == ("Session 1 of <b>Shop</b> was cancelled: it has no handoff "
                    "(/export has its turns).")


async def test_cancel_asks_first_and_keeps_the_turns(baton: Harness, db_path: Path) -> None:
    await open_session(baton)
    await baton.send("/note the cart uses Decimal")
    calls = await baton.send("/cancel")
    [question] = [c for c in calls if c.method == "sendMessage"]
    assert question.text.startswith("Cancel session 1 of <b>Shop</b> without a handoff? Its 1 turn")
    (keep_label, keep), (yes_label, yes) = buttons(question)[1], buttons(question)[0]
    assert (yes_label, keep_label) == ("Cancel session", "Keep it open")
    kept = await baton.press(keep)
    assert answer_of(kept).params["text"] == "Kept open."
    assert session_status(db_path) == [(1, "active")]
    # the question was answered: both its buttons are spent
    stale = await baton.press(yes)
    assert answer_of(stale).params["text"] == "That button has expired."
    assert session_status(db_path) == [(1, "active")]

    [question] = [c for c in await baton.send("/cancel") if c.method == "sendMessage"]
    pressed = await baton.press(buttons(question)[0][1])
    assert answer_of(pressed).params["text"] == "Cancelled."
    [edited] = [c for c in pressed if c.method == "editMessageText"]
    assert edited.text.startswith("Cancelled session 1 of <b>Shop</b>")
    assert session_status(db_path) == [(1, "cancelled")]
    assert stored_turns(db_path) == [("note", "Rina", "typed", "the cart uses Decimal")]
    # nothing lands in a cancelled session, and the next session is number 2
    [nudge] = texts(await baton.send("late", extra=forwarded()))
    assert "has no open session" in nudge
    [started] = texts(await baton.send("/startsession"))
    assert started.startswith("Session 2 of <b>Shop</b> started.")
    [listing] = texts(await baton.send("/sessions"))
    assert " · cancelled · 1 turn" in listing


async def test_stale_and_forged_buttons_are_answered(baton: Harness) -> None:
    await open_session(baton)
    for data in ("data:²:yes", "data:" + "9" * 60 + ":yes", "data:", "data:1", "data:1:maybe",
                 "data:-1:yes", "data:7:no"):
        calls = await baton.press(data)
        assert answer_of(calls).params["text"] == "That button has expired.", data
    # a question asked before a restart is gone with the process
    await baton.send("/note something")
    [question] = [c for c in await baton.send("/cancel") if c.method == "sendMessage"]
    await baton.restart()
    calls = await baton.press(buttons(question)[0][1])
    assert answer_of(calls).params["text"] == "That button has expired."


# --- /deleteproject -----------------------------------------------------------------------

def leftovers(db_path: Path) -> dict[str, int]:
    """Rows, in any table, that point at a project, session or turn that no longer exists."""
    found: dict[str, int] = {}
    parents = {"project_id": "projects", "session_id": "sessions", "turn_id": "turns",
               "handoff_id": "handoffs", "active_project_id": "projects"}
    with sqlite3.connect(db_path) as conn:
        tables = [r[0] for r in conn.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'")]
        for table in tables:
            columns = {r[1] for r in conn.execute(f"PRAGMA table_info({table})")}
            links = {(r[3], r[2]) for r in conn.execute(f"PRAGMA foreign_key_list({table})")}
            links |= {(c, parents[c]) for c in columns if c in parents}
            for column, parent in links:
                orphans = conn.execute(
                    f"SELECT COUNT(*) FROM {table} WHERE {column} IS NOT NULL"
                    f" AND {column} NOT IN (SELECT id FROM {parent})").fetchone()[0]
                if orphans:
                    found[f"{table}.{column}"] = orphans
    return found


def counts(db_path: Path) -> dict[str, int]:
    with sqlite3.connect(db_path) as conn:
        tables = [r[0] for r in conn.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
            " AND name NOT IN ('schema_version', 'chats')")]
        return {t: conn.execute(f"SELECT COUNT(*) FROM {t}").fetchone()[0] for t in tables}


async def test_deleteproject_removes_everything_and_leaves_no_trace(baton: Harness,
                                                                    db_path: Path) -> None:
    # another chat's project must come through untouched
    await open_session(baton, chat_id=GROUP_CHAT, name="Kept")
    await baton.send("/note the other chat's work", chat_id=GROUP_CHAT)
    await baton.send("/complete fine", chat_id=GROUP_CHAT)
    before_other = counts(db_path)

    await like_a_build_without_secure_delete(baton)
    await open_session(baton, name="Doomed")
    await baton.send(f"the key is {MARKER}", extra=forwarded())
    await baton.send_document("chat.txt", f"User: where is it\nAssistant: in {MARKER}".encode())
    await baton.send(f"/complete rotated {MARKER}")
    await baton.send("/startsession")
    await baton.send(f"/note again {MARKER}")
    await baton.send("/handoff")  # a draft handoff of session 2
    assert MARKER.encode() in file_bytes(db_path)  # the test can fail: it is there now
    assert all(n > before_other[t] for t, n in counts(db_path).items()
               if t in ("sessions", "turns", "handoffs", "generations", "imports"))

    calls = await baton.send("/deleteproject doomed")
    [question] = [c for c in calls if c.method == "sendMessage"]
    assert question.text == ("Delete <b>Doomed</b> with its 2 sessions, 4 turns and 2 handoffs? "
                             "This cannot be undone; /export first keeps a copy.")
    assert [label for label, _ in buttons(question)] == ["Delete", "Keep"]
    kept = await baton.press(buttons(question)[1][1])
    assert answer_of(kept).params["text"] == "Kept."
    assert MARKER.encode() in file_bytes(db_path)

    [question] = [c for c in await baton.send("/deleteproject Doomed") if c.method == "sendMessage"]
    [second] = [c for c in await baton.send("/deleteproject Doomed") if c.method == "sendMessage"]
    deleted = await baton.press(buttons(question)[0][1])
    assert answer_of(deleted).params["text"] == "Deleted."
    [edited] = [c for c in deleted if c.method == "editMessageText"]
    assert edited.text == ("Deleted <b>Doomed</b>: 2 sessions, 4 turns and 2 handoffs are gone.")

    assert MARKER.encode() not in file_bytes(db_path)
    assert leftovers(db_path) == {}
    assert counts(db_path) == before_other
    [stats] = texts(await baton.send("/stats"))
    assert "No active project" in stats
    [nothing] = texts(await baton.send("late", extra=forwarded()))
    assert "No active project" in nothing
    again = await baton.press(buttons(question)[0][1])
    assert answer_of(again).params["text"] == "That button has expired."
    # a project that gets the deleted one's id is not deleted by the other, older question
    await baton.send("/newproject Newcomer")
    other = await baton.press(buttons(second)[0][1])
    assert answer_of(other).params["text"] == "That button has expired."
    [listing] = texts(await baton.send("/projects"))
    assert "Newcomer" in listing
    # the bot keeps working on the same files, and the other chat still has its project
    await baton.restart()
    [listing] = texts(await baton.send("/sessions", chat_id=GROUP_CHAT))
    assert "<b>Kept</b> — 1 session" in listing


async def test_deleteproject_needs_an_existing_name(baton: Harness) -> None:
    [bare] = texts(await baton.send("/deleteproject"))
    assert "Say which project" in bare
    [missing] = texts(await baton.send("/deleteproject <Nope>"))
    assert missing == "No project called <b>&lt;Nope&gt;</b> in this chat; /projects lists them."


# --- /forget ------------------------------------------------------------------------------

def reply_to(message: dict[str, Any]) -> dict[str, Any]:
    return {"reply_to_message": message}


async def test_forget_deletes_the_replied_turn_for_good(baton: Harness, db_path: Path) -> None:
    await like_a_build_without_secure_delete(baton)
    await open_session(baton)
    kept = baton.message_json("kept answer", extra=forwarded())
    secret = baton.message_json(f"token {MARKER}", extra=forwarded())
    await baton.process({"message": kept})
    await baton.process({"message": secret})
    await baton.settle()
    assert MARKER.encode() in file_bytes(db_path)
    [done] = texts(await baton.send("/forget", extra=reply_to(secret)))
    assert done == "Forgot that message: 1 turn removed from session 1 of <b>Shop</b>."
    assert [t[3] for t in stored_turns(db_path)] == ["kept answer"]
    assert MARKER.encode() not in file_bytes(db_path)
    [again] = texts(await baton.send("/forget", extra=reply_to(secret)))
    assert again == "Nothing was stored for that message."


async def test_forget_needs_a_reply_to_something_stored(baton: Harness) -> None:
    await open_session(baton)
    [bare] = texts(await baton.send("/forget"))
    assert bare == "Reply /forget to the message you want me to forget."
    bot_message = baton.message_json("✓ Saved 1 message", user_id=7000001)
    [nothing] = texts(await baton.send("/forget", extra=reply_to(bot_message)))
    assert nothing == "Nothing was stored for that message."


async def test_forget_a_later_fragment_of_a_stitched_paste(baton: Harness,
                                                           db_path: Path) -> None:
    await open_session(baton)
    fragments = [baton.message_json(f"User: part one of the paste {n}\nAssistant: reply {n} "
                                    f"{MARKER if n == 1 else ''}") for n in range(3)]
    for fragment in fragments:
        await baton.process({"message": fragment})
    await baton.settle()
    before = stored_turns(db_path)
    assert len(before) == 6 and all(t[2] == "pasted" for t in before)
    [done] = texts(await baton.send("/forget", extra=reply_to(fragments[2])))
    assert done == "Forgot that message: 6 turns removed from session 1 of <b>Shop</b>."
    assert stored_turns(db_path) == []
    assert MARKER.encode() not in file_bytes(db_path)


async def test_forget_does_not_take_a_neighbour_for_a_fragment(baton: Harness,
                                                               db_path: Path) -> None:
    await open_session(baton)
    await baton.send("User: a pasted question here\nAssistant: a pasted answer here")
    unrelated = baton.message_json("a message nobody stored, no markers at all")
    [nothing] = texts(await baton.send("/forget", extra=reply_to(unrelated)))
    assert nothing == "Nothing was stored for that message."
    assert len(stored_turns(db_path)) == 2


async def test_forget_an_imported_file(baton: Harness, db_path: Path) -> None:
    await open_session(baton)
    body = f"User: where is the key\nAssistant: it is {MARKER}".encode()
    [imported] = texts(await baton.send_document("chat.txt", body, message_id=500))
    assert imported.startswith("Imported 2 turns")
    document = baton.message_json(message_id=500)
    [done] = texts(await baton.send("/forget", extra=reply_to(document)))
    assert done == "Forgot that message: 2 turns removed from session 1 of <b>Shop</b>."
    assert stored_turns(db_path) == []
    with sqlite3.connect(db_path) as conn:
        assert conn.execute("SELECT COUNT(*) FROM imports").fetchone()[0] == 0
    # the same file can be imported again, rather than being "already in this session"
    [again] = texts(await baton.send_document("chat.txt", body, message_id=501))
    assert again.startswith("Imported 2 turns")


async def test_forget_says_when_a_handoff_still_quotes_it(baton: Harness) -> None:
    await open_session(baton)
    secret = baton.message_json(f"The deploy key is {MARKER} for prod", extra=forwarded())
    await baton.process({"message": secret})
    await baton.settle()
    await baton.send("/handoff")
    [done] = texts(await baton.send("/forget", extra=reply_to(secret)))
    assert done.endswith("1 stored handoff still quote it; /deleteproject removes those too.")


# --- groups -------------------------------------------------------------------------------

async def test_in_groups_only_admins_and_the_creator_manage(baton: Harness,
                                                            db_path: Path) -> None:
    await open_session(baton, chat_id=GROUP_CHAT, name="Team")  # created by OWNER_ID
    await baton.send("/note shared work", chat_id=GROUP_CHAT)
    refusal = "In a group, only its admins and the project's creator can do that."
    for command in ("/rename Mine", "/cancel", "/deleteproject Team"):
        [refused] = texts(await baton.send(command, chat_id=GROUP_CHAT, user_id=FRIEND_ID))
        assert refused == refusal, command
    # the creator asks; a plain member cannot press the creator's button
    [question] = [c for c in await baton.send("/deleteproject Team", chat_id=GROUP_CHAT)
                  if c.method == "sendMessage"]
    pressed = await baton.press(buttons(question)[0][1], chat_id=GROUP_CHAT, user_id=FRIEND_ID)
    assert answer_of(pressed).params["text"] == refusal
    assert session_status(db_path) == [(1, "active")]
    # an admin may
    baton.api.admins[GROUP_CHAT] = {FRIEND_ID}
    [renamed] = texts(await baton.send("/rename Team v2", chat_id=GROUP_CHAT, user_id=FRIEND_ID))
    assert renamed == "Renamed <b>Team</b> to <b>Team v2</b>."
    pressed = await baton.press(buttons(question)[0][1], chat_id=GROUP_CHAT, user_id=FRIEND_ID)
    assert answer_of(pressed).params["text"] == "Deleted."
    assert session_status(db_path) == []
    assert any(c.method == "getChatMember" for c in baton.api.calls)


async def test_in_groups_forget_is_for_the_sender(baton: Harness, db_path: Path) -> None:
    await open_session(baton, chat_id=GROUP_CHAT, name="Team")
    mine = baton.message_json("/note my own note", chat_id=GROUP_CHAT, user_id=FRIEND_ID)
    await baton.process({"message": mine})
    await baton.settle()
    owners = baton.message_json("/note the owner's note", chat_id=GROUP_CHAT)
    await baton.process({"message": owners})
    await baton.settle()
    [refused] = texts(await baton.send("/forget", chat_id=GROUP_CHAT, user_id=FRIEND_ID,
                                       extra=reply_to(owners)))
    assert refused.startswith("In a group, only the message's sender")
    [done] = texts(await baton.send("/forget", chat_id=GROUP_CHAT, user_id=FRIEND_ID,
                                    extra=reply_to(mine)))
    assert done.startswith("Forgot that message")
    assert [t[3] for t in stored_turns(db_path)] == ["the owner's note"]


# --- migration 0008 -----------------------------------------------------------------------

async def test_cancelled_status_on_a_database_built_by_earlier_migrations(tmp_path: Path) -> None:
    path = tmp_path / "old.db"
    with sqlite3.connect(path, isolation_level=None) as conn:
        conn.execute("CREATE TABLE schema_version (version INTEGER PRIMARY KEY, applied_at TEXT NOT NULL)")
        for version, _name, sql in migration_scripts():
            if version >= 8:
                break
            for statement in split_statements(sql):
                conn.execute(statement)
            conn.execute("INSERT INTO schema_version VALUES (?, 'then')", (version,))
        conn.execute("INSERT INTO projects (chat_id, name, name_key, created_at)"
                     " VALUES (1, 'Shop', 'shop', 'then')")
        conn.execute("INSERT INTO sessions (project_id, number, status, started_at)"
                     " VALUES (1, 1, 'active', 'then')")
        conn.execute("INSERT INTO turns (session_id, role, source, text, words, created_at)"
                     " VALUES (1, 'note', 'typed', 'kept through the migration', 5, 'then')")
    db = await Database.open(path)
    try:
        assert await db.schema_version() >= 8
        assert (await db.fetchone("PRAGMA integrity_check"))[0] == "ok"  # type: ignore[index]
        assert await session_store.cancel_session(db, 1) is not None
        rows = await db.fetchall("SELECT text FROM turns")
        assert [r["text"] for r in rows] == ["kept through the migration"]
        try:
            await db.execute("UPDATE sessions SET status = 'bogus'")
        except sqlite3.IntegrityError:
            pass
        else:
            raise AssertionError("the CHECK constraint no longer holds")
    finally:
        await db.close()
