"""Importing a file into a session: read it (off the event loop), pick a conversation,
store it all or nothing, never twice; and the held updates that keep a file's update in
SQLite while it is read, so a crash meanwhile imports it at the next start."""
from __future__ import annotations

import asyncio
import hashlib
from dataclasses import dataclass
from typing import Literal

from service.capture import CaptureState, Target
from service.runtime import Runtime
from storage import held_updates
from storage.import_records import SessionClosed, import_turns
from storage.models import NewTurn, is_role
from transcripts.detect import parse_file
from transcripts.model import Choice, Limits, Transcript, TranscriptError, conversation_times


@dataclass(frozen=True, slots=True)
class Imported:
    added: int
    transcript: Transcript


@dataclass(frozen=True, slots=True)
class NotImported:
    """`already`: this conversation is in the session; `closed`: the session closed while
    the file was read, so nothing was added."""

    why: Literal["already", "closed"]


@dataclass(frozen=True, slots=True)
class Offer:
    """The file holds several conversations and none was named (or the caption named none
    of them: `problem` says why): ask which."""

    choice: Choice
    problem: str | None


@dataclass(frozen=True, slots=True)
class Refused:
    """The file cannot be read; `problem` is the one sentence that says why."""

    problem: str


ImportResult = Imported | NotImported | Offer | Refused


def import_digest(data: bytes, transcript: Transcript) -> str:
    """The file plus which conversation in it: the same pick twice imports nothing new."""
    picked = f"{transcript.title}\0{len(transcript.turns)}".encode()
    return hashlib.sha256(data + b"\0" + picked).hexdigest()


async def _read(name: str, data: bytes, choose: str | None, limits: Limits) -> Transcript | Choice:
    """Parsing a big export is CPU work: keep it off the event loop."""
    return await asyncio.to_thread(parse_file, name, data, choose=choose, limits=limits)


async def store_transcript(rt: Runtime, state: CaptureState, target: Target, data: bytes,
                           transcript: Transcript, chat_id: int, message_id: int
                           ) -> Imported | NotImported:
    """Import into `target`, the session open when the file came (or the button was
    tapped); each turn keeps the conversation's own time, so the session reads in that
    order."""
    turns = [NewTurn(role=t.role if is_role(t.role) else "note", author=t.author,
                     source="file", text=t.text,
                     tg_chat_id=chat_id, tg_message_id=message_id, part=i)
             for i, t in enumerate(transcript.turns)]
    try:
        added = await import_turns(rt.db, target.session_id, import_digest(data, transcript),
                                   transcript.title, turns, conversation_times(transcript.turns))
    except SessionClosed:  # completed or cancelled while the file was downloaded and parsed
        state.forget_target()
        return NotImported("closed")
    if added is None:
        return NotImported("already")
    return Imported(added, transcript)


async def import_file(rt: Runtime, state: CaptureState, target: Target, name: str, data: bytes,
                      caption: str | None, limits: Limits, chat_id: int, message_id: int
                      ) -> ImportResult:
    """Read a file sent during a session and import it, or the conversation its caption
    names; several conversations and no usable caption: an Offer to pick one."""
    try:
        result = await _read(name, data, None, limits)
        if isinstance(result, Choice) and caption:
            choice = result
            try:
                result = await _read(name, data, caption, limits)
            except TranscriptError as exc:
                return Offer(choice, str(exc))
    except TranscriptError as exc:
        return Refused(str(exc))
    if isinstance(result, Choice):
        return Offer(result, None)
    return await store_transcript(rt, state, target, data, result, chat_id, message_id)


async def import_pick(rt: Runtime, state: CaptureState, target: Target, name: str, data: bytes,
                      index: int, limits: Limits, chat_id: int, message_id: int
                      ) -> Imported | NotImported | Refused:
    """Import conversation `index` of a file offered earlier."""
    try:
        result = await _read(name, data, f"#{index}", limits)
    except TranscriptError as exc:
        return Refused(str(exc))
    assert isinstance(result, Transcript)  # "#index" names one conversation or raises
    return await store_transcript(rt, state, target, data, result, chat_id, message_id)


async def hold(rt: Runtime, update_id: int, chat_id: int, payload: str) -> bool:
    """Keep a file's update until its import ends; False when it is held already
    (Telegram sent it again while it is being read)."""
    return await held_updates.hold(rt.db, update_id, chat_id, payload)


async def release(rt: Runtime, update_id: int) -> None:
    """The import ended (stored, refused or answered): forget its update."""
    await held_updates.release(rt.db, update_id)


async def held(rt: Runtime) -> list[tuple[int, str]]:
    """(update id, payload) of every file a previous run did not finish, oldest first."""
    return await held_updates.held(rt.db)
