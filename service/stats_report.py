"""/stats: the measured numbers of the chat's active project, gathered in one place."""
from __future__ import annotations

from dataclasses import dataclass

from service import groups
from storage import projects as project_store
from storage.db import Database
from storage.generations import ModelUsage, project_usage
from storage.stats import MemberStats, ProjectStats, project_members, project_stats


@dataclass(frozen=True, slots=True)
class StatsReport:
    project: str
    numbers: ProjectStats
    usage: ModelUsage | None = None  # what the model cost, when one wrote handoffs
    members: tuple[MemberStats, ...] = ()  # in a group: who did what, most turns first


async def active_project_stats(db: Database, chat_id: int, thread_id: int = 0) -> StatsReport | None:
    """The numbers of the place's (chat, forum topic or 0) active project, or None when it
    has none."""
    project = await project_store.active_project(db, chat_id, thread_id)
    if project is None:
        return None
    members = await project_members(db, project.id) if groups.is_group(chat_id) else []
    return StatsReport(project.name, await project_stats(db, project.id),
                       await project_usage(db, project.id), tuple(members))
