"""Issue 11 points 3-6 through the real Application, in a supergroup of three members:
quiet acknowledgements (a reaction per message, or one summary per burst), what groups
capture, per-member /stats and the team in the handoff, the arrival message and /start's
privacy warning only when privacy mode is on."""
from __future__ import annotations

import time
from collections.abc import AsyncIterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from bot.config import ConfigError, config_from_mapping
from handlers.help import GROUP_PRIVACY_NOTE
from handlers.sink import SAVED_REACTION
from tests.fake_bot_api import BOT_ID, BOT_USERNAME, Fault
from tests.harness import GROUP_CHAT, Harness, make_config, open_session, running, stored_turns, texts

ANA, BEN, CLEO = 2001, 2002, 2003
NAMES = {ANA: "Ana", BEN: "Ben", CLEO: "Cleo"}
GPT = {"type": "user", "date": 1, "sender_user": {"id": 5, "is_bot": True, "first_name": "GPT"}}


def group_harness(db_path: Path, **capture: Any) -> Harness:
    config = make_config(db_path, allowed_chat_ids=(GROUP_CHAT,))
    return Harness(replace(config, capture=replace(config.capture, **capture)))


@pytest.fixture
async def team(db_path: Path) -> AsyncIterator[Harness]:
    """The defaults: group_ack = "reaction", groups = "forwards"."""
    async with running(group_harness(db_path)) as harness:
        yield harness


async def say(baton: Harness, member: int, text: str, **kwargs: Any) -> None:
    await baton.send(text, chat_id=GROUP_CHAT, user_id=member, first_name=NAMES[member],
                     **kwargs)


def turns_of(baton: Harness) -> list[tuple[Any, ...]]:
    return stored_turns(Path(baton.config.storage.path))


def saved_replies(baton: Harness) -> list[str]:
    return [t for t in texts(baton.sent()) if "Saved" in t]


def bot_message(message_id: int) -> dict[str, Any]:
    return {"message_id": message_id, "date": int(time.time()),
            "chat": {"id": GROUP_CHAT, "type": "supergroup", "title": "Team"},
            "from": {"id": BOT_ID, "is_bot": True, "first_name": "Baton", "username": BOT_USERNAME},
            "text": "Session 1 of Team Site started."}


async def test_six_captured_messages_get_six_reactions_and_no_reply(team: Harness) -> None:
    await open_session(team, chat_id=GROUP_CHAT, name="Team Site")
    sent_before = len(team.sent())
    for i, member in enumerate([ANA, BEN, CLEO, ANA, BEN, CLEO]):
        await say(team, member, f"answer {i}", message_id=500 + 2 * i, forward_origin=GPT)
    reactions = team.api.ok("setMessageReaction")
    assert sorted(c.params["message_id"] for c in reactions) == [500 + 2 * i for i in range(6)]
    assert all(c.params["chat_id"] == GROUP_CHAT and c.params["reaction"][0]["emoji"]
               == SAVED_REACTION for c in reactions)
    assert len(team.sent()) == sent_before  # not one "✓ Saved" message
    assert len(turns_of(team)) == 6


async def test_where_reactions_are_refused_the_burst_gets_one_summary(team: Harness) -> None:
    await open_session(team, chat_id=GROUP_CHAT, name="Team Site")
    team.api.fail("setMessageReaction", Fault(400, "Bad Request: REACTION_INVALID"))
    await say(team, ANA, "answer", forward_origin=GPT)
    assert saved_replies(team) == ["✓ Saved 1 message (1 from AI) to session 1 of <b>Team Site</b>."]


async def test_summary_is_one_message_per_burst(db_path: Path) -> None:
    baton = group_harness(db_path, group_ack="summary", group_ack_every_s=0.0)
    await baton.start()
    try:
        await open_session(baton, chat_id=GROUP_CHAT, name="Team Site")
        for i, member in enumerate([ANA, BEN, CLEO]):
            await say(baton, member, f"answer {i}", settle=False, message_id=600 + 2 * i,
                      forward_origin=GPT)
        await baton.settle()
        for i, member in enumerate([ANA, BEN]):
            await say(baton, member, f"more {i}", settle=False, message_id=700 + 2 * i,
                      forward_origin=GPT)
        await baton.settle()
        assert saved_replies(baton) == [
            "✓ Saved 3 messages (3 from AI) to session 1 of <b>Team Site</b>.",
            "✓ Saved 2 messages (2 from AI) to session 1 of <b>Team Site</b>."]
        assert not baton.api.ok("setMessageReaction")
    finally:
        await baton.stop()


async def test_group_ack_none_says_nothing(db_path: Path) -> None:
    baton = group_harness(db_path, group_ack="none")
    await baton.start()
    try:
        await open_session(baton, chat_id=GROUP_CHAT, name="Team Site")
        sent_before = len(baton.api.calls)
        await say(baton, ANA, "answer", forward_origin=GPT)
        assert [c.method for c in baton.api.calls[sent_before:]] == []
        assert len(stored_turns(db_path)) == 1
    finally:
        await baton.stop()


async def test_forwards_mode_keeps_forwards_notes_and_replies_to_the_bot(team: Harness) -> None:
    await open_session(team, chat_id=GROUP_CHAT, name="Team Site")
    await say(team, ANA, "lunch at noon?", message_id=800)
    await say(team, BEN, "sure", message_id=802)
    await say(team, BEN, "Use Decimal for money.", message_id=804, forward_origin=GPT)
    await say(team, CLEO, "/note keep the API stable", message_id=806)
    await say(team, ANA, "the deploy needs TLS first", message_id=808,
              extra={"reply_to_message": bot_message(12)})
    await team.settle()
    assert sorted(t[3] for t in turns_of(team)) == [
        "Use Decimal for money.", "keep the API stable", "the deploy needs TLS first"]


async def test_all_mode_keeps_every_message(db_path: Path) -> None:
    baton = group_harness(db_path, groups="all")
    await baton.start()
    try:
        await open_session(baton, chat_id=GROUP_CHAT, name="Team Site")
        await say(baton, ANA, "lunch at noon?", message_id=800)
        await say(baton, BEN, "sure", message_id=802)
        assert sorted(t[1:4:2] for t in stored_turns(db_path)) == [
            ("Ana", "lunch at noon?"), ("Ben", "sure")]
    finally:
        await baton.stop()


async def test_stats_has_a_line_per_member_and_the_handoff_names_the_team(team: Harness) -> None:
    await say(team, ANA, "/newproject Team Site")
    await say(team, ANA, "/startsession landing page")
    await say(team, ANA, "/note hero image from assets/hero.png")
    await say(team, ANA, "/note the navbar goes in components/Navbar.tsx")
    await say(team, BEN, "/note run npm test before pushing")
    await say(team, CLEO, "/note colours from the brand guide")
    await say(team, CLEO, "Ship it.", forward_origin=GPT)  # the AI's turn: no member's
    [stats] = texts(await say_and_get(team, CLEO, "/stats"))
    assert "Members:" in stats
    assert "• Ana: 2 turns, 9 words; sessions 1 started, 0 completed" in stats
    assert "• Ben: 1 turn, 5 words; sessions 0 started, 0 completed" in stats
    assert "• Cleo: 1 turn, 5 words; sessions 0 started, 0 completed" in stats
    assert "GPT" not in stats

    calls = await say_and_get(team, BEN, "/complete landing page done")
    [document] = [c.document for c in calls if c.document is not None]
    markdown = document[1]
    assert "with the Team Site team: Ana, Ben, Cleo." in markdown
    assert "with me" not in markdown and "with Ana." not in markdown
    [stats] = texts(await say_and_get(team, ANA, "/stats"))
    assert "• Ana: 2 turns, 9 words; sessions 1 started, 0 completed" in stats
    assert "• Ben: 1 turn, 5 words; sessions 0 started, 1 completed" in stats


async def say_and_get(baton: Harness, member: int, text: str) -> list[Any]:
    return await baton.send(text, chat_id=GROUP_CHAT, user_id=member, first_name=NAMES[member])


def added(status: str = "member", old: str = "left") -> dict[str, Any]:
    """The my_chat_member update of the bot joining the group (or being promoted)."""
    bot = {"id": BOT_ID, "is_bot": True, "first_name": "Baton", "username": BOT_USERNAME}

    def member(state: str) -> dict[str, Any]:
        data: dict[str, Any] = {"status": state, "user": bot}
        if state == "administrator":
            data.update(dict.fromkeys((
                "can_be_edited", "is_anonymous", "can_manage_chat", "can_delete_messages",
                "can_manage_video_chats", "can_restrict_members", "can_promote_members",
                "can_change_info", "can_invite_users", "can_post_stories",
                "can_edit_stories", "can_delete_stories"), False))
        return data

    return {"my_chat_member": {
        "chat": {"id": GROUP_CHAT, "type": "supergroup", "title": "Team"},
        "from": {"id": ANA, "is_bot": False, "first_name": "Ana"}, "date": int(time.time()),
        "old_chat_member": member(old), "new_chat_member": member(status)}}


async def test_added_to_a_group_the_bot_posts_one_arrival_message(team: Harness) -> None:
    [arrival] = texts(await team.process(added()))
    assert "Privacy mode is on, so I cannot read the messages here" in arrival
    assert "<code>/newproject NAME</code>" in arrival
    assert texts(await team.process(added("administrator", old="member"))) == []  # promoted


async def test_arrival_says_when_the_bot_can_read_every_message(team: Harness) -> None:
    team.api.can_read_all_group_messages = True  # privacy mode off in @BotFather
    await team.restart()
    [arrival] = texts(await team.process(added()))
    assert "I can read every message here" in arrival and "Privacy mode" not in arrival
    team.api.can_read_all_group_messages = False
    await team.restart()
    [arrival] = texts(await team.process(added("administrator")))  # an admin reads all
    assert "I can read every message here" in arrival


async def test_start_in_a_group_warns_about_privacy_only_when_it_is_on(team: Harness) -> None:
    [answer] = texts(await say_and_get(team, ANA, "/start"))
    assert GROUP_PRIVACY_NOTE in answer
    team.api.can_read_all_group_messages = True
    await team.restart()
    [answer] = texts(await say_and_get(team, ANA, "/start"))
    assert "Baton" in answer and "privacy" not in answer.lower()


async def test_in_forum_topics_each_session_is_completed_by_who_completed_it(team: Harness) -> None:
    async def in_topic(member: int, text: str, topic: int) -> list[Any]:
        return await team.send(text, chat_id=GROUP_CHAT, user_id=member,
                               first_name=NAMES[member], thread_id=topic)

    for member, name, topic in ((ANA, "Frontend", 11), (BEN, "Backend", 22)):
        await in_topic(member, f"/newproject {name}", topic)
        await in_topic(member, "/startsession", topic)
        await in_topic(member, f"/note {name} work", topic)
    await in_topic(CLEO, "/complete navbar done", 11)  # Backend's session stays open
    [front] = texts(await in_topic(ANA, "/stats", 11))
    assert "• Cleo: 0 turns, 0 words; sessions 0 started, 1 completed" in front
    assert "• Ana: 1 turn, 2 words; sessions 1 started, 0 completed" in front
    [back] = texts(await in_topic(BEN, "/stats", 22))
    assert "Cleo" not in back and "Sessions: 0 completed, 1 active" in back
    await in_topic(BEN, "/complete schema done", 22)
    [back] = texts(await in_topic(BEN, "/stats", 22))
    assert "• Ben: 1 turn, 2 words; sessions 1 started, 1 completed" in back


async def test_help_in_a_group_says_what_the_group_keeps(team: Harness) -> None:
    [answer] = texts(await say_and_get(team, ANA, "/help"))
    assert "/note TEXT and replies to my messages are kept" in answer
    assert "every message you send" not in answer  # what a private chat is told


async def test_a_long_reply_to_the_bot_is_kept_whole(team: Harness) -> None:
    """Telegram splits it: only its first part is a reply, the next parts continue it."""
    await open_session(team, chat_id=GROUP_CHAT, name="Team Site")
    first, second = "A" * 4000, "B" * 300
    await say(team, ANA, first, message_id=900, settle=False,
              extra={"reply_to_message": bot_message(12)})
    await say(team, ANA, second, message_id=901, settle=False)
    await say(team, ANA, "unrelated chit-chat", message_id=905, settle=False)
    await say(team, BEN, "someone else's message", message_id=902, settle=False)
    await team.settle()
    assert [t[3] for t in turns_of(team)] == [f"{first}\n{second}"]
    assert [c.params["message_id"] for c in team.api.ok("setMessageReaction")] == [900, 901]


def test_a_bad_group_setting_is_one_sentence() -> None:
    for key, value in (("group_ack", "loud"), ("groups", "some")):
        with pytest.raises(ConfigError) as refused:
            config_from_mapping({"capture": {key: value}}, {"BATON_TELEGRAM_TOKEN": "1:x"})
        assert str(refused.value).startswith(f"[capture] {key} must be one of ")
    config = config_from_mapping({"capture": {"group_ack": "summary", "groups": "all",
                                              "group_ack_every_s": 30}}, {"BATON_TELEGRAM_TOKEN": "1:x"})
    assert (config.capture.group_ack, config.capture.groups, config.capture.group_ack_every_s) == (
        "summary", "all", 30.0)
