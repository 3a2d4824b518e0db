"""Capture use cases: where a chat's turns go, stitching typed fragments into one paste, and
counting what the turn writer stored into one acknowledgement per burst.

Each works on the chat's `CaptureState` (held in its chat data) and the `Runtime`; the
handlers turn a message into a `Said`, and render the `Nudge`s and `PendingAck`s returned.

Each place of the chat (a forum topic, or thread 0) has its own target, cached in the
state since it is looked up for every message; code that changes an active project or
session calls `forget_target`, and the turn writer only stores a turn while its session
is still open, so a stale cache cannot misfile one.

Telegram splits a paste over 4096 characters into consecutive messages, so typed text
from one sender is buffered briefly and parsed as one text. Every fragment is in SQLite
(`storage.fragments`) before `add_typed` returns, so before its update is confirmed to
Telegram; the buffer only groups them. A fragment leaves the table once the turns made of
it are stored, and fragments a crash left behind are put back into their buffers at
start-up (`restore_fragments`), where a redelivered continuation still joins them.
"""
from __future__ import annotations

import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field

from service.runtime import AfterCommit, Runtime
from storage import fragments as fragment_store
from storage import projects as project_store
from storage import sessions as session_store
from storage.fragments import Fragment
from storage.models import NewTurn, Project, Role, Source, is_role
from storage.turn_writer import Outcome
from transcripts.pasted import has_markers, split_pasted

NUDGE_EVERY_S = 600.0  # say "nothing saved" again for the same state after this long
PasteKey = tuple[int, int]  # (thread id or 0, sender's user id): one paste buffer each


@dataclass(frozen=True, slots=True)
class Said:
    """What one message said, as its handler read it."""

    chat_id: int
    thread_id: int | None
    message_id: int
    author: str
    text: str
    role: Role = "note"
    source: Source = "typed"
    user_id: int = 0  # the sender: typed text is stitched per sender


@dataclass(frozen=True, slots=True)
class Target:
    """The open session a chat's turns go to."""

    project: str
    session_id: int
    session: int  # its number in the project


@dataclass(frozen=True, slots=True)
class Nudge:
    """Nothing was stored and the user should hear why, once: `project` is None when the
    chat has no active project, else that project has no open session."""

    chat_id: int
    thread_id: int | None
    project: str | None


@dataclass
class PendingAck:
    """What the chat's next acknowledgement will count."""

    project: str
    session: int
    chat_id: int
    thread_id: int | None
    saved: int = 0
    from_ai: int = 0
    message_ids: list[int] = field(default_factory=list)  # the stored messages, for reactions


@dataclass(frozen=True, slots=True)
class Tag:
    """What the writer hands back with each stored turn, to acknowledge it."""

    chat_id: int
    thread_id: int | None
    project: str
    session: int
    from_ai: bool
    message_ids: tuple[int, ...] = ()  # the Telegram messages it came from (a paste: its parts)
    fragments: bool = False  # typed text kept as fragments until this turn is stored


@dataclass(frozen=True, slots=True)
class PasteLimits:
    max_parts: int
    max_chars: int


@dataclass
class PasteBuffer:
    chat_id: int
    thread_id: int | None
    author: str
    parts: dict[int, str] = field(default_factory=dict)  # message id -> text
    chars: int = 0

    @property
    def first_id(self) -> int:
        return min(self.parts)

    @property
    def last_id(self) -> int:
        return max(self.parts)

    def continues_with(self, message_id: int) -> bool:
        """Adjacent ids on either side: updates can arrive slightly out of order."""
        return message_id in (self.last_id + 1, self.first_id - 1)

    def takes(self, said: Said, limits: PasteLimits) -> bool:
        return (self.continues_with(said.message_id) and len(self.parts) < limits.max_parts
                and self.chars + len(said.text) <= limits.max_chars)


@dataclass
class CaptureState:
    """One chat's capture state, kept in its chat data."""

    targets: dict[int, Target] = field(default_factory=dict)  # by thread id (0: no topic)
    nudged: dict[int, tuple[int | None, float]] = field(default_factory=dict)  # by thread id:
    # (project id or None, when it was said)
    acks: dict[int, PendingAck] = field(default_factory=dict)  # by thread id: each topic's own
    summarized_at: float | None = None  # time.monotonic() of the group's last summary
    pastes: dict[PasteKey, PasteBuffer] = field(default_factory=dict)

    def forget_target(self) -> None:
        """An active project or its session changed: look every place's target up again (a
        project may be active in several topics)."""
        self.targets.clear()


@dataclass(frozen=True, slots=True)
class Buffered:
    """Typed text is buffered: (re)start the stitch window of `key`; `nudge` comes from
    storing the paste it ended, when that found nowhere to go."""

    chat_id: int
    key: PasteKey
    nudge: Nudge | None


@dataclass(frozen=True, slots=True)
class Committed:
    """After one batch of the writer: where an acknowledgement grew (chat, thread) and
    what to say to chats whose session closed while their turns were queued."""

    acks: list[tuple[int, int | None]]
    nudges: list[Nudge]


def _nudge(state: CaptureState, chat_id: int, thread_id: int | None, project: Project | None,
           now: float | None = None) -> Nudge | None:
    """A nudge once per state (no project / this project has no session) and interval."""
    said_for = None if project is None else project.id
    now = time.monotonic() if now is None else now
    place = thread_id or 0
    previous = state.nudged.get(place)
    if previous is None or previous[0] != said_for or now - previous[1] > NUDGE_EVERY_S:
        state.nudged[place] = (said_for, now)
        return Nudge(chat_id, thread_id, None if project is None else project.name)
    return None


async def find_target(rt: Runtime, state: CaptureState, chat_id: int, thread_id: int | None,
                      now: float | None = None) -> Target | Nudge | None:
    """The open session of the place (chat, topic); else a Nudge, or None when the user was
    told already. `thread_id` is the forum topic, None or 0 outside one."""
    place = thread_id or 0
    cached = state.targets.get(place)
    if cached is not None:
        return cached
    project, session = await session_store.chat_target(rt.db, chat_id, place)
    if project is not None and session is not None:
        state.nudged.pop(place, None)
        state.targets[place] = Target(project.name, session.id, session.number)
        return state.targets[place]
    return _nudge(state, chat_id, thread_id, project, now)


async def _submit(rt: Runtime, state: CaptureState, chat_id: int, thread_id: int | None,
                  turns: Sequence[NewTurn], parts: Sequence[int] = ()) -> Nudge | None:
    """Hand turns to the writer; `count_committed` counts them once stored. `parts`: the
    messages a paste came in (each turn names only the first)."""
    target = await find_target(rt, state, chat_id, thread_id)
    if not isinstance(target, Target):
        return target
    for turn in turns:
        messages = tuple(parts) or ((turn.tg_message_id,) if turn.tg_message_id else ())
        rt.writer.submit(target.session_id, turn, Tag(chat_id, thread_id, target.project,
                                                      target.session, turn.role == "assistant",
                                                      messages, fragments=bool(parts)))
    return None


async def move_chat(rt: Runtime, state: CaptureState, old_chat_id: int, new_chat_id: int) -> None:
    """A group became a supergroup (a new chat id): its projects and sessions follow it."""
    await project_store.migrate_chat(rt.db, old_chat_id, new_chat_id)
    state.forget_target()


async def capture(rt: Runtime, state: CaptureState, said: Said) -> list[Nudge]:
    """Store one message as a turn, after what the chat pasted before it."""
    nudges = await flush_pastes(rt, state)
    nudge = await _submit(rt, state, said.chat_id, said.thread_id, [NewTurn(
        role=said.role, author=said.author, source=said.source, text=said.text,
        tg_chat_id=said.chat_id, tg_message_id=said.message_id)])
    return nudges if nudge is None else [*nudges, nudge]


async def count_committed(rt: Runtime, outcomes: Sequence[Outcome],
                          state_of: Callable[[int], CaptureState]) -> Committed:
    """Count stored turns into their chat's pending acknowledgement; a chat whose turns
    bounced off a closed session is told once per batch, however many bounced."""
    refused: set[int] = set()
    grown: dict[tuple[int, int | None], None] = {}
    nudges: list[Nudge] = []
    done: dict[int, set[int]] = {}  # chat -> typed fragments whose turns are settled
    for outcome in outcomes:
        tag: Tag = outcome.item.tag
        if tag.fragments:
            done.setdefault(tag.chat_id, set()).update(tag.message_ids)
        state = state_of(tag.chat_id)
        if not outcome.session_open:
            if tag.chat_id not in refused:
                refused.add(tag.chat_id)
                state.forget_target()
                project, _ = await session_store.chat_target(rt.db, tag.chat_id, tag.thread_id or 0)
                nudge = _nudge(state, tag.chat_id, tag.thread_id, project)
                nudges += [nudge] if nudge is not None else []
            continue
        if not outcome.stored:
            continue
        place = tag.thread_id or 0
        pending = state.acks.get(place)
        if pending is None or (pending.project, pending.session) != (tag.project, tag.session):
            pending = PendingAck(tag.project, tag.session, tag.chat_id, tag.thread_id)
            state.acks[place] = pending
        pending.saved += 1
        pending.from_ai += tag.from_ai
        known = set(pending.message_ids[-len(tag.message_ids):])  # a paste's turns share them
        pending.message_ids += [m for m in tag.message_ids if m not in known]
        grown[(tag.chat_id, tag.thread_id)] = None
    for chat, message_ids in done.items():  # stored, already there, or refused and told
        await fragment_store.remove_fragments(rt.db, chat, sorted(message_ids))
    return Committed(list(grown), nudges)


def after_commit(state_of: Callable[[int], CaptureState],
                 on_counted: Callable[[Committed], Awaitable[None]]) -> AfterCommit:
    """The writer's hook: count each stored batch, then hand the result to `on_counted`,
    which tells the chats (a handler: only it can talk to Telegram)."""

    async def hook(rt: Runtime, outcomes: list[Outcome]) -> None:
        await on_counted(await count_committed(rt, outcomes, state_of))

    return hook


def take_ack(state: CaptureState, thread_id: int | None = None) -> PendingAck | None:
    """The acknowledgement due now in the place (thread 0, or a forum topic), and forget
    it; None when nothing was saved there."""
    pending = state.acks.pop(thread_id or 0, None)
    return pending if pending is not None and pending.saved else None


def paste_turns(buffer: PasteBuffer) -> list[NewTurn]:
    """One typed note, or the turns a pasted conversation's role markers delimit."""
    text = "\n".join(buffer.parts[i] for i in sorted(buffer.parts))
    chat_id, message_id = buffer.chat_id, buffer.first_id
    if has_markers(text):
        return [NewTurn(role=t.role if is_role(t.role) else "note",
                        author=t.author or buffer.author, source="pasted",
                        text=t.text, tg_chat_id=chat_id, tg_message_id=message_id, part=i)
                for i, t in enumerate(split_pasted(text)) if t.text.strip()]
    source: Source = "pasted" if len(buffer.parts) > 1 else "typed"
    return [NewTurn(role="note", author=buffer.author, source=source, text=text,
                    tg_chat_id=chat_id, tg_message_id=message_id)]


def paste_key(said: Said) -> PasteKey:
    return (said.thread_id or 0, said.user_id)


async def add_typed(rt: Runtime, state: CaptureState, said: Said,
                    limits: PasteLimits) -> Buffered | None:
    """Store typed text (the writer keeps it in SQLite until its paste is stored: the
    poll confirms the update only once the writer has drained), then buffer it: a
    consecutive message id from the same sender continues the buffer. None for a
    redelivered fragment already in it."""
    buffer = state.pastes.get(paste_key(said))
    if buffer is not None and said.message_id in buffer.parts:
        return None
    rt.writer.keep_fragment(Fragment(  # stored with the next batch, before its paste
        said.chat_id, said.thread_id, said.user_id, said.author, said.message_id, said.text))
    return await _buffer(rt, state, said, limits)


async def _buffer(rt: Runtime, state: CaptureState, said: Said, limits: PasteLimits) -> Buffered:
    key = paste_key(said)
    nudge = None
    buffer = state.pastes.get(key)
    if buffer is not None and not buffer.takes(said, limits):
        nudge = await flush_paste(rt, state, key)
        buffer = None
    if buffer is None:
        buffer = PasteBuffer(said.chat_id, said.thread_id, said.author)
        state.pastes[key] = buffer
    buffer.parts[said.message_id] = said.text
    buffer.chars += len(said.text)
    return Buffered(said.chat_id, key, nudge)


async def flush_paste(rt: Runtime, state: CaptureState, key: PasteKey) -> Nudge | None:
    """Hand the buffer's turns to the writer, which forgets their fragments once it has
    stored them (`count_committed`; a crash in between stores the same turns again at the
    next start, and their key makes that a no-op). Waiting for it here would cost every
    message after a paste a round trip of its own."""
    buffer = state.pastes.pop(key, None)
    if buffer is None:
        return None
    target = await find_target(rt, state, buffer.chat_id, buffer.thread_id)
    if not isinstance(target, Target):  # nowhere to put them, and the person is (or was) told
        await fragment_store.remove_fragments(rt.db, buffer.chat_id, sorted(buffer.parts))
        return target
    return await _submit(rt, state, buffer.chat_id, buffer.thread_id, paste_turns(buffer),
                         sorted(buffer.parts))


async def flush_pastes(rt: Runtime, state: CaptureState) -> list[Nudge]:
    """Store every pending paste of the chat now: a command or another kind of message
    ends the window, so what came before it is stored before it is handled."""
    nudges = [await flush_paste(rt, state, key) for key in list(state.pastes)]
    return [nudge for nudge in nudges if nudge is not None]


async def store_pending(rt: Runtime, state: CaptureState) -> list[Nudge]:
    """Everything the chat sent so far is in SQLite once this returns: pending pastes are
    flushed and the turn writer has drained. Runs before commands and file imports."""
    nudges = await flush_pastes(rt, state)
    await rt.drain()
    return nudges


async def restore_fragments(rt: Runtime, state_of: Callable[[int], CaptureState],
                            limits: PasteLimits) -> list[Buffered]:
    """Put what a previous run left unstitched back into its buffers (their stitch window
    starts again), one `Buffered` per fragment."""
    restored = []
    for fragment in await fragment_store.pending_fragments(rt.db):
        said = Said(fragment.chat_id, fragment.thread_id, fragment.message_id, fragment.author,
                    fragment.text, user_id=fragment.user_id)
        restored.append(await _buffer(rt, state_of(fragment.chat_id), said, limits))
    return restored
