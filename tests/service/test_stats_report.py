"""service.stats_report on a real SQLite file, without Telegram: /stats."""
from __future__ import annotations

from pathlib import Path

from service import chat_projects
from service.stats_report import active_project_stats
from storage import projects as project_store
from storage import sessions as session_store
from tests.service.stores import CHAT, OTHER_CHAT, USER, add_turns, opened


async def test_stats_of_the_active_project(tmp_path: Path) -> None:
    async with opened(tmp_path) as db:
        assert await active_project_stats(db, CHAT) is None
        await chat_projects.new_project(db, CHAT, "Shop", "", USER)
        project = await project_store.active_project(db, CHAT)
        assert project is not None
        session = await session_store.start_session(db, project.id, "", USER)
        await add_turns(db, session.id, "one two", "three")
        report = await active_project_stats(db, CHAT)
        assert report is not None and report.project == "Shop"
        numbers = report.numbers
        assert (numbers.sessions_active, numbers.turns, numbers.words) == (1, 2, 3)
        assert numbers.turns_by_source == {"typed": 2}
        assert report.usage is not None and report.usage.generations == 0
        assert await active_project_stats(db, OTHER_CHAT) is None
