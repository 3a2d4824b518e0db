"""service.capture without Telegram, on a real SQLite file: where a chat's turns go, the
nudge when there is nowhere, counting stored turns into one acknowledgement, stitching
typed fragments into a paste, and what a restart finds of them."""
from __future__ import annotations

from collections import defaultdict
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from service import capture
from service.capture import (
    NUDGE_EVERY_S,
    CaptureState,
    Committed,
    Nudge,
    PasteLimits,
    Said,
    Target,
)
from service.runtime import Runtime
from storage import projects, sessions
from storage.models import Session

CHAT = 42
USER = 7
WIDE = PasteLimits(max_parts=30, max_chars=200_000)


class Chats:
    """Per-chat capture state and what the writer's hook reported, as the bot keeps them."""

    def __init__(self) -> None:
        self.states: defaultdict[int, CaptureState] = defaultdict(CaptureState)
        self.reports: list[Committed] = []

    async def told(self, committed: Committed) -> None:
        self.reports.append(committed)

    @property
    def acks(self) -> list[tuple[int, int | None]]:
        return [where for report in self.reports for where in report.acks]

    @property
    def nudges(self) -> list[Nudge]:
        return [nudge for report in self.reports for nudge in report.nudges]


@pytest.fixture
def chats() -> Chats:
    return Chats()


@pytest.fixture
async def rt(tmp_path: Path, chats: Chats) -> AsyncIterator[Runtime]:
    runtime = await Runtime.open(tmp_path / "baton.db",
                                 capture.after_commit(chats.states.__getitem__, chats.told))
    try:
        yield runtime
    finally:
        await runtime.close()


async def open_session(rt: Runtime, chat: int = CHAT, name: str = "Shop") -> Session:
    project = await projects.create_project(rt.db, chat, name, "", USER)
    return await sessions.start_session(rt.db, project.id, "", USER)


async def stored(rt: Runtime) -> list[tuple[Any, ...]]:
    rows = await rt.db.fetchall(
        "SELECT role, author, source, text, tg_message_id, part FROM turns ORDER BY id")
    return [tuple(r) for r in rows]


async def fragments(rt: Runtime) -> list[int]:
    rows = await rt.db.fetchall("SELECT message_id FROM fragments ORDER BY message_id")
    return [r[0] for r in rows]


def typed(message_id: int, text: str, user_id: int = USER, thread_id: int | None = None) -> Said:
    return Said(CHAT, thread_id, message_id, "Rina", text, user_id=user_id)


async def test_no_project_is_said_once_per_state_and_interval(rt: Runtime) -> None:
    state = CaptureState()
    assert await capture.find_target(rt, state, CHAT, 5, now=100.0) == Nudge(CHAT, 5, None)
    assert await capture.find_target(rt, state, CHAT, 5, now=101.0) is None  # told already
    assert await capture.find_target(rt, state, CHAT, 5, now=101.0 + NUDGE_EVERY_S) == Nudge(CHAT, 5, None)
    project = await projects.create_project(rt.db, CHAT, "Shop", "", USER)
    # A new state (a project, no session) is said at once, whatever the interval.
    assert await capture.find_target(rt, state, CHAT, None, now=102.0 + NUDGE_EVERY_S) == Nudge(
        CHAT, None, "Shop")
    session = await sessions.start_session(rt.db, project.id, "", USER)
    assert await capture.find_target(rt, state, CHAT, None) == Target("Shop", session.id, 1)
    assert 0 not in state.nudged  # the next time there is nowhere here, it is said again


async def test_the_target_is_cached_until_forgotten(rt: Runtime) -> None:
    state = CaptureState()
    first = await open_session(rt)
    assert await capture.find_target(rt, state, CHAT, None) == Target("Shop", first.id, 1)
    await sessions.complete_session(rt.db, first.id, "")
    second = await sessions.start_session(rt.db, first.project_id, "", USER)
    assert await capture.find_target(rt, state, CHAT, None) == Target("Shop", first.id, 1)
    state.forget_target()
    assert await capture.find_target(rt, state, CHAT, None) == Target("Shop", second.id, 2)


async def test_captured_turns_are_counted_into_one_acknowledgement(rt: Runtime, chats: Chats) -> None:
    await open_session(rt)
    state = chats.states[CHAT]
    said = [Said(CHAT, None, 1, "ChatGPT", "use Decimal", "assistant", "forwarded"),
            Said(CHAT, None, 2, "Rina", "noted")]
    for one in said:
        assert await capture.capture(rt, state, one) == []
    assert await capture.capture(rt, state, said[0]) == []  # Telegram sent it again
    await rt.drain()
    assert await stored(rt) == [("assistant", "ChatGPT", "forwarded", "use Decimal", 1, 0),
                                ("note", "Rina", "typed", "noted", 2, 0)]
    assert set(chats.acks) == {(CHAT, None)}
    pending = capture.take_ack(state)
    assert pending is not None
    assert (pending.project, pending.session, pending.saved, pending.from_ai) == ("Shop", 1, 2, 1)
    assert capture.take_ack(state) is None  # said once


async def test_turns_that_bounce_off_a_closed_session_nudge_once(rt: Runtime, chats: Chats) -> None:
    session = await open_session(rt)
    state = chats.states[CHAT]
    assert isinstance(await capture.find_target(rt, state, CHAT, None), Target)
    await sessions.complete_session(rt.db, session.id, "")  # behind the cached target
    for message_id in (1, 2, 3):
        await capture.capture(rt, state, Said(CHAT, None, message_id, "Rina", f"late {message_id}"))
    await rt.drain()
    assert await stored(rt) == []
    assert chats.nudges == [Nudge(CHAT, None, "Shop")]  # once, however many bounced
    assert chats.acks == [] and capture.take_ack(state) is None
    assert not state.targets


async def test_nothing_is_submitted_without_an_open_session(rt: Runtime, chats: Chats) -> None:
    await projects.create_project(rt.db, CHAT, "Shop", "", USER, thread_id=3)
    state = chats.states[CHAT]
    assert await capture.capture(rt, state, Said(CHAT, 3, 1, "Rina", "hello")) == [Nudge(CHAT, 3, "Shop")]
    await rt.drain()
    assert await stored(rt) == [] and chats.reports == []


async def test_consecutive_fragments_are_stitched_into_one_paste(rt: Runtime) -> None:
    await open_session(rt)
    state = CaptureState()
    for message_id in (11, 10, 12):  # slightly out of order, as updates can come
        buffered = await capture.add_typed(rt, state, typed(message_id, f"part {message_id}"), WIDE)
        assert buffered is not None and buffered.nudge is None
        key = buffered.key
    assert await capture.add_typed(rt, state, typed(11, "part 11"), WIDE) is None  # redelivered
    await rt.drain()  # what a poll waits for before it confirms the updates
    assert await fragments(rt) == [10, 11, 12] and await stored(rt) == []  # in SQLite already
    assert await capture.flush_paste(rt, state, key) is None
    await rt.drain()  # the writer stores the paste, then forgets its fragments
    assert await stored(rt) == [("note", "Rina", "pasted", "part 10\npart 11\npart 12", 10, 0)]
    assert await fragments(rt) == [] and state.pastes == {}


async def test_a_gap_another_sender_or_the_limits_start_a_new_paste(rt: Runtime) -> None:
    await open_session(rt)
    state = CaptureState()
    two = PasteLimits(max_parts=2, max_chars=200_000)
    for said in (typed(1, "a"), typed(2, "b"), typed(3, "c"),  # the third is over two parts
                 typed(9, "d"),  # not adjacent: "c" is stored first
                 typed(10, "other", user_id=USER + 1)):  # its own buffer
        await capture.add_typed(rt, state, said, two)
    await rt.drain()
    assert [t[3] for t in await stored(rt)] == ["a\nb", "c"]
    assert sorted(state.pastes) == [(0, USER), (0, USER + 1)]
    assert await capture.store_pending(rt, state) == []
    assert [t[3] for t in await stored(rt)] == ["a\nb", "c", "d", "other"]
    assert [t[2] for t in await stored(rt)] == ["pasted", "typed", "typed", "typed"]
    assert await fragments(rt) == []


async def test_a_pasted_conversation_is_split_by_its_markers(rt: Runtime) -> None:
    await open_session(rt)
    state = CaptureState()
    await capture.add_typed(rt, state, typed(1, "User: why does the cart fail?"), WIDE)
    await capture.add_typed(rt, state, typed(2, "Assistant: floats; use Decimal."), WIDE)
    await capture.flush_pastes(rt, state)
    await rt.drain()
    assert await stored(rt) == [("user", "User", "pasted", "why does the cart fail?", 1, 0),
                                ("assistant", "Assistant", "pasted", "floats; use Decimal.", 1, 1)]


async def test_a_paste_with_nowhere_to_go_nudges_and_is_forgotten(rt: Runtime) -> None:
    state = CaptureState()
    await capture.add_typed(rt, state, typed(1, "into the void"), WIDE)
    assert await capture.store_pending(rt, state) == [Nudge(CHAT, None, None)]
    assert await stored(rt) == [] and await fragments(rt) == []
    await capture.add_typed(rt, state, typed(2, "and again"), WIDE)
    assert await capture.store_pending(rt, state) == []  # told once already
    assert await fragments(rt) == []  # forgotten all the same


async def test_fragments_left_by_a_crash_are_stitched_after_a_restart(tmp_path: Path) -> None:
    first = Chats()
    rt = await Runtime.open(tmp_path / "baton.db", capture.after_commit(first.states.__getitem__,
                                                                          first.told))
    await open_session(rt)
    for message_id in (1, 2):
        await capture.add_typed(rt, first.states[CHAT], typed(message_id, f"part {message_id}"), WIDE)
    await rt.close()  # the buffers die with the process; the fragments stay
    again = Chats()
    rt = await Runtime.open(tmp_path / "baton.db", capture.after_commit(again.states.__getitem__,
                                                                          again.told))
    try:
        restored = await capture.restore_fragments(rt, again.states.__getitem__, WIDE)
        assert [(b.chat_id, b.key) for b in restored] == [(CHAT, (0, USER))] * 2
        # A redelivered continuation still joins them.
        await capture.add_typed(rt, again.states[CHAT], typed(3, "part 3"), WIDE)
        await capture.store_pending(rt, again.states[CHAT])
        assert [t[3] for t in await stored(rt)] == ["part 1\npart 2\npart 3"]
        assert await fragments(rt) == []
        assert again.acks == [(CHAT, None)]
    finally:
        await rt.close()


async def test_a_migrated_chat_keeps_its_projects(rt: Runtime) -> None:
    session = await open_session(rt)
    state = CaptureState()
    await capture.find_target(rt, state, CHAT, None)
    await capture.move_chat(rt, state, CHAT, -100777)
    assert not state.targets
    assert await capture.find_target(rt, CaptureState(), -100777, None) == Target("Shop", session.id, 1)
