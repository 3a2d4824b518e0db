"""A chat's projects as use cases: create, list, switch, rename and delete one, each whole.

Projects belong to the chat; which one is active belongs to the place (`thread_id`: a
forum topic, 0 for a chat without topics and for the General topic).

Each returns a small result whose `outcome` says what happened; the handler words it. A
permission the chat platform decides (who may rename or delete in a group) is asked
through `MayManage`, so the rule's place in the use case stays here.
"""
from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from typing import Literal

from storage import data as data_store
from storage import projects as project_store
from storage.db import Database
from storage.models import Project
from storage.projects import MAX_NAME_CHARS, DuplicateProject

log = logging.getLogger(__name__)
MAX_DESCRIPTION_CHARS = 500
NAME_SEPARATOR = "|"  # starts the description in /newproject, so never part of a name

MayManage = Callable[[int | None], Awaitable[bool]]  # asked with the project's creator


def clean_name(name: str) -> str:
    """A name as stored: runs of whitespace become one space."""
    return " ".join(name.split())


@dataclass(frozen=True, slots=True)
class Size:
    """What deleting a project takes with it."""

    sessions: int
    turns: int
    handoffs: int


async def _size(db: Database, project_id: int) -> Size:
    size = await data_store.project_size(db, project_id)
    return Size(size.sessions, size.turns, size.handoffs)


@dataclass(frozen=True, slots=True)
class NewProject:
    outcome: Literal["no_name", "name_too_long", "description_too_long", "duplicate", "created"]
    name: str
    limit: int = 0  # the limit broken, for the too-long outcomes


async def active_project(db: Database, chat_id: int, thread_id: int = 0) -> Project | None:
    """The active project of the place (chat_id, thread_id), or None."""
    return await project_store.active_project(db, chat_id, thread_id)


async def new_project(db: Database, chat_id: int, name: str, description: str,
                      user_id: int | None, thread_id: int = 0) -> NewProject:
    """Create a project in the chat and make it active in this place only."""
    name = clean_name(name)
    if not name:
        return NewProject("no_name", name)
    if len(name) > MAX_NAME_CHARS:
        return NewProject("name_too_long", name, MAX_NAME_CHARS)
    if len(description) > MAX_DESCRIPTION_CHARS:
        return NewProject("description_too_long", name, MAX_DESCRIPTION_CHARS)
    try:
        project = await project_store.create_project(db, chat_id, name, description, user_id,
                                                     thread_id)
    except DuplicateProject:
        return NewProject("duplicate", name)
    return NewProject("created", project.name)


@dataclass(frozen=True, slots=True)
class ProjectEntry:
    id: int
    name: str
    sessions: int
    active: bool


async def list_projects(db: Database, chat_id: int, thread_id: int = 0) -> list[ProjectEntry]:
    """The chat's projects, oldest first, with their session counts and the one active in
    this place."""
    listed = await project_store.list_projects(db, chat_id)
    if not listed:
        return []
    active = await project_store.active_project(db, chat_id, thread_id)
    return [ProjectEntry(p.id, p.name, sessions, active is not None and active.id == p.id)
            for p, sessions in listed]


@dataclass(frozen=True, slots=True)
class Switch:
    outcome: Literal["name_too_long", "not_found", "switched"]
    name: str  # the project's name when switched, else the name asked for
    limit: int = 0


async def use_project(db: Database, chat_id: int, name: str, thread_id: int = 0) -> Switch:
    """Make the chat's project called `name` (any case) the active one of this place: in a
    topic, /use binds a project of another topic here too."""
    if len(clean_name(name)) > MAX_NAME_CHARS:
        return Switch("name_too_long", name, MAX_NAME_CHARS)
    project = await project_store.find_project(db, chat_id, name)
    if project is None:
        return Switch("not_found", name)
    await project_store.set_active(db, chat_id, project.id, thread_id)
    return Switch("switched", project.name)


async def switch_to(db: Database, chat_id: int, project_id: int, thread_id: int = 0) -> str | None:
    """Make project `project_id` of this chat active in this place (a /projects button); its
    name, or None when the chat has no such project (deleted, or forged data)."""
    project = await project_store.get_project(db, chat_id, project_id)
    if project is None:
        return None
    await project_store.set_active(db, chat_id, project.id, thread_id)
    return project.name


@dataclass(frozen=True, slots=True)
class Rename:
    outcome: Literal["no_project", "no_name", "name_too_long", "has_separator", "not_allowed",
                     "duplicate", "renamed"]
    old: str = ""
    new: str = ""
    limit: int = 0


async def rename_active(db: Database, chat_id: int, name: str, may_manage: MayManage,
                        thread_id: int = 0) -> Rename:
    """Rename the place's active project, under the rules of /newproject."""
    project = await project_store.active_project(db, chat_id, thread_id)
    if project is None:
        return Rename("no_project")
    name = clean_name(name)
    if not name:
        return Rename("no_name", project.name)
    if len(name) > MAX_NAME_CHARS:
        return Rename("name_too_long", project.name, name, MAX_NAME_CHARS)
    if NAME_SEPARATOR in name:
        return Rename("has_separator", project.name, name)
    if not await may_manage(project.created_by):
        return Rename("not_allowed", project.name, name)
    try:
        renamed = await project_store.rename_project(db, chat_id, project.id, name)
    except DuplicateProject:
        return Rename("duplicate", project.name, name)
    if renamed is None:  # deleted meanwhile
        return Rename("no_project")
    return Rename("renamed", project.name, renamed.name)


@dataclass(frozen=True, slots=True)
class DeleteQuestion:
    outcome: Literal["not_found", "not_allowed", "ask"]
    name: str
    project_id: int = 0
    size: Size = Size(0, 0, 0)


async def ask_delete(db: Database, chat_id: int, name: str,
                     may_manage: MayManage) -> DeleteQuestion:
    """What deleting the chat's project `name` would take, before asking to confirm."""
    project = await project_store.find_project(db, chat_id, name)
    if project is None:
        return DeleteQuestion("not_found", name)
    if not await may_manage(project.created_by):
        return DeleteQuestion("not_allowed", project.name)
    return DeleteQuestion("ask", project.name, project.id, await _size(db, project.id))


@dataclass(frozen=True, slots=True)
class Deletion:
    outcome: Literal["gone", "not_allowed", "kept", "busy", "deleted"]
    name: str = ""
    size: Size = Size(0, 0, 0)


async def confirm_delete(db: Database, chat_id: int, project_id: int, yes: bool,
                         may_manage: MayManage, closing: Mapping[int, int]) -> Deletion:
    """The answer to "Delete this project?". `closing` holds the projects whose handoff is
    being written: deleting one under /complete's feet is refused until it has arrived."""
    project = await find_by_id(db, chat_id, project_id)
    if project is None:
        return Deletion("gone")
    if not await may_manage(project.created_by):
        return Deletion("not_allowed", project.name)
    if not yes:
        return Deletion("kept", project.name)
    if project.id in closing:
        return Deletion("busy", project.name)
    size = await _size(db, project.id)
    await data_store.delete_project(db, chat_id, project.id)
    log.info("deleted project %s of chat %s", project.id, project.chat_id)
    return Deletion("deleted", project.name, size)


async def find_by_id(db: Database, chat_id: int, project_id: int) -> Project | None:
    """The chat's project with this id: an id from another chat finds nothing."""
    return await project_store.get_project(db, chat_id, project_id)
