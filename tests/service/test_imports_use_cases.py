"""service.imports without Telegram, on a real SQLite file: a file read and imported all or
nothing, never twice, never into a session that closed meanwhile; a pick among several
conversations; refusals in one sentence; and the held updates a restart resumes."""
from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from service import capture, imports
from service.capture import CaptureState, Target
from service.imports import Imported, NotImported, Offer, Refused
from service.runtime import Runtime
from storage import projects, sessions
from transcripts.detect import parse_file
from transcripts.model import Limits, Transcript

SAMPLES = Path(__file__).parents[1] / "data" / "samples"
TWO = (SAMPLES / "chatgpt_two_conversations.json").read_bytes()  # "Checkout bug", "Deploy plan"
CHAT = 42
USER = 7
LIMITS = Limits()


async def _unused_hook(rt: Runtime, outcomes: list[Any]) -> None:
    """Imports store their turns themselves, never through the turn writer."""


@pytest.fixture
async def rt(tmp_path: Path) -> AsyncIterator[Runtime]:
    runtime = await Runtime.open(tmp_path / "baton.db", _unused_hook)
    try:
        yield runtime
    finally:
        await runtime.close()


@pytest.fixture
async def target(rt: Runtime) -> Target:
    project = await projects.create_project(rt.db, CHAT, "Shop", "", USER)
    session = await sessions.start_session(rt.db, project.id, "", USER)
    found = await capture.find_target(rt, CaptureState(), CHAT, None)
    assert found == Target("Shop", session.id, 1)
    return found


async def stored(rt: Runtime) -> list[tuple[Any, ...]]:
    rows = await rt.db.fetchall("SELECT role, author, source, text FROM turns ORDER BY id")
    return [tuple(r) for r in rows]


async def test_a_transcript_is_imported_once(rt: Runtime, target: Target) -> None:
    data = b"User: why does the cart fail?\nAssistant: floats; use Decimal.\n"
    state = CaptureState()
    result = await imports.import_file(rt, state, target, "chat.txt", data, None, LIMITS, CHAT, 5)
    assert isinstance(result, Imported) and result.added == 2
    assert await stored(rt) == [("user", "User", "file", "why does the cart fail?"),
                                ("assistant", "Assistant", "file", "floats; use Decimal.")]
    again = await imports.import_file(rt, state, target, "chat.txt", data, None, LIMITS, CHAT, 6)
    assert again == NotImported("already")
    assert len(await stored(rt)) == 2


async def test_a_session_closed_while_reading_gets_nothing(rt: Runtime, target: Target) -> None:
    state = CaptureState(targets={0: target})
    await sessions.complete_session(rt.db, target.session_id, "")
    result = await imports.import_file(rt, state, target, "chat.txt", b"User: hi\n", None,
                                       LIMITS, CHAT, 5)
    assert result == NotImported("closed")
    assert not state.targets  # looked up again next time
    assert await stored(rt) == []


async def test_several_conversations_are_offered_or_picked(rt: Runtime, target: Target) -> None:
    state = CaptureState()
    offer = await imports.import_file(rt, state, target, "conversations.json", TWO, None,
                                      LIMITS, CHAT, 5)
    assert isinstance(offer, Offer) and offer.problem is None
    assert [c.title for c in offer.choice.conversations] == ["Deploy plan", "Checkout bug"]
    unknown = await imports.import_file(rt, state, target, "conversations.json", TWO, "nothing like it",
                                        LIMITS, CHAT, 5)
    assert isinstance(unknown, Offer) and unknown.problem  # the caption named none: say so, offer
    named = await imports.import_file(rt, state, target, "conversations.json", TWO, "checkout",
                                      LIMITS, CHAT, 5)
    assert isinstance(named, Imported) and named.transcript.title == "Checkout bug"
    assert await imports.import_pick(rt, state, target, "conversations.json", TWO,
                                     offer.choice.conversations[1].index, LIMITS, CHAT, 5
                                     ) == NotImported("already")  # the same pick as the caption
    other = await imports.import_pick(rt, state, target, "conversations.json", TWO,
                                      offer.choice.conversations[0].index, LIMITS, CHAT, 5)
    assert isinstance(other, Imported) and other.added == 4
    assert len(await stored(rt)) == 6


async def test_an_unreadable_file_is_refused_with_nothing_stored(rt: Runtime, target: Target) -> None:
    state = CaptureState()
    for name, data in (("broken.json", b'{"mapping": {'), ("image.png", b"\x89PNG\r\n\x1a\n\0\0\0")):
        result = await imports.import_file(rt, state, target, name, data, None, LIMITS, CHAT, 5)
        assert isinstance(result, Refused) and result.problem.endswith(".")
    assert await stored(rt) == []


def test_the_digest_names_the_file_and_the_conversation_picked() -> None:
    first = parse_file("conversations.json", TWO, choose="#0")
    second = parse_file("conversations.json", TWO, choose="#1")
    assert isinstance(first, Transcript) and isinstance(second, Transcript)
    assert imports.import_digest(TWO, first) == imports.import_digest(TWO, first)
    assert len({imports.import_digest(TWO, first), imports.import_digest(TWO, second),
                imports.import_digest(TWO + b" ", first)}) == 3


async def test_held_updates_wait_for_the_next_start_until_released(rt: Runtime) -> None:
    assert await imports.hold(rt, 100, CHAT, '{"update_id": 100}')
    assert not await imports.hold(rt, 100, CHAT, '{"update_id": 100}')  # sent again while held
    assert await imports.hold(rt, 99, CHAT, '{"update_id": 99}')
    assert await imports.held(rt) == [(99, '{"update_id": 99}'), (100, '{"update_id": 100}')]
    await imports.release(rt, 99)
    assert await imports.held(rt) == [(100, '{"update_id": 100}')]
