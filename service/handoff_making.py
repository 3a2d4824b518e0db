"""Build, store and account for handoffs of a session: the glue between storage and llm."""
from __future__ import annotations

from dataclasses import asdict
from datetime import datetime

from handoff.types import Handoff, ProjectIn, SessionIn
from llm.client import ChatClient
from llm.tokens import estimate_tokens
from llm.writer import Generation, LLMSettings, Progress, write_handoff
from service.groups import is_group
from service.turn_mapping import turn_in
from storage import generations as generation_store
from storage import handoffs as handoff_store
from storage import stats as stats_store
from storage import turns as turn_store
from storage.db import Database
from storage.models import HandoffKind, Project, Session

MAX_TEAM_NAMES = 12  # the master prompt names at most this many members, most active first


def _when(value: str | None) -> datetime | None:
    return datetime.fromisoformat(value) if value else None


async def load_session(db: Database, session: Session) -> SessionIn:
    turns = [  # in the conversation's own time: see storage.turns.iter_turns
        turn_in(t.role, t.author, t.source, t.text, _when(t.at))
        async for t in turn_store.iter_turns(db, session.id)
    ]
    return SessionIn(number=session.number, turns=turns, objectives=session.objectives,
                     notes=session.notes, started_at=_when(session.started_at),
                     completed_at=_when(session.completed_at))


async def project_in(db: Database, project: Project) -> ProjectIn:
    """What the handoff knows of the project: in a group, also its team."""
    team: tuple[str, ...] = ()
    if is_group(project.chat_id):
        members = await stats_store.project_members(db, project.id)
        team = tuple(m.name for m in members[:MAX_TEAM_NAMES])
    return ProjectIn(project.name, project.description, team)


async def make_handoff(db: Database, project: Project, session: Session, *, kind: HandoffKind,
                       budget_words: int, client: ChatClient | None = None,
                       settings: LLMSettings | None = None,
                       progress: Progress | None = None) -> tuple[Handoff, Generation]:
    """Build the handoff for `session` on top of the previous final one; store it and what
    generating it cost. Never fails because of the model: it falls back to extractive."""
    previous = await handoff_store.latest_final(db, project.id, before_number=session.number)
    session_in = await load_session(db, session)
    handoff, generation = await write_handoff(
        client, settings or LLMSettings(), await project_in(db, project),
        session_in, previous.markdown if previous else None, budget_words=budget_words,
        final=(kind == "final"), progress=progress)
    source_words = sum(len(t.text.split()) for t in session_in.turns)
    handoff_id = await handoff_store.save_handoff(
        db, session.id, kind, generator=handoff.generator, markdown=handoff.markdown,
        words=handoff.words, tokens_est=estimate_tokens(handoff.markdown),
        source_words=source_words, first_session=handoff.first_session,
        last_session=handoff.last_session, turns_covered=handoff.turns_covered,
        artifacts_kept=handoff.artifacts_kept, artifacts_total=handoff.artifacts_total,
        duration_ms=generation.duration_ms,
    )
    await generation_store.record(db, session.id, handoff_id, **asdict(generation))
    return handoff, generation
