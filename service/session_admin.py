"""Looking after a project's sessions: /sessions lists them, /cancel closes the open one
without a handoff (asking first when it holds turns)."""
from __future__ import annotations

from collections.abc import Set
from dataclasses import dataclass
from typing import Literal

from service.chat_projects import MayManage, find_by_id
from storage import projects as project_store
from storage import sessions as session_store
from storage.db import Database
from storage.models import SessionStatus


@dataclass(frozen=True, slots=True)
class SessionEntry:
    """One line of /sessions."""

    number: int
    status: SessionStatus
    started_at: str
    completed_at: str | None
    turns: int
    has_handoff: bool  # a final handoff is stored
    about: str  # the notes of a completed session, else its objectives


@dataclass(frozen=True, slots=True)
class SessionList:
    outcome: Literal["no_project", "listed"]
    project: str = ""
    sessions: tuple[SessionEntry, ...] = ()  # oldest first


async def list_sessions(db: Database, chat_id: int, thread_id: int = 0) -> SessionList:
    """The sessions of the place's active project, with their turn counts."""
    project = await project_store.active_project(db, chat_id, thread_id)
    if project is None:
        return SessionList("no_project")
    summaries = await session_store.list_sessions(db, project.id)
    entries = []
    for summary in summaries:
        session = summary.session
        about = session.notes if session.status == "completed" and session.notes else session.objectives
        entries.append(SessionEntry(session.number, session.status, session.started_at,
                                    session.completed_at, summary.turns, summary.has_handoff,
                                    about))
    return SessionList("listed", project.name, tuple(entries))


@dataclass(frozen=True, slots=True)
class CancelQuestion:
    outcome: Literal["no_project", "nothing_open", "being_completed", "not_allowed", "ask",
                     "not_open", "cancelled"]
    project: str = ""
    project_id: int = 0
    session_id: int = 0
    number: int = 0
    turns: int = 0


async def ask_cancel(db: Database, chat_id: int, may_manage: MayManage,
                     completing: Set[int], thread_id: int = 0) -> CancelQuestion:
    """/cancel: the place's open session, to ask about; one without turns is cancelled at
    once. `completing` holds the sessions /complete is closing right now: left to it."""
    project, session = await session_store.chat_target(db, chat_id, thread_id)
    if project is None:
        return CancelQuestion("no_project")
    if session is None:
        return CancelQuestion("nothing_open", project.name)
    asked = (project.name, project.id, session.id, session.number)
    if session.id in completing:
        return CancelQuestion("being_completed", *asked)
    if not await may_manage(project.created_by):
        return CancelQuestion("not_allowed", *asked)
    turns = await session_store.session_turns(db, session.id)
    if turns:
        return CancelQuestion("ask", *asked, turns)
    closed = await session_store.cancel_session(db, session.id)
    return CancelQuestion("cancelled" if closed else "not_open", *asked)


@dataclass(frozen=True, slots=True)
class Cancellation:
    outcome: Literal["gone", "not_allowed", "not_open", "kept", "busy", "cancelled"]
    project: str = ""
    number: int = 0


async def confirm_cancel(db: Database, chat_id: int, project_id: int, session_id: int, yes: bool,
                         may_manage: MayManage, completing: Set[int]) -> Cancellation:
    """The answer to "Cancel this session?": only the session asked about, while still open."""
    project = await find_by_id(db, chat_id, project_id)
    if project is None:
        return Cancellation("gone")
    if not await may_manage(project.created_by):
        return Cancellation("not_allowed", project.name)
    current = await session_store.active_session(db, project.id)
    if current is None or current.id != session_id:
        return Cancellation("not_open", project.name)
    if not yes:
        return Cancellation("kept", project.name, current.number)
    if current.id in completing:
        return Cancellation("busy", project.name, current.number)
    closed = await session_store.cancel_session(db, current.id)
    if closed is None:
        return Cancellation("not_open", project.name)
    return Cancellation("cancelled", project.name, closed.number)
