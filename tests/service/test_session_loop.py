"""service.session_loop on a real SQLite file, without Telegram: start, complete and write,
re-send within the window, /handoff N."""
from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import datetime, timedelta
from pathlib import Path
from types import TracebackType

import pytest

from service import chat_projects
from service import session_loop as loop
from storage import projects as project_store
from storage import sessions as session_store
from storage.db import Database
from tests.service.stores import CHAT, USER, add_turns, opened

WRITING = loop.Writing(budget_words=400)


@pytest.fixture
async def db(tmp_path: Path) -> AsyncIterator[Database]:
    async with opened(tmp_path) as database:
        await chat_projects.new_project(database, CHAT, "Shop", "", USER)
        yield database


def in_flight() -> loop.InFlight:
    return loop.InFlight(set(), {})


async def complete(db: Database, notes: str = "", flight: loop.InFlight | None = None) -> loop.Completion:
    async with loop.complete_session(db, CHAT, notes, WRITING, flight or in_flight()) as done:
        return done


async def test_start_needs_a_project_and_short_objectives_and_one_open_session(tmp_path: Path) -> None:
    async with opened(tmp_path) as db:
        assert (await loop.start_session(db, CHAT, "", USER)).outcome == "no_project"
        await chat_projects.new_project(db, CHAT, "Shop", "", USER)
        long = await loop.start_session(db, CHAT, "o" * (loop.MAX_OBJECTIVES_CHARS + 1), USER)
        assert (long.outcome, long.limit) == ("objectives_too_long", loop.MAX_OBJECTIVES_CHARS)
        started = await loop.start_session(db, CHAT, " cart ", USER)
        assert (started.outcome, started.project, started.number, started.previous) == (
            "started", "Shop", 1, None)
        again = await loop.start_session(db, CHAT, "", USER)
        assert (again.outcome, again.number) == ("still_open", 1)


async def test_complete_closes_writes_and_the_next_start_carries_the_handoff(db: Database) -> None:
    started = await loop.start_session(db, CHAT, "cart", USER)
    project = await project_store.active_project(db, CHAT)
    assert project is not None and started.number == 1
    session = await session_store.active_session(db, project.id)
    assert session is not None
    await add_turns(db, session.id, "Decided: keep Decimal for money in app/cart.py")
    done = await complete(db, "cart persisted")
    assert done.outcome == "written" and done.document is not None
    document = done.document
    assert (document.project, document.chat_id, document.number, document.kind) == ("Shop", CHAT, 1, "final")
    assert "app/cart.py" in document.markdown and document.turns == 1
    closed = await session_store.get_session(db, project.id, 1)
    assert closed is not None and (closed.status, closed.notes) == ("completed", "cart persisted")

    second = await loop.start_session(db, CHAT, "", USER)
    assert second.number == 2 and second.previous is not None
    assert second.previous.markdown == document.markdown


async def test_complete_is_marked_in_flight_until_its_body_has_sent_the_file(db: Database) -> None:
    await loop.start_session(db, CHAT, "", USER)
    flight = in_flight()
    closed: list[bool] = []
    async with loop.complete_session(db, CHAT, "", WRITING, flight,
                                     closed=lambda: closed.append(True)) as done:
        assert done.outcome == "written" and closed == [True]
        assert len(flight.completing) == 1 and list(flight.closing.values()) == [1]
        again = await complete(db, flight=flight)  # a second /complete meanwhile
        assert (again.outcome, again.number) == ("being_written", 1)
    assert flight.completing == set() and flight.closing == {}


async def test_a_repeated_complete_resends_within_the_window_only(db: Database) -> None:
    assert (await complete(db)).outcome == "nothing_open"
    await loop.start_session(db, CHAT, "", USER)
    first = await complete(db)
    resent = await complete(db)
    assert resent.outcome == "resent" and resent.document is not None and first.document is not None
    assert resent.document.markdown == first.document.markdown
    project = await project_store.active_project(db, CHAT)
    assert project is not None
    later = datetime.now().astimezone() + loop.RESEND_WINDOW + timedelta(minutes=1)
    assert await loop.recent_final(db, project, now=later) is None
    await loop.start_session(db, CHAT, "", USER)
    newer = await session_store.active_session(db, project.id)
    assert newer is not None
    await session_store.cancel_session(db, newer.id)
    assert (await complete(db)).outcome == "nothing_open"  # a newer session closed since


async def test_complete_without_a_project(tmp_path: Path) -> None:
    async with opened(tmp_path) as db:
        assert (await complete(db)).outcome == "no_project"


class Watch:
    """What the handler passes to show the work: entered around the writing."""

    def __init__(self) -> None:
        self.entered = self.left = 0

    async def __aenter__(self) -> Watch:
        self.entered += 1
        return self

    async def __aexit__(self, kind: type[BaseException] | None, error: BaseException | None,
                        trace: TracebackType | None) -> None:
        self.left += 1


async def test_handoff_n_sends_the_stored_one_or_writes_what_is_missing(db: Database) -> None:
    watch = Watch()
    writing = loop.Writing(budget_words=400, working=watch)
    assert (await loop.session_handoff(db, CHAT, None, writing)).outcome == "nothing_open"
    await loop.start_session(db, CHAT, "", USER)
    draft = await loop.session_handoff(db, CHAT, None, writing)
    assert draft.outcome == "document" and draft.document is not None
    assert (draft.document.kind, draft.document.number) == ("draft", 1)
    assert (watch.entered, watch.left) == (1, 1)
    stored = await loop.session_handoff(db, CHAT, 1, writing)  # the draft, stored: not written again
    assert stored.document is not None and stored.document.markdown == draft.document.markdown
    assert watch.entered == 1
    final = await complete(db)
    assert final.document is not None
    by_number = await loop.session_handoff(db, CHAT, 1, writing)
    assert by_number.document is not None and by_number.document.kind == "final"
    assert by_number.document.markdown == final.document.markdown
    missing = await loop.session_handoff(db, CHAT, 9, writing)
    assert (missing.outcome, missing.number) == ("no_such_session", 9)
    await loop.start_session(db, CHAT, "", USER)
    project = await project_store.active_project(db, CHAT)
    assert project is not None
    second = await session_store.active_session(db, project.id)
    assert second is not None
    await session_store.cancel_session(db, second.id)
    assert (await loop.session_handoff(db, CHAT, 2, writing)).outcome == "cancelled"


async def test_a_completed_session_without_its_handoff_gets_a_final_one_written(db: Database) -> None:
    await loop.start_session(db, CHAT, "", USER)
    project = await project_store.active_project(db, CHAT)
    assert project is not None
    session = await session_store.active_session(db, project.id)
    assert session is not None
    await session_store.complete_session(db, session.id, "")  # as if the bot died mid-build
    answer = await loop.session_handoff(db, CHAT, 1, WRITING)
    assert answer.document is not None and answer.document.kind == "final"
    assert (await loop.session_handoff(db, CHAT, 1, WRITING)).document == answer.document
