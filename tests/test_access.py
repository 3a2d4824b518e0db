"""Point 8: access — refusal with the user's id, nothing stored, allowed chats, open mode."""
from __future__ import annotations

import sqlite3
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from tests.harness import GROUP_CHAT, OWNER_ID, STRANGER_ID, Harness, make_config, texts


def table_counts(db_path: Path) -> tuple[int, int, int]:
    with sqlite3.connect(db_path) as conn:
        return tuple(conn.execute(f"SELECT COUNT(*) FROM {t}").fetchone()[0]
                     for t in ("projects", "sessions", "turns"))


async def test_stranger_is_refused_once_with_their_id(baton: Harness, db_path: Path) -> None:
    calls = await baton.send("/newproject Mine", user_id=STRANGER_ID, chat_id=STRANGER_ID)
    [refusal] = texts(calls)
    assert f"<code>{STRANGER_ID}</code>" in refusal and "allowed_user_ids" in refusal
    assert texts(await baton.send("hello?", user_id=STRANGER_ID, chat_id=STRANGER_ID)) == []
    assert table_counts(db_path) == (0, 0, 0)


async def test_stranger_in_a_group_learns_the_chat_id_too(baton: Harness) -> None:
    [refusal] = texts(await baton.send("/start", user_id=STRANGER_ID, chat_id=GROUP_CHAT))
    assert f"<code>{STRANGER_ID}</code>" in refusal and f"<code>{GROUP_CHAT}</code>" in refusal


async def test_stranger_messages_in_owner_session_are_not_stored(baton: Harness, db_path: Path) -> None:
    await baton.send("/newproject Team", chat_id=GROUP_CHAT)
    await baton.send("/startsession", chat_id=GROUP_CHAT)
    await baton.send("sneaky", chat_id=GROUP_CHAT, user_id=STRANGER_ID)
    await baton.send("/note sneaky", chat_id=GROUP_CHAT, user_id=STRANGER_ID)
    assert table_counts(db_path) == (1, 1, 0)


async def test_stranger_button_press_is_refused(baton: Harness) -> None:
    calls = await baton.press("use:1", user_id=STRANGER_ID, chat_id=STRANGER_ID)
    answer = next(c for c in calls if c.method == "answerCallbackQuery")
    assert "private" in answer.params["text"]


@pytest.fixture
async def chat_allowed(db_path: Path) -> AsyncIterator[Harness]:
    harness = Harness(make_config(db_path, allowed_chat_ids=(GROUP_CHAT,)))
    await harness.start()
    yield harness
    await harness.stop()


async def test_allowed_chat_admits_everyone_in_it(chat_allowed: Harness) -> None:
    [reply] = texts(await chat_allowed.send("/newproject Team", chat_id=GROUP_CHAT,
                                            user_id=STRANGER_ID))
    assert "Created" in reply
    [refused] = texts(await chat_allowed.send("/start", chat_id=OWNER_ID, user_id=OWNER_ID))
    assert "private" in refused


async def test_default_config_refuses_everyone(db_path: Path) -> None:
    harness = Harness(make_config(db_path, open=False))
    await harness.start()
    try:
        [refusal] = texts(await harness.send("/start"))
        assert f"<code>{OWNER_ID}</code>" in refusal
    finally:
        await harness.stop()


async def test_open_mode_admits_everyone(db_path: Path) -> None:
    harness = Harness(make_config(db_path, open=True))
    await harness.start()
    try:
        [reply] = texts(await harness.send("/newproject X", user_id=STRANGER_ID, chat_id=STRANGER_ID))
        assert "Created" in reply
    finally:
        await harness.stop()
