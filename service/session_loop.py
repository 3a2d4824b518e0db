"""The session loop as use cases: start a session, complete it and write its handoff, and
get a session's handoff again (/handoff N, or a /complete repeated within the window).

Each returns a result whose `outcome` says what happened and, where there is one, the
`Document` to send; the handler words the reply and sends the file. Writing a handoff
can take a while, so the caller passes what shows the work (`Writing.progress`,
`Writing.working`).
"""
from __future__ import annotations

import dataclasses
import re
from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager, nullcontext
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Literal

from handoff.types import Handoff
from llm.client import ChatClient
from llm.writer import Generation, LLMSettings, Progress
from service.handoff_making import make_handoff
from storage import handoffs as handoff_store
from storage import projects as project_store
from storage import sessions as session_store
from storage.db import Database
from storage.models import HandoffKind, Project, Session, StoredHandoff

MAX_OBJECTIVES_CHARS = 2000
RESEND_WINDOW = timedelta(minutes=10)  # a /complete this soon after the last one re-sends it


@dataclass(frozen=True, slots=True)
class Document:
    """A handoff ready to send: its text and what the caption says about it."""

    project: str
    chat_id: int
    number: int  # the session it hands off
    kind: HandoffKind
    markdown: str
    first_session: int
    last_session: int
    turns: int
    kept: int  # key artifacts kept, of `total`
    total: int
    fallback: str | None = None  # why the model was not used, when it was meant to be


def stored_document(project: Project, stored: StoredHandoff) -> Document:
    return Document(project.name, project.chat_id, stored.session_number, stored.kind,
                    stored.markdown, stored.first_session, stored.last_session,
                    stored.turns_covered, stored.artifacts_kept, stored.artifacts_total)


def written_document(project: Project, number: int, kind: HandoffKind, handoff: Handoff,
                     generation: Generation) -> Document:
    return Document(project.name, project.chat_id, number, kind, handoff.markdown,
                    handoff.first_session, handoff.last_session, handoff.turns_covered,
                    handoff.artifacts_kept, handoff.artifacts_total, generation.fallback_reason)


@dataclass(frozen=True, slots=True)
class Writing:
    """How handoffs are written (the budget, the model if any) and what shows the work."""

    budget_words: int
    client: ChatClient | None = None
    settings: LLMSettings = LLMSettings()
    progress: Progress | None = None  # told (parts read, parts in all) as the model reads
    working: AbstractAsyncContextManager[object] | None = None  # held while writing


async def _write(db: Database, project: Project, session: Session, kind: HandoffKind,
                 writing: Writing) -> Document:
    async with writing.working or nullcontext():
        handoff, generation = await make_handoff(
            db, project, session, kind=kind, budget_words=writing.budget_words,
            client=writing.client, settings=writing.settings, progress=writing.progress)
    return written_document(project, session.number, kind, handoff, generation)


@dataclass(frozen=True, slots=True)
class Start:
    outcome: Literal["no_project", "objectives_too_long", "still_open", "started"]
    project: str = ""
    number: int | None = None  # the session started, or the one still open
    limit: int = 0
    previous: Document | None = None  # the last final handoff, to carry on from


async def start_session(db: Database, chat_id: int, objectives: str,
                        user_id: int | None, thread_id: int = 0) -> Start:
    """Open session N+1 of the place's active project, with the handoff to start from.
    Anyone who may use the bot here may start it: a teammate carries on after a handover."""
    project = await project_store.active_project(db, chat_id, thread_id)
    if project is None:
        return Start("no_project")
    if len(objectives) > MAX_OBJECTIVES_CHARS:
        return Start("objectives_too_long", project.name, limit=MAX_OBJECTIVES_CHARS)
    try:
        session = await session_store.start_session(db, project.id, objectives, user_id)
    except session_store.SessionAlreadyActive:
        current = await session_store.active_session(db, project.id)
        return Start("still_open", project.name, current.number if current else None)
    previous = await handoff_store.latest_final(db, project.id, before_number=session.number)
    return Start("started", project.name, session.number,
                 previous=stored_document(project, previous) if previous else None)


@dataclass(frozen=True, slots=True)
class Completion:
    outcome: Literal["no_project", "being_written", "resent", "nothing_open",
                     "already_completed", "written"]
    project: str = ""
    number: int = 0  # the session being written, for "being_written"
    document: Document | None = None  # for "resent" and "written"
    teammate: str | None = None  # the @username the handoff is handed to, if one was named


TEAMMATE = re.compile(r"@([A-Za-z0-9_]{1,32})(?=\s|$)")  # a Telegram @username, first thing


def handover(args: str) -> tuple[str | None, str]:
    """`/complete @name what was achieved`: the teammate named first (without the @) and
    the rest as the session's notes; no teammate when the text does not start with one."""
    text = args.strip()
    found = TEAMMATE.match(text)
    if found is None:
        return None, text
    return found.group(1), text[found.end():].strip()


@dataclass(slots=True)
class InFlight:
    """What /complete is doing right now, shared by every chat (it lives on the bot):
    sessions being completed and, per project, the number whose handoff is being written."""

    completing: set[int]
    closing: dict[int, int]


@asynccontextmanager
async def complete_session(db: Database, chat_id: int, args: str, writing: Writing,
                           in_flight: InFlight, closed: Callable[[], object] | None = None,
                           thread_id: int = 0) -> AsyncIterator[Completion]:
    """Close the place's open session and write its final handoff; the body of the `with`
    sends it, still marked in flight, so /cancel and /deleteproject wait for it. `args`
    are the session's notes, after the @teammate it is handed to if one is named first.
    With no open session: the one being written, or the one completed moments ago (its
    file may never have arrived), rather than a bare "no open session". `closed` runs as
    soon as the session is closed."""
    teammate, notes = handover(args)
    project, session = await session_store.chat_target(db, chat_id, thread_id)
    if project is None:
        yield Completion("no_project")
        return
    if session is None or session.id in in_flight.completing:
        again = await _complete_again(db, project, in_flight)
        yield dataclasses.replace(again, teammate=teammate)
        return
    in_flight.completing.add(session.id)
    in_flight.closing[project.id] = session.number
    try:
        finished = await session_store.complete_session(db, session.id, notes)
        if closed is not None:
            closed()  # after the await: nothing can re-cache the open session
        if finished is None:
            yield Completion("already_completed", project.name)
            return
        document = await _write(db, project, finished, "final", writing)
        yield Completion("written", project.name, finished.number, document, teammate)
    finally:
        in_flight.completing.discard(session.id)
        in_flight.closing.pop(project.id, None)


async def _complete_again(db: Database, project: Project, in_flight: InFlight) -> Completion:
    number = in_flight.closing.get(project.id)
    if number is not None:
        return Completion("being_written", project.name, number)
    stored = await recent_final(db, project)
    if stored is not None:
        return Completion("resent", project.name, stored.session_number,
                          stored_document(project, stored))
    return Completion("nothing_open", project.name)


async def recent_final(db: Database, project: Project, now: datetime | None = None,
                       window: timedelta = RESEND_WINDOW) -> StoredHandoff | None:
    """The final handoff of the project's newest session when that session was completed
    within `window`: a repeated /complete (the file never arrived, or a double tap) gets
    the same document again instead of "no open session"."""
    stored = await handoff_store.latest_final(db, project.id)
    if stored is None:
        return None
    if await session_store.get_session(db, project.id, stored.session_number + 1) is not None:
        return None  # a newer session closed without a handoff: this one is not what was meant
    session = await session_store.get_session(db, project.id, stored.session_number)
    if session is None or session.completed_at is None:
        return None
    completed = datetime.fromisoformat(session.completed_at)
    return stored if (now or datetime.now(UTC)) - completed <= window else None


@dataclass(frozen=True, slots=True)
class HandoffAnswer:
    outcome: Literal["no_project", "no_such_session", "cancelled", "nothing_open", "document"]
    project: str = ""
    number: int = 0
    document: Document | None = None


async def session_handoff(db: Database, chat_id: int, number: int | None,
                          writing: Writing, thread_id: int = 0) -> HandoffAnswer:
    """Session `number`'s handoff: the stored one, else written now (a draft while the
    session is open; a final one when it was completed but its handoff never stored, e.g.
    after a crash mid-build). Without a number: a draft of the open session. The project
    is the place's (chat_id, thread_id) active one."""
    project, session = await session_store.chat_target(db, chat_id, thread_id)
    if project is None:
        return HandoffAnswer("no_project")
    if number is None:
        if session is None:
            return HandoffAnswer("nothing_open", project.name)
        return HandoffAnswer("document", project.name, session.number,
                             await _write(db, project, session, "draft", writing))
    stored = await handoff_store.handoff_for_session(db, project.id, number)
    if stored is not None:
        return HandoffAnswer("document", project.name, number, stored_document(project, stored))
    past = await session_store.get_session(db, project.id, number)
    if past is None:
        return HandoffAnswer("no_such_session", project.name, number)
    if past.status == "cancelled":
        return HandoffAnswer("cancelled", project.name, number)
    kind: HandoffKind = "draft" if past.status == "active" else "final"
    return HandoffAnswer("document", project.name, number,
                         await _write(db, project, past, kind, writing))
