"""Issue 3: pasted conversations and long pastes split by Telegram into several messages."""
from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import replace
from pathlib import Path

import pytest

from bot.config import CaptureConfig
from tests.harness import (
    FRIEND_ID,
    GROUP_CHAT,
    Harness,
    make_config,
    open_session,
    stored_turns,
    texts,
)


async def test_split_paste_is_stitched_in_message_order(baton: Harness, db_path: Path) -> None:
    await open_session(baton)
    parts = ["A" * 4096, "B" * 4096, "C" * 100]
    # Telegram may deliver the fragments out of order; ids say where each belongs.
    for message_id, text in ((502, parts[1]), (501, parts[0]), (503, parts[2])):
        await baton.send(text, message_id=message_id, settle=False)
    await baton.settle()
    assert stored_turns(db_path) == [("note", "Rina", "pasted", "\n".join(parts))]


async def test_a_command_ends_the_window(baton: Harness, db_path: Path) -> None:
    await open_session(baton)
    await baton.send("first half of a long paste", message_id=601, settle=False)
    await baton.send("second half with tests/test_cart.py", message_id=602, settle=False)
    calls = await baton.send("/complete")
    [doc] = [c for c in calls if c.method == "sendDocument"]
    assert "tests/test_cart.py" in doc.document[1]  # type: ignore[index]
    assert [t[3] for t in stored_turns(db_path)] == [
        "first half of a long paste\nsecond half with tests/test_cart.py"]


async def test_gaps_and_other_senders_are_not_stitched(baton: Harness, db_path: Path) -> None:
    assert baton.app is not None  # typed group text is kept with [capture] groups = "all"
    baton.app.bot_data.capture = replace(baton.app.bot_data.capture, groups="all")
    await open_session(baton, chat_id=GROUP_CHAT)
    await baton.send("one", message_id=700, chat_id=GROUP_CHAT, settle=False)
    await baton.send("two", message_id=702, chat_id=GROUP_CHAT, settle=False)  # gap
    await baton.send("three", message_id=703, chat_id=GROUP_CHAT, user_id=FRIEND_ID,
                     first_name="Ann", settle=False)
    await baton.settle()
    assert sorted((t[1], t[3]) for t in stored_turns(db_path)) == [
        ("Ann", "three"), ("Rina", "one"), ("Rina", "two")]


async def test_forwarded_message_keeps_order_after_typed_text(baton: Harness, db_path: Path) -> None:
    await open_session(baton)
    await baton.send("my question", message_id=800, settle=False)
    await baton.send("the answer", message_id=801, settle=False, forward_origin={
        "type": "user", "date": 1, "sender_user": {"id": 5, "is_bot": True, "first_name": "GPT"}})
    await baton.settle()
    assert [t[3] for t in stored_turns(db_path)] == ["my question", "the answer"]


async def test_pasted_conversation_is_split_by_role_markers(baton: Harness, db_path: Path) -> None:
    await open_session(baton)
    paste = ("##### You said:\nWhy does the cart test fail?\n"
             "##### ChatGPT said:\nFloats. Try this:\n```python\nUser: not a marker in code\n"
             "total = Decimal('0.10')\n```\nThen run `pytest -q`.\n"
             "**User:** thanks, next do checkout")
    await baton.send(paste)
    assert stored_turns(db_path) == [
        ("user", "You", "pasted", "Why does the cart test fail?"),
        ("assistant", "ChatGPT", "pasted", "Floats. Try this:\n```python\nUser: not a marker in code\n"
                                           "total = Decimal('0.10')\n```\nThen run `pytest -q`."),
        ("user", "User", "pasted", "thanks, next do checkout"),
    ]
    await baton.settle()
    assert "Saved 3 messages" in baton.sent()[-1].text


async def test_paste_without_markers_stays_one_typed_turn(baton: Harness, db_path: Path) -> None:
    await open_session(baton)
    await baton.send("just a note: Human resources called")
    assert stored_turns(db_path) == [("note", "Rina", "typed", "just a note: Human resources called")]


@pytest.fixture
async def small_caps(db_path: Path) -> AsyncIterator[Harness]:
    config = make_config(db_path)
    config = replace(config, capture=replace(config.capture, max_paste_parts=2))
    harness = Harness(config)
    await harness.start()
    yield harness
    await harness.stop()


async def test_stitching_is_capped_in_parts(small_caps: Harness, db_path: Path) -> None:
    await open_session(small_caps)
    for i, text in enumerate(("p1", "p2", "p3")):
        await small_caps.send(text, message_id=900 + i, settle=False)
    await small_caps.settle()
    assert [t[3] for t in stored_turns(db_path)] == ["p1\np2", "p3"]


def test_capture_config_defaults() -> None:
    defaults = CaptureConfig()
    assert defaults.stitch_window_s == 1.5 and defaults.max_paste_parts > 2


async def test_paste_with_no_session_stores_nothing(baton: Harness, db_path: Path) -> None:
    await baton.send("/newproject Shop")
    [nudge] = texts(await baton.send("User: hi\nAssistant: hello"))
    assert "no open session" in nudge
    assert stored_turns(db_path) == []
