"""Forum topics are places (issue 11 points 1 and 7), through the real Application: each
topic of a forum supergroup (and its General topic) has its own active project and
session, and every reply, acknowledgement and handoff goes to the topic it belongs to."""
from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import Any

from handlers.replies import SEND_ATTEMPTS, Backoff
from tests.fake_bot_api import SERVER_ERROR, Call
from tests.harness import FRIEND_ID, GROUP_CHAT, Harness, make_config, stored_turns, texts

FORUM = GROUP_CHAT
FRONT, BACK = 11, 22  # two topics; None is the General topic
GENERAL = None
SENDS = ("sendMessage", "sendDocument", "sendChatAction")


def ai(text: str) -> dict[str, Any]:
    """A forwarded AI answer (kept whatever [capture] groups says)."""
    return {"forward_origin": {"type": "user", "date": 1,
                               "sender_user": {"id": 4242, "is_bot": True, "first_name": "GPT"}}}


async def say(baton: Harness, text: str | None, thread: int | None, **kwargs: Any) -> list[Call]:
    """A message in a topic of the forum (GENERAL: the General topic); every message the
    bot sends because of it must go to that same topic."""
    calls = await baton.send(text, chat_id=FORUM, thread_id=thread, forum=True, **kwargs)
    sent = [c for c in calls if c.method in SENDS]
    assert [c.params.get("message_thread_id") for c in sent] == [thread] * len(sent), (text, sent)
    return calls


async def forward(baton: Harness, text: str, thread: int | None) -> list[Call]:
    return await say(baton, text, thread, extra=ai(text))


def handoff_of(calls: list[Call]) -> tuple[str, str]:
    [doc] = [c for c in calls if c.method == "sendDocument"]
    assert doc.document is not None
    return doc.document


async def two_topics(baton: Harness) -> None:
    """Frontend in one topic, Backend in the other, each with session 1 open."""
    for name, thread in (("Frontend", FRONT), ("Backend", BACK)):
        [made] = texts(await say(baton, f"/newproject {name}", thread))
        assert made.startswith(f"Created <b>{name}</b> and made it the active project of this topic")
        [started] = texts(await say(baton, "/startsession", thread))
        assert started.startswith(f"Session 1 of <b>{name}</b> started.")


async def test_two_topics_capture_and_complete_independently(baton: Harness, db_path: Path) -> None:
    await two_topics(baton)
    # (how a group is acknowledged is [capture] group_ack's; say() checks where it goes)
    await forward(baton, "I edited components/Navbar.tsx to add the menu.", FRONT)
    await forward(baton, "Run alembic upgrade on db/schema_v2.sql first.", BACK)
    await say(baton, "/note the menu collapses under 600px", FRONT)
    await say(baton, "/note keep UUID primary keys", BACK)
    [stats] = texts(await say(baton, "/stats", FRONT))
    assert "Frontend" in stats and "Backend" not in stats
    [stats] = texts(await say(baton, "/stats", BACK))
    assert "Backend" in stats and "Frontend" not in stats

    # a member completes Frontend in its topic: Frontend's handoff, with Frontend's facts only
    name, front = handoff_of(await say(baton, "/complete navbar done", FRONT, user_id=FRIEND_ID,
                                       first_name="Ann"))
    assert name == "frontend-handoff-s1.md"
    assert "components/Navbar.tsx" in front and "600px" in front
    assert "schema_v2.sql" not in front and "UUID" not in front

    # Backend's session is still open in its topic, and completes on its own
    await say(baton, "/note indexes on user_id", BACK)
    name, back = handoff_of(await say(baton, "/complete schema migrated", BACK))
    assert name == "backend-handoff-s1.md"
    assert "db/schema_v2.sql" in back and "UUID" in back and "user_id" in back
    assert "Navbar.tsx" not in back and "600px" not in back
    assert len(stored_turns(db_path)) == 5

    # the General topic has no project of its own, and says so there
    [general] = texts(await say(baton, "/stats", GENERAL))
    assert general.startswith("No active project in this chat yet")
    [nothing] = texts(await say(baton, "/startsession", 33))  # a third topic
    assert nothing.startswith("No active project in this topic yet") and "/use NAME" in nothing
    # and a message forwarded there is not filed under another topic's project
    [nudge] = texts(await forward(baton, "stray answer", 33))
    assert nudge.startswith("No active project in this topic yet")
    assert len(stored_turns(db_path)) == 5


async def test_use_binds_a_project_to_another_topic(baton: Harness, db_path: Path) -> None:
    await two_topics(baton)
    [switched] = texts(await say(baton, "/use backend", GENERAL))
    assert switched == "<b>Backend</b> is now the active project of this topic."
    # the same project, so the same open session, from the General topic too
    [still] = texts(await say(baton, "/startsession", GENERAL))
    assert still.startswith("Session 1 of <b>Backend</b> is still open")
    await forward(baton, "Use psycopg 3 for async.", GENERAL)
    # the Frontend topic still has Frontend; its /projects marks that one
    [listing] = [c for c in await say(baton, "/projects", FRONT) if c.method == "sendMessage"]
    assert "▶️ <b>Frontend</b>" in listing.text and "• <b>Backend</b>" in listing.text
    [[label, data]] = [(b["text"], b["callback_data"])
                       for row in listing.params["reply_markup"]["inline_keyboard"] for b in row]
    assert label == "Switch to Backend"
    # a switch button pressed in a topic switches that topic only
    await baton.press(data, chat_id=FORUM, thread_id=FRONT)
    [stats] = texts(await say(baton, "/stats", FRONT))
    assert "Backend" in stats
    name, back = handoff_of(await say(baton, "/complete", BACK))
    assert name == "backend-handoff-s1.md" and "psycopg 3" in back
    await say(baton, "/use Frontend", FRONT)
    [open_front] = texts(await say(baton, "/sessions", FRONT))
    assert open_front.startswith("<b>Frontend</b> — 1 session") and "open" in open_front


async def test_topics_keep_their_projects_across_a_restart(baton: Harness) -> None:
    await two_topics(baton)
    await baton.restart()
    await say(baton, "/note after the restart", BACK)
    [draft] = [c for c in await say(baton, "/handoff", FRONT) if c.method == "sendDocument"]
    assert draft.document is not None and draft.document[0] == "frontend-handoff-s1-draft.md"
    assert "after the restart" not in draft.document[1]
    _, back = handoff_of(await say(baton, "/complete", BACK))
    assert "after the restart" in back


async def test_a_file_is_imported_into_its_topic_s_session(baton: Harness) -> None:
    await two_topics(baton)
    calls = await baton.send_document("chat.txt", b"User: where is the bug\nAssistant: in cart.py",
                                      chat_id=FORUM, thread_id=BACK, forum=True)
    [answer] = [c for c in calls if c.method == "sendMessage"]
    assert answer.text.startswith("Imported 2 turns") and answer.params["message_thread_id"] == BACK
    _, front = handoff_of(await say(baton, "/complete", FRONT))
    assert "cart.py" not in front
    _, back = handoff_of(await say(baton, "/complete", BACK))
    assert "cart.py" in back


async def test_a_reply_chain_in_an_ordinary_supergroup_is_not_a_topic(baton: Harness) -> None:
    """Telegram gives replies in a supergroup without topics a message_thread_id too (the
    chain's first message); that is not a place of its own."""
    chain = {"message_thread_id": 555}
    await baton.send("/newproject Team", chat_id=GROUP_CHAT)
    calls = await baton.send("/startsession", chat_id=GROUP_CHAT, extra=chain)
    [started] = [c for c in calls if c.method == "sendMessage"]
    assert "Session 1 of <b>Team</b>" in started.text and "message_thread_id" not in started.params
    await baton.send("/note from a reply chain", chat_id=GROUP_CHAT, extra=chain)
    calls = await baton.send("/complete", chat_id=GROUP_CHAT, extra=chain)
    [doc] = [c for c in calls if c.method == "sendDocument"]
    assert doc.document is not None and "from a reply chain" in doc.document[1]
    assert "message_thread_id" not in doc.params


async def test_complete_at_a_teammate_names_them_and_anyone_starts_next(baton: Harness) -> None:
    await two_topics(baton)
    await forward(baton, "Navbar is in components/Navbar.tsx.", FRONT)
    calls = await say(baton, "/complete @dana shipped the navbar", FRONT)
    [doc] = [c for c in calls if c.method == "sendDocument"]
    assert doc.text.startswith("For @dana: the next session is yours (/startsession).\n"
                               "<b>Frontend</b> — handoff after session 1")
    [listing] = texts(await say(baton, "/sessions", FRONT))
    assert "shipped the navbar" in listing and "@dana" not in listing  # the rest is the notes
    # Dana (another member) starts the next session and gets the handoff first
    calls = await say(baton, "/startsession", FRONT, user_id=FRIEND_ID, first_name="Dana")
    started, sent = texts(calls)
    assert started.startswith("Session 2 of <b>Frontend</b> started.")
    assert handoff_of(calls)[0] == "frontend-handoff-s1.md" and "For @dana" not in sent
    # without a teammate the caption is as before
    calls = await say(baton, "/complete plain notes", BACK)
    [doc] = [c for c in calls if c.method == "sendDocument"]
    assert doc.text.startswith("<b>Backend</b> — handoff after session 1")


async def test_a_handoff_that_cannot_be_sent_still_names_the_teammate(baton: Harness) -> None:
    assert baton.app is not None

    async def no_wait(seconds: float) -> None:
        return None

    baton.app.bot_data.delivery = Backoff(sleep=no_wait)
    await two_topics(baton)
    baton.api.fail("sendDocument", *[SERVER_ERROR] * SEND_ATTEMPTS)
    calls = await say(baton, "/complete @dana shipped", FRONT)
    assert [c.status for c in calls if c.method == "sendDocument"] == [500] * SEND_ATTEMPTS
    [told] = texts([c for c in calls if c.method == "sendMessage"])
    assert told.startswith("For @dana: the next session is yours") and "/handoff 1" in told


async def test_interleaved_bursts_in_two_topics_are_acknowledged_in_each(db_path: Path) -> None:
    """With summaries, a burst that alternates between two topics gets one summary in each
    topic, each counting its own messages and naming its own project."""
    config = make_config(db_path)
    baton = Harness(replace(config, capture=replace(config.capture, group_ack="summary",
                                                    group_ack_every_s=0.0)))
    await baton.start()
    try:
        await two_topics(baton)
        before = len(baton.api.calls)
        for thread in (FRONT, BACK, FRONT, BACK, FRONT):
            await baton.send("an answer", chat_id=FORUM, thread_id=thread, extra=ai("x"),
                             settle=False)
        await baton.settle()
        acks = sorted((c.params.get("message_thread_id"), c.text)
                      for c in baton.api.calls[before:] if c.method == "sendMessage")
        assert acks == [(FRONT, "✓ Saved 3 messages (3 from AI) to session 1 of <b>Frontend</b>."),
                        (BACK, "✓ Saved 2 messages (2 from AI) to session 1 of <b>Backend</b>.")]
    finally:
        await baton.stop()
