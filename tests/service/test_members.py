"""Members, quiet groups and what groups capture, without Telegram (issue 11 points 3-5):
per-member numbers on a real SQLite file, who started and completed a session, the team a
group handoff names, migration 0012 on an older database, and the capture/ack rules."""
from __future__ import annotations

import sqlite3
from pathlib import Path

from service import groups, members
from service.capture import CaptureState
from service.handoff_making import make_handoff, project_in
from service.runtime import Runtime
from storage import projects as project_store
from storage import sessions as session_store
from storage.db import Database, migration_scripts, split_statements
from storage.models import NewTurn, Project
from storage.stats import MemberStats, project_members
from storage.turns import insert_turns
from tests.service.stores import opened

GROUP = -100500
ANA, BEN = 11, 12


async def group_project(db: Database, chat_id: int = GROUP) -> Project:
    return await project_store.create_project(db, chat_id, "Team Site", "", ANA)


async def say(db: Database, session_id: int, *turns: tuple[str, str, str, str]) -> None:
    """(role, author, source, text) turns, each its own Telegram message."""
    async with db.transaction() as conn:
        await insert_turns(conn, session_id, [
            NewTurn(role, author, source, text, GROUP, 100 + i)  # type: ignore[arg-type]
            for i, (role, author, source, text) in enumerate(turns)])


async def test_members_count_turns_words_and_sessions(tmp_path: Path) -> None:
    async with opened(tmp_path) as db:
        project = await group_project(db)
        rt = Runtime(db, None)  # type: ignore[arg-type]
        session = await session_store.start_session(db, project.id, "", ANA)
        await members.started(rt, GROUP, ANA, "Ana")
        await say(db, session.id,
                  ("note", "Ana", "typed", "one two three"),
                  ("user", "Ben", "forwarded", "four five"),
                  ("assistant", "GPT", "forwarded", "the AI is not a member"),
                  ("user", "You", "file", "an export's user is not a member"),
                  ("user", "You", "pasted", "a pasted 'You said:' is no member either"))
        assert await project_members(db, project.id) == [
            MemberStats("Ana", turns=1, words=3, started=1),
            MemberStats("Ben", turns=1, words=2)]

        state = CaptureState()
        await members.completing(rt, state, GROUP, None, BEN, "Ben")
        assert state.nudged == CaptureState().nudged  # looking up the session told nobody
        await session_store.complete_session(db, session.id, "")
        [ana, ben] = await project_members(db, project.id)
        assert (ana.completed, ben.completed) == (0, 1)

        await db.execute("DELETE FROM turns WHERE author = 'Ana'")  # /forget: counts follow
        assert [m.name for m in await project_members(db, project.id)] == ["Ben", "Ana"]
        assert (await project_members(db, project.id))[1].turns == 0


async def test_a_cancelled_session_is_not_completed_by_anyone(tmp_path: Path) -> None:
    async with opened(tmp_path) as db:
        project = await group_project(db)
        rt = Runtime(db, None)  # type: ignore[arg-type]
        await session_store.start_session(db, project.id, "", ANA)
        await members.completing(rt, CaptureState(), GROUP, None, BEN, "Ben")
        open_session = await session_store.active_session(db, project.id)
        assert open_session is not None
        await session_store.cancel_session(db, open_session.id)
        assert await project_members(db, project.id) == []  # nobody named ANA's start yet


async def test_the_handoff_of_a_group_project_names_its_team(tmp_path: Path) -> None:
    async with opened(tmp_path) as db:
        project = await group_project(db)
        session = await session_store.start_session(db, project.id, "", ANA)
        await say(db, session.id, ("note", "Ana", "typed", "hero image in assets/hero.png"),
                  ("note", "Ben", "typed", "tests with npm test"),
                  ("note", "Ana", "typed", "navbar in components/Navbar.tsx"))
        assert (await project_in(db, project)).team == ("Ana", "Ben")
        handoff, _ = await make_handoff(db, project, session, kind="draft", budget_words=400)
        assert "with the Team Site team: Ana, Ben." in handoff.markdown
        assert " with Ana." not in handoff.markdown

        private = await group_project(db, chat_id=ANA)  # a private chat: one person, no team
        assert (await project_in(db, private)).team == ()


async def test_migration_0012_counts_what_an_older_database_holds(tmp_path: Path) -> None:
    path = tmp_path / "old.db"
    with sqlite3.connect(path, isolation_level=None) as conn:
        conn.execute("CREATE TABLE schema_version (version INTEGER PRIMARY KEY, applied_at TEXT NOT NULL)")
        for version, _name, sql in migration_scripts():
            if version >= 12:
                break
            for statement in split_statements(sql):
                conn.execute(statement)
            conn.execute("INSERT INTO schema_version VALUES (?, 'then')", (version,))
        conn.execute("INSERT INTO projects (chat_id, name, name_key, created_at)"
                     " VALUES (-5, 'Team', 'team', 'then')")
        conn.execute("INSERT INTO sessions (project_id, number, status, started_by, started_at,"
                     " completed_at) VALUES (1, 1, 'completed', 11, 'then', 'then')")
        for author, text in (("Ana", "one two"), ("Ana", "three"), ("Ben", "four")):
            conn.execute("INSERT INTO turns (session_id, role, author, source, text, words,"
                         " created_at) VALUES (1, 'note', ?, 'typed', ?, ?, 'then')",
                         (author, text, len(text.split())))
    db = await Database.open(path)
    try:
        assert await db.schema_version() >= 12
        assert await project_members(db, 1) == [MemberStats("Ana", 2, 3), MemberStats("Ben", 1, 1)]
        await members.started(Runtime(db, None), -5, 11, "Ana")  # type: ignore[arg-type]
        assert (await project_members(db, 1))[0].started == 1  # named at Ana's next start
    finally:
        await db.close()


def test_what_groups_capture() -> None:
    for kind in ("forwards", "all"):  # private chats keep everything
        assert groups.keeps(7, kind, forwarded=False, to_bot=False)
    assert not groups.keeps(GROUP, "forwards", forwarded=False, to_bot=False)
    assert groups.keeps(GROUP, "forwards", forwarded=True, to_bot=False)
    assert groups.keeps(GROUP, "forwards", forwarded=False, to_bot=True)
    assert groups.keeps(GROUP, "all", forwarded=False, to_bot=False)


def test_how_bursts_are_acknowledged() -> None:
    assert [groups.ack_style(7, mode) for mode in ("reaction", "summary", "none")] == ["reply"] * 3
    assert [groups.ack_style(GROUP, mode) for mode in ("reaction", "summary", "none")] == [
        "reaction", "summary", "none"]
    state = CaptureState()
    assert groups.ack_delay(state, "summary", 2.0, 60.0, now=100.0) == 2.0  # the first one
    groups.summarized(state, now=100.0)
    assert groups.ack_delay(state, "summary", 2.0, 60.0, now=110.0) == 50.0  # not before 160
    assert groups.ack_delay(state, "summary", 2.0, 60.0, now=200.0) == 2.0
    assert groups.ack_delay(state, "reply", 2.0, 60.0, now=110.0) == 2.0
