"""service.session_admin on a real SQLite file, without Telegram: /sessions and /cancel."""
from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from service import chat_projects
from service import session_admin as admin
from storage import projects as project_store
from storage import sessions as session_store
from storage.db import Database
from storage.models import Project, Session
from tests.service.stores import CHAT, OTHER_CHAT, USER, add_turns, allow, opened, refuse


@pytest.fixture
async def db(tmp_path: Path) -> AsyncIterator[Database]:
    async with opened(tmp_path) as database:
        await chat_projects.new_project(database, CHAT, "Shop", "", USER)
        yield database


async def _open(db: Database, objectives: str = "") -> tuple[Project, Session]:
    project = await project_store.active_project(db, CHAT)
    assert project is not None
    return project, await session_store.start_session(db, project.id, objectives, USER)


async def _status(db: Database, project: Project, number: int) -> str:
    session = await session_store.get_session(db, project.id, number)
    assert session is not None
    return session.status


async def test_sessions_lists_every_session_with_its_notes_or_objectives(db: Database) -> None:
    _, first = await _open(db, "cart")
    await add_turns(db, first.id, "a", "b")
    await session_store.complete_session(db, first.id, "cart works")
    await _open(db, "checkout")
    listed = await admin.list_sessions(db, CHAT)
    assert (listed.outcome, listed.project) == ("listed", "Shop")
    assert [(s.number, s.status, s.turns, s.about) for s in listed.sessions] == [
        (1, "completed", 2, "cart works"), (2, "active", 0, "checkout")]
    assert (await admin.list_sessions(db, OTHER_CHAT)).outcome == "no_project"


async def test_cancel_asks_about_a_session_with_turns(db: Database) -> None:
    assert (await admin.ask_cancel(db, OTHER_CHAT, allow, set())).outcome == "no_project"
    assert (await admin.ask_cancel(db, CHAT, allow, set())).outcome == "nothing_open"
    project, session = await _open(db)
    assert (await admin.ask_cancel(db, CHAT, refuse, set())).outcome == "not_allowed"
    assert (await admin.ask_cancel(db, CHAT, allow, {session.id})).outcome == "being_completed"
    await add_turns(db, session.id, "kept")
    asked = await admin.ask_cancel(db, CHAT, allow, set())
    assert (asked.outcome, asked.project_id, asked.session_id, asked.number, asked.turns) == (
        "ask", project.id, session.id, 1, 1)
    assert await _status(db, project, 1) == "active"  # asking changes nothing


async def test_an_empty_session_is_cancelled_at_once(db: Database) -> None:
    project, _ = await _open(db)
    done = await admin.ask_cancel(db, CHAT, allow, set())
    assert (done.outcome, done.number) == ("cancelled", 1)
    assert await _status(db, project, 1) == "cancelled"
    _, second = await _open(db)
    assert second.number == 2  # the next number, not the cancelled one again


async def test_the_answer_cancels_only_the_session_asked_about_while_open(db: Database) -> None:
    project, session = await _open(db)
    await add_turns(db, session.id, "kept")

    async def answer(yes: bool, completing: set[int] | None = None,
                     session_id: int = session.id, chat: int = CHAT) -> str:
        done = await admin.confirm_cancel(db, chat, project.id, session_id, yes, allow,
                                          completing or set())
        return done.outcome

    assert await answer(True, chat=OTHER_CHAT) == "gone"
    assert (await admin.confirm_cancel(db, CHAT, project.id, session.id, True, refuse,
                                       set())).outcome == "not_allowed"
    assert await answer(True, session_id=session.id + 1) == "not_open"
    assert await answer(False) == "kept"
    assert await answer(True, {session.id}) == "busy"
    assert await _status(db, project, 1) == "active"
    assert await answer(True) == "cancelled"
    assert await _status(db, project, 1) == "cancelled"
    assert await answer(True) == "not_open"  # a second press
    assert (await session_store.session_turns(db, session.id)) == 1  # its turns stay stored
