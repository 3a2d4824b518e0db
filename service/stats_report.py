"""/stats: the measured numbers of the chat's active project, gathered in one place."""
from __future__ import annotations

from dataclasses import dataclass

from storage import projects as project_store
from storage.db import Database
from storage.generations import ModelUsage, project_usage
from storage.stats import ProjectStats, project_stats


@dataclass(frozen=True, slots=True)
class StatsReport:
    project: str
    numbers: ProjectStats
    usage: ModelUsage | None = None  # what the model cost, when one wrote handoffs


async def active_project_stats(db: Database, chat_id: int, thread_id: int = 0) -> StatsReport | None:
    """The numbers of the place's (chat, forum topic or 0) active project, or None when it
    has none."""
    project = await project_store.active_project(db, chat_id, thread_id)
    if project is None:
        return None
    return StatsReport(project.name, await project_stats(db, project.id),
                       await project_usage(db, project.id))
