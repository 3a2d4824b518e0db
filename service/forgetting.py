"""/forget: delete for good the turns one Telegram message became, a whole stitched paste
included when the reply points at a later part of it."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from service.chat_projects import MayManage
from storage import data as data_store
from storage import projects as project_store
from storage.db import Database
from transcripts.pasted import has_markers, split_pasted

PROBE_CHARS = 120  # how much of a message's longest line identifies it inside a paste
MIN_PROBE_CHARS = 8  # shorter lines identify nothing


def probe(text: str) -> str:
    """The longest line of a message as it would be stored (role markers dropped, as the
    paste parser drops them), clipped: enough to recognise it inside a stored paste."""
    parsed = [t.text for t in split_pasted(text)] if has_markers(text) else [text]
    lines = (line.strip() for body in parsed for line in body.splitlines())
    longest = max(lines, key=len, default="")
    return longest[:PROBE_CHARS] if len(longest) >= MIN_PROBE_CHARS else ""


@dataclass(frozen=True, slots=True)
class Forgetting:
    outcome: Literal["nothing_stored", "not_allowed", "forgotten"]
    removed: int = 0  # turns deleted
    project: str = ""
    number: int = 0  # the session they were in
    quoted: int = 0  # stored handoffs that still quote the message


async def forget_message(db: Database, chat_id: int, message_id: int, text: str,
                         lookback: int, may_forget: MayManage) -> Forgetting:
    """Forget this chat's message `message_id` (whose text is `text`). A stitched paste is
    stored under its first fragment, so a later one is looked for up to `lookback` message
    ids back and recognised by its text. `may_forget` is asked with the project's creator."""
    stored = await data_store.message_turns(db, chat_id, message_id)
    if stored is None:  # perhaps a later fragment of a stitched paste, keyed by its first
        before = await data_store.nearest_before(db, chat_id, message_id, lookback)
        part = probe(text)
        if before is not None and before.source == "pasted" and part and part in before.text:
            stored = before
    if stored is None:
        return Forgetting("nothing_stored")
    project = await project_store.get_project(db, chat_id, stored.project_id)
    if project is None or not await may_forget(project.created_by):
        return Forgetting("not_allowed")
    removed = await data_store.forget_turns(db, stored.turn_ids)
    quote = probe(stored.text)
    quoted = await data_store.handoffs_containing(db, stored.project_id, quote) if quote else 0
    return Forgetting("forgotten", removed, stored.project_name, stored.session_number, quoted)
