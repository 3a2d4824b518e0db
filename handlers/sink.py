"""Where captured turns land: the open session of the chat's active project, with one
quiet acknowledgement per burst and one nudge when there is nowhere to put them."""
from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Sequence

from telegram.constants import ParseMode

from handlers.common import NO_PROJECT
from handlers.context import Context
from handlers.debounce import debounce
from handlers.replies import esc
from storage import sessions as session_store
from storage import turns as turn_store
from storage.models import NewTurn, Project, Session

NUDGE_EVERY_S = 600.0
ACK_KEY = "capture_ack"
NUDGE_KEY = "capture_nudged"


@dataclass
class PendingAck:
    """What the next acknowledgement will count; lives in chat_data."""

    project: str
    session: int
    saved: int = 0
    from_ai: int = 0


async def say(context: Context, chat_id: int, thread_id: int | None, text: str,
              quiet: bool = False) -> None:
    await context.bot.send_message(chat_id, text, message_thread_id=thread_id,
                                   parse_mode=ParseMode.HTML, disable_notification=quiet)


async def open_session(context: Context, chat_id: int,
                       thread_id: int | None) -> tuple[Project, Session] | None:
    """The chat's open session, or None after telling the user (once per state) what to do."""
    assert context.chat_data is not None
    project, session = await session_store.chat_target(context.bot_data.database, chat_id)
    if project is not None and session is not None:
        context.chat_data.pop(NUDGE_KEY, None)
        return project, session
    state = None if project is None else project.id
    previous = context.chat_data.get(NUDGE_KEY)
    now = time.monotonic()
    if previous is None or previous[0] != state or now - previous[1] > NUDGE_EVERY_S:
        context.chat_data[NUDGE_KEY] = (state, now)
        await say(context, chat_id, thread_id, NO_PROJECT if project is None else
                  f"Nothing saved: <b>{esc(project.name)}</b> has no open session. "
                  "Start one with /startsession, then send it again.")
    return None


async def _send_ack(context: Context, where: tuple[int, int | None]) -> None:
    assert context.chat_data is not None
    pending: PendingAck | None = context.chat_data.pop(ACK_KEY, None)
    if pending is None or pending.saved == 0:
        return
    noun = "message" if pending.saved == 1 else "messages"
    ai = f" ({pending.from_ai} from AI)" if pending.from_ai else ""
    await say(context, where[0], where[1],
              f"✓ Saved {pending.saved} {noun}{ai} to session {pending.session} "
              f"of <b>{esc(pending.project)}</b>.", quiet=True)


def schedule_ack(context: Context, chat_id: int, thread_id: int | None, project: Project,
                 session: Session, saved: int, from_ai: int) -> None:
    """Count into the pending acknowledgement and push its job back: one ack per burst."""
    assert context.chat_data is not None
    pending = context.chat_data.get(ACK_KEY)
    if not isinstance(pending, PendingAck) or pending.session != session.number:
        pending = PendingAck(project.name, session.number)
        context.chat_data[ACK_KEY] = pending
    pending.saved += saved
    pending.from_ai += from_ai
    debounce(context, f"ack:{chat_id}:{thread_id or 0}", context.bot_data.ack_delay_s, chat_id,
             _send_ack, (chat_id, thread_id))


async def store_turns(context: Context, chat_id: int, thread_id: int | None,
                      turns: Sequence[NewTurn]) -> None:
    target = await open_session(context, chat_id, thread_id)
    if target is None or not turns:
        return
    project, session = target
    added = await turn_store.add_turns(context.bot_data.database, session.id, turns)
    if added:
        from_ai = sum(1 for t in turns if t.role == "assistant")
        schedule_ack(context, chat_id, thread_id, project, session, added, min(from_ai, added))
