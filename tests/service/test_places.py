"""Places (chat_id, thread_id): each forum topic has its own active project (issue 11
point 1), on a real SQLite file without Telegram; and migration 0010 keeps the active
project a chat had."""
from __future__ import annotations

import sqlite3
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from service import capture
from service import chat_projects as cp
from service import session_admin as admin
from service import session_loop as loop
from service.capture import CaptureState, Nudge, Target
from service.runtime import Runtime
from storage import data as data_store
from storage import projects as project_store
from storage import sessions as session_store
from storage.db import Database, migration_scripts, split_statements
from storage.turn_writer import Outcome
from tests.service.stores import CHAT, OTHER_CHAT, USER, allow, opened

FRONTEND, BACKEND = 11, 22  # two forum topics; 0 is the General topic
OTHER_USER = USER + 1


async def active_name(db: Database, chat: int, thread: int = 0) -> str | None:
    project = await cp.active_project(db, chat, thread)
    return project.name if project else None


@pytest.fixture
async def db(tmp_path: Path) -> AsyncIterator[Database]:
    async with opened(tmp_path) as database:
        yield database


async def test_a_new_project_is_active_only_in_the_topic_it_was_made_in(db: Database) -> None:
    await cp.new_project(db, CHAT, "Frontend", "", USER, thread_id=FRONTEND)
    await cp.new_project(db, CHAT, "Backend", "", USER, thread_id=BACKEND)
    assert await active_name(db, CHAT, FRONTEND) == "Frontend"
    assert await active_name(db, CHAT, BACKEND) == "Backend"
    assert await cp.active_project(db, CHAT) is None  # General has none of its own
    assert await cp.active_project(db, CHAT, 33) is None  # nor has a third topic
    listed = await cp.list_projects(db, CHAT, FRONTEND)
    assert [(p.name, p.active) for p in listed] == [("Frontend", True), ("Backend", False)]
    # names stay unique per chat, whatever the topic
    assert (await cp.new_project(db, CHAT, "backend", "", USER, thread_id=FRONTEND)).outcome == "duplicate"


async def test_use_binds_a_project_of_another_topic_here_and_leaves_the_others(db: Database) -> None:
    await cp.new_project(db, CHAT, "Frontend", "", USER, thread_id=FRONTEND)
    await cp.new_project(db, CHAT, "Backend", "", USER, thread_id=BACKEND)
    assert (await cp.use_project(db, CHAT, "frontend", thread_id=0)).outcome == "switched"
    general = await cp.active_project(db, CHAT, 0)
    assert general is not None and general.name == "Frontend"
    backend = await cp.active_project(db, CHAT, BACKEND)
    assert backend is not None and backend.name == "Backend"
    assert await cp.switch_to(db, CHAT, backend.id, thread_id=FRONTEND) == "Backend"
    assert [p.active for p in await cp.list_projects(db, CHAT, FRONTEND)] == [False, True]
    assert [p.active for p in await cp.list_projects(db, CHAT, 0)] == [True, False]
    # a project bound in two places has one open session, seen from both
    await session_store.start_session(db, backend.id, "", USER)
    _, here = await session_store.chat_target(db, CHAT, FRONTEND)
    _, there = await session_store.chat_target(db, CHAT, BACKEND)
    assert here is not None and there is not None and here.id == there.id
    assert await session_store.chat_target(db, OTHER_CHAT, BACKEND) == (None, None)


async def test_renaming_acts_on_the_topic_s_project(db: Database) -> None:
    await cp.new_project(db, CHAT, "Frontend", "", USER, thread_id=FRONTEND)
    await cp.new_project(db, CHAT, "Backend", "", USER, thread_id=BACKEND)
    renamed = await cp.rename_active(db, CHAT, "Web", allow, thread_id=FRONTEND)
    assert (renamed.outcome, renamed.old, renamed.new) == ("renamed", "Frontend", "Web")
    assert await active_name(db, CHAT, BACKEND) == "Backend"
    assert (await cp.rename_active(db, CHAT, "X", allow)).outcome == "no_project"


async def test_a_supergroup_migration_moves_every_place(db: Database) -> None:
    await cp.new_project(db, CHAT, "Shop", "", USER)
    await project_store.migrate_chat(db, CHAT, OTHER_CHAT)
    moved = await cp.active_project(db, OTHER_CHAT)
    assert moved is not None and moved.name == "Shop"
    assert await cp.active_project(db, CHAT) is None


def database_at(path: Path, version: int) -> None:
    """A database as migrations 1..version left it."""
    with sqlite3.connect(path) as conn:
        conn.execute("CREATE TABLE schema_version (version INTEGER PRIMARY KEY, applied_at TEXT NOT NULL)")
        for number, _name, sql in migration_scripts():
            if number <= version:
                for statement in split_statements(sql):
                    conn.execute(statement)
                conn.execute("INSERT INTO schema_version VALUES (?, 'x')", (number,))


async def test_migration_0010_keeps_each_chat_s_active_project(tmp_path: Path) -> None:
    path = tmp_path / "baton.db"
    database_at(path, 9)
    with sqlite3.connect(path) as conn:
        for chat in (CHAT, OTHER_CHAT):
            conn.execute("INSERT INTO chats (id, created_at) VALUES (?, 'x')", (chat,))
        conn.executemany("INSERT INTO projects (id, chat_id, name, name_key, created_at)"
                         " VALUES (?, ?, ?, ?, 'x')",
                         [(1, CHAT, "Shop", "shop"), (2, CHAT, "Blog", "blog"),
                          (3, OTHER_CHAT, "Wiki", "wiki")])
        conn.execute("UPDATE chats SET active_project_id = 2 WHERE id = ?", (CHAT,))
        conn.execute("INSERT INTO sessions (id, project_id, number, status, started_at)"
                     " VALUES (1, 2, 1, 'active', 'x')")
    async with opened(tmp_path) as db:
        assert await db.schema_version() >= 10
        project, session = await session_store.chat_target(db, CHAT)
        assert project is not None and project.name == "Blog"
        assert session is not None and session.id == 1
        assert await cp.active_project(db, OTHER_CHAT) is None  # it had none
        # a writer that still sets chats.active_project_id sets thread 0
        await db.execute("UPDATE chats SET active_project_id = 1 WHERE id = ?", (CHAT,))
        assert await active_name(db, CHAT) == "Shop"


async def test_deleting_a_project_unbinds_it_everywhere(db: Database) -> None:
    await cp.new_project(db, CHAT, "Shop", "", USER, thread_id=FRONTEND)
    await cp.use_project(db, CHAT, "Shop", thread_id=BACKEND)
    shop = await cp.active_project(db, CHAT, FRONTEND)
    assert shop is not None
    assert await data_store.delete_project(db, CHAT, shop.id)
    assert await cp.active_project(db, CHAT, FRONTEND) is None
    assert await cp.active_project(db, CHAT, BACKEND) is None


async def test_each_topic_captures_into_its_own_session_and_is_nudged_on_its_own(tmp_path: Path) -> None:
    async def ignore(runtime: Runtime, outcomes: list[Outcome]) -> None:
        return None

    rt = await Runtime.open(tmp_path / "baton.db", ignore)
    try:
        db = rt.db
        state = CaptureState()
        assert await capture.find_target(rt, state, CHAT, FRONTEND, now=1.0) == Nudge(CHAT, FRONTEND, None)
        # another topic with nowhere to go is told too, not silenced by the first
        assert await capture.find_target(rt, state, CHAT, BACKEND, now=2.0) == Nudge(CHAT, BACKEND, None)
        for name, thread in (("Frontend", FRONTEND), ("Backend", BACKEND)):
            await cp.new_project(db, CHAT, name, "", USER, thread_id=thread)
            project = await cp.active_project(db, CHAT, thread)
            assert project is not None
            await session_store.start_session(db, project.id, "", USER)
        state.forget_target()
        front = await capture.find_target(rt, state, CHAT, FRONTEND)
        back = await capture.find_target(rt, state, CHAT, BACKEND)
        assert isinstance(front, Target) and isinstance(back, Target)
        assert (front.project, back.project) == ("Frontend", "Backend")
        assert front.session_id != back.session_id
        assert state.targets == {FRONTEND: front, BACKEND: back}  # both cached
        assert await capture.find_target(rt, state, CHAT, None, now=3.0) == Nudge(CHAT, None, None)
    finally:
        await rt.close()


@pytest.mark.parametrize(("args", "expected"), [
    ("@dana shipped the navbar", ("dana", "shipped the navbar")),
    ("  @Dana_2\nline one\nline two ", ("Dana_2", "line one\nline two")),
    ("@dana", ("dana", "")),
    ("shipped it for @dana", (None, "shipped it for @dana")),  # only a name said first
    ("@dana's navbar works", (None, "@dana's navbar works")),  # not a bare @username
    ("@" + "x" * 33 + " too long", (None, "@" + "x" * 33 + " too long")),
    ("", (None, "")),
])
def test_handover_takes_the_teammate_named_first(args: str, expected: tuple[str | None, str]) -> None:
    assert loop.handover(args) == expected


async def test_sessions_start_and_complete_in_their_own_topic(db: Database) -> None:
    writing = loop.Writing(budget_words=400)
    flight = loop.InFlight(set(), {})
    await cp.new_project(db, CHAT, "Frontend", "", USER, thread_id=FRONTEND)
    await cp.new_project(db, CHAT, "Backend", "", USER, thread_id=BACKEND)
    assert (await loop.start_session(db, CHAT, "", USER)).outcome == "no_project"  # General
    front = await loop.start_session(db, CHAT, "navbar", USER, thread_id=FRONTEND)
    back = await loop.start_session(db, CHAT, "schema", OTHER_USER, thread_id=BACKEND)
    assert (front.project, front.number, back.project, back.number) == ("Frontend", 1, "Backend", 1)
    async with loop.complete_session(db, CHAT, "@dana navbar done", writing, flight,
                                     thread_id=FRONTEND) as done:
        assert (done.outcome, done.project, done.teammate) == ("written", "Frontend", "dana")
    listed = await admin.list_sessions(db, CHAT, FRONTEND)
    assert [(s.number, s.status, s.about) for s in listed.sessions] == [(1, "completed", "navbar done")]
    assert (await admin.list_sessions(db, CHAT, BACKEND)).sessions[0].status == "active"
    # anyone may start the next one: nothing ties it to who started or completed the last
    again = await loop.start_session(db, CHAT, "", OTHER_USER, thread_id=FRONTEND)
    assert (again.outcome, again.number) == ("started", 2) and again.previous is not None
    draft = await loop.session_handoff(db, CHAT, None, writing, thread_id=BACKEND)
    assert draft.outcome == "document" and draft.project == "Backend"
    cancel = await admin.ask_cancel(db, CHAT, allow, set(), thread_id=BACKEND)
    assert (cancel.outcome, cancel.project) == ("cancelled", "Backend")  # no turns: at once
