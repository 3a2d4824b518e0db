"""service.forgetting on a real SQLite file, without Telegram: /forget."""
from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from service import chat_projects
from service.forgetting import forget_message, probe
from storage import handoffs as handoff_store
from storage import projects as project_store
from storage import sessions as session_store
from storage.db import Database
from storage.models import Session
from tests.service.stores import CHAT, OTHER_CHAT, USER, add_turns, allow, opened, refuse

LOOKBACK = 30
PASTE_ONE = "the first part of a long paste about the checkout flow"
PASTE_TWO = "the second part mentions app/checkout.py and STRIPE_KEY"


@pytest.fixture
async def db(tmp_path: Path) -> AsyncIterator[Database]:
    async with opened(tmp_path) as database:
        await chat_projects.new_project(database, CHAT, "Shop", "", USER)
        yield database


async def _session(db: Database) -> Session:
    project = await project_store.active_project(db, CHAT)
    assert project is not None
    return await session_store.start_session(db, project.id, "", USER)


async def test_forgetting_a_typed_message_deletes_its_turns(db: Database) -> None:
    session = await _session(db)
    await add_turns(db, session.id, "my secret token is hunter2-abc", message_id=5)
    assert (await forget_message(db, CHAT, 6, "", LOOKBACK, allow)).outcome == "nothing_stored"
    assert (await forget_message(db, OTHER_CHAT, 5, "", LOOKBACK, allow)).outcome == "nothing_stored"
    assert (await forget_message(db, CHAT, 5, "", LOOKBACK, refuse)).outcome == "not_allowed"
    assert await session_store.session_turns(db, session.id) == 1
    done = await forget_message(db, CHAT, 5, "", LOOKBACK, allow)
    assert (done.outcome, done.removed, done.project, done.number, done.quoted) == (
        "forgotten", 1, "Shop", 1, 0)
    assert await session_store.session_turns(db, session.id) == 0
    assert (await forget_message(db, CHAT, 5, "", LOOKBACK, allow)).outcome == "nothing_stored"


async def test_a_later_fragment_of_a_paste_finds_the_whole_paste(db: Database) -> None:
    session = await _session(db)
    await add_turns(db, session.id, PASTE_ONE + "\n" + PASTE_TWO, message_id=10, source="pasted")
    unrelated = await forget_message(db, CHAT, 11, "something that was never stored", LOOKBACK, allow)
    assert unrelated.outcome == "nothing_stored"
    done = await forget_message(db, CHAT, 11, PASTE_TWO, LOOKBACK, allow)
    assert (done.outcome, done.removed) == ("forgotten", 1)


async def test_the_answer_counts_stored_handoffs_that_still_quote_it(db: Database) -> None:
    session = await _session(db)
    await add_turns(db, session.id, PASTE_TWO, message_id=3)
    await handoff_store.save_handoff(
        db, session.id, "draft", generator="extractive", markdown=f"# Shop\n- {PASTE_TWO}\n",
        words=10, tokens_est=10, source_words=10, first_session=1, last_session=1,
        turns_covered=1, artifacts_kept=0, artifacts_total=0, duration_ms=1)
    done = await forget_message(db, CHAT, 3, "", LOOKBACK, allow)
    assert (done.outcome, done.quoted) == ("forgotten", 1)


def test_probe_is_the_longest_line_without_role_markers() -> None:
    assert probe("short\n" + PASTE_ONE) == PASTE_ONE
    assert probe("User:\nhi\nAssistant:\n" + PASTE_TWO) == PASTE_TWO
    assert probe("tiny") == ""
