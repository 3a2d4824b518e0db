"""service.chat_projects on a real SQLite file, without Telegram."""
from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from service import chat_projects as cp
from storage import sessions as session_store
from storage.db import Database
from tests.service.stores import CHAT, OTHER_CHAT, USER, add_turns, allow, opened, refuse


@pytest.fixture
async def db(tmp_path: Path) -> AsyncIterator[Database]:
    async with opened(tmp_path) as database:
        yield database


async def test_a_new_project_is_created_active_and_its_name_is_unique_in_any_case(db: Database) -> None:
    made = await cp.new_project(db, CHAT, "  Shop   API ", "FastAPI", USER)
    assert (made.outcome, made.name) == ("created", "Shop API")
    assert (await cp.new_project(db, CHAT, "shop api", "", USER)).outcome == "duplicate"
    assert (await cp.new_project(db, OTHER_CHAT, "Shop API", "", USER)).outcome == "created"
    [entry] = await cp.list_projects(db, CHAT)
    assert (entry.name, entry.sessions, entry.active) == ("Shop API", 0, True)


async def test_a_new_project_breaking_a_rule_is_not_created(db: Database) -> None:
    assert (await cp.new_project(db, CHAT, "   ", "", USER)).outcome == "no_name"
    long = await cp.new_project(db, CHAT, "x" * 65, "", USER)
    assert (long.outcome, long.limit) == ("name_too_long", 64)
    wordy = await cp.new_project(db, CHAT, "Shop", "d" * (cp.MAX_DESCRIPTION_CHARS + 1), USER)
    assert (wordy.outcome, wordy.limit) == ("description_too_long", cp.MAX_DESCRIPTION_CHARS)
    assert await cp.list_projects(db, CHAT) == []


async def test_use_and_the_switch_button_change_the_active_project_of_this_chat_only(db: Database) -> None:
    await cp.new_project(db, CHAT, "Shop", "", USER)
    await cp.new_project(db, CHAT, "Blog", "", USER)
    assert [p.active for p in await cp.list_projects(db, CHAT)] == [False, True]
    switch = await cp.use_project(db, CHAT, "SHOP")
    assert (switch.outcome, switch.name) == ("switched", "Shop")
    assert [p.active for p in await cp.list_projects(db, CHAT)] == [True, False]
    assert (await cp.use_project(db, CHAT, "Wiki")).outcome == "not_found"
    assert (await cp.use_project(db, CHAT, "w" * 65)).outcome == "name_too_long"
    blog = (await cp.list_projects(db, CHAT))[1]
    assert await cp.switch_to(db, OTHER_CHAT, blog.id) is None  # another chat's id finds nothing
    assert await cp.switch_to(db, CHAT, blog.id) == "Blog"
    assert [p.active for p in await cp.list_projects(db, CHAT)] == [False, True]


async def test_rename_follows_the_rules_of_newproject_and_asks_who_may(db: Database) -> None:
    assert (await cp.rename_active(db, CHAT, "New", allow)).outcome == "no_project"
    await cp.new_project(db, CHAT, "Shop", "", USER)
    await cp.new_project(db, CHAT, "Blog", "", USER)
    asked: list[int | None] = []

    async def record(created_by: int | None) -> bool:
        asked.append(created_by)
        return True

    assert (await cp.rename_active(db, CHAT, " ", record)).outcome == "no_name"
    assert (await cp.rename_active(db, CHAT, "a | b", record)).outcome == "has_separator"
    assert (await cp.rename_active(db, CHAT, "n" * 65, record)).outcome == "name_too_long"
    assert (await cp.rename_active(db, CHAT, "shop", record)).outcome == "duplicate"
    assert (await cp.rename_active(db, CHAT, "Blog v2", refuse)).outcome == "not_allowed"
    done = await cp.rename_active(db, CHAT, "Blog   v2", record)
    assert (done.outcome, done.old, done.new) == ("renamed", "Blog", "Blog v2")
    assert asked == [USER, USER]  # asked only once the name was fine
    assert [p.name for p in await cp.list_projects(db, CHAT)] == ["Shop", "Blog v2"]


async def test_deleting_asks_with_the_size_then_deletes_everything(db: Database) -> None:
    await cp.new_project(db, CHAT, "Shop", "", USER)
    [shop] = await cp.list_projects(db, CHAT)
    session = await session_store.start_session(db, shop.id, "", USER)
    await add_turns(db, session.id, "one", "two")
    assert (await cp.ask_delete(db, CHAT, "Blog", allow)).outcome == "not_found"
    assert (await cp.ask_delete(db, OTHER_CHAT, "Shop", allow)).outcome == "not_found"
    assert (await cp.ask_delete(db, CHAT, "Shop", refuse)).outcome == "not_allowed"
    asked = await cp.ask_delete(db, CHAT, "shop", allow)
    assert (asked.outcome, asked.project_id, asked.size) == ("ask", shop.id, cp.Size(1, 2, 0))

    assert (await cp.confirm_delete(db, CHAT, shop.id, True, refuse, {})).outcome == "not_allowed"
    assert (await cp.confirm_delete(db, CHAT, shop.id, False, allow, {})).outcome == "kept"
    busy = await cp.confirm_delete(db, CHAT, shop.id, True, allow, {shop.id: 1})
    assert busy.outcome == "busy"  # /complete is writing its handoff
    assert (await cp.confirm_delete(db, OTHER_CHAT, shop.id, True, allow, {})).outcome == "gone"
    assert len(await cp.list_projects(db, CHAT)) == 1
    done = await cp.confirm_delete(db, CHAT, shop.id, True, allow, {})
    assert (done.outcome, done.name, done.size) == ("deleted", "Shop", cp.Size(1, 2, 0))
    assert await cp.list_projects(db, CHAT) == []
    assert await session_store.get_session(db, shop.id, 1) is None
    assert (await cp.confirm_delete(db, CHAT, shop.id, True, allow, {})).outcome == "gone"
