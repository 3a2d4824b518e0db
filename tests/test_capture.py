"""Point 5: capture — roles from forward_origin, captions, quiet acks, no session, redelivery."""
from __future__ import annotations

import asyncio
from pathlib import Path

from tests.harness import (
    GROUP_CHAT,
    Harness,
    open_session,
    stored_turns,
    texts,
    user_json,
)


async def test_roles_authors_and_sources(baton: Harness, db_path: Path) -> None:
    await open_session(baton)
    await baton.send("my own note")
    await baton.send("Use Decimal for money.", forward_origin={
        "type": "user", "date": 1, "sender_user": user_json(555, "ChatGPT", is_bot=True)})
    await baton.send("can you add tests?", forward_origin={
        "type": "user", "date": 1, "sender_user": user_json(556, "Ann", last_name="Lee")})
    await baton.send("hidden one", forward_origin={
        "type": "hidden_user", "date": 1, "sender_user_name": "Mystery Person"})
    await baton.send("from a group", forward_origin={
        "type": "chat", "date": 1, "sender_chat": {"id": -5, "type": "group", "title": "Dev chat"}})
    await baton.send("from a channel", forward_origin={
        "type": "channel", "date": 1, "message_id": 3,
        "chat": {"id": -100777, "type": "channel", "title": "Release notes"}})
    await baton.send(caption="screenshot says: KeyError: 'price'", forward_origin={
        "type": "user", "date": 1, "sender_user": user_json(555, "ChatGPT", is_bot=True)})
    assert stored_turns(db_path) == [
        ("note", "Rina", "typed", "my own note"),
        ("assistant", "ChatGPT", "forwarded", "Use Decimal for money."),
        ("user", "Ann Lee", "forwarded", "can you add tests?"),
        ("user", "Mystery Person", "forwarded", "hidden one"),
        ("user", "Dev chat", "forwarded", "from a group"),
        ("user", "Release notes", "forwarded", "from a channel"),
        ("assistant", "ChatGPT", "forwarded", "screenshot says: KeyError: 'price'"),
    ]


async def test_one_quiet_ack_per_burst(baton: Harness) -> None:
    await open_session(baton)
    before = len(baton.sent())
    for i in range(5):
        calls = await baton.send(f"answer {i}", settle=False, forward_origin={
            "type": "user", "date": 1, "sender_user": user_json(555, "GPT", is_bot=True)})
        assert texts(calls) == []  # nothing per message
    await baton.wait_for(lambda: len(baton.sent()) > before)
    await asyncio.sleep(0.3)  # a second ack would have arrived by now
    [ack] = baton.sent()[before:]
    assert ack.text == "✓ Saved 5 messages (5 from AI) to session 1 of <b>Shop</b>."
    assert ack.params["disable_notification"] is True


async def test_no_session_replies_once_and_stores_nothing(baton: Harness, db_path: Path) -> None:
    [no_project] = texts(await baton.send("hello"))
    assert "/newproject" in no_project
    await baton.send("/newproject Shop")
    first = texts(await baton.send("hello again"))
    second = texts(await baton.send("and again"))
    assert len(first) == 1 and "no open session" in first[0] and "/startsession" in first[0]
    assert second == []
    assert stored_turns(db_path) == []


async def test_redelivered_update_is_stored_once(baton: Harness, db_path: Path) -> None:
    await open_session(baton)
    message = baton.message_json("same message", message_id=4242)
    await baton.process({"message": message})
    await baton.process({"message": message})
    await baton.settle()
    await baton.process({"message": message})  # and again after it was stored
    await baton.settle()
    assert [t[3] for t in stored_turns(db_path)] == ["same message"]


async def test_note_command_works_in_groups(baton: Harness, db_path: Path) -> None:
    await open_session(baton, chat_id=GROUP_CHAT)
    await baton.send("/note@baton_test_bot decided: Postgres, not Redis", chat_id=GROUP_CHAT)
    [empty] = texts(await baton.send("/note", chat_id=GROUP_CHAT))
    assert "Write the note after the command" in empty
    assert stored_turns(db_path) == [("note", "Rina", "typed", "decided: Postgres, not Redis")]


async def test_media_without_text(baton: Harness, db_path: Path) -> None:
    await open_session(baton)
    sticker = {"sticker": {"file_id": "s", "file_unique_id": "su", "width": 1, "height": 1,
                           "is_animated": False, "is_video": False, "type": "regular"}}
    [reply] = texts(await baton.send(extra=sticker))
    assert "only keep text" in reply
    assert texts(await baton.send(extra=sticker, chat_id=GROUP_CHAT)) == []
    assert stored_turns(db_path) == []
