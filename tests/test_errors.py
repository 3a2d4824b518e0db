"""Issue 9 points 3 and 6: the error handler tells errors apart, a chat that blocked the
bot is left alone until it writes again, and expected conditions log one line without a
traceback. Faults are injected in the offline Bot API; everything runs through the real
Application."""
from __future__ import annotations

import logging
import time
from collections.abc import Iterator

import pytest

from bot.errors import BUG, QUIET_LOGGERS, SORRY, ChatUnreachable, quiet_noisy_loggers
from storage import projects as project_store
from tests.fake_bot_api import BLOCKED, DROPPED, SERVER_ERROR, TOO_MANY, Fault
from tests.harness import GROUP_CHAT, OWNER_ID, PRIVATE_CHAT, Harness, open_session, texts

PARSE_ERROR = Fault(400, "Bad Request: can't parse entities: unexpected end tag at byte 12")


def logged(caplog: pytest.LogCaptureFixture, level: int = logging.INFO) -> list[logging.LogRecord]:
    return [r for r in caplog.records if r.levelno >= level]


def kicked(chat_id: int, status: str = "kicked") -> dict[str, object]:
    """The my_chat_member update Telegram sends when a user blocks the bot (or a group
    removes it)."""
    bot = {"id": 7000001, "is_bot": True, "first_name": "Baton"}
    chat = ({"id": chat_id, "type": "private", "first_name": "Rina"} if chat_id > 0
            else {"id": chat_id, "type": "supergroup", "title": "Team"})
    return {"my_chat_member": {
        "chat": chat, "from": {"id": OWNER_ID, "is_bot": False, "first_name": "Rina"},
        "date": int(time.time()),
        "old_chat_member": {"status": "member", "user": bot},
        "new_chat_member": {"status": status, "user": bot, "until_date": 0}}}


async def test_a_block_is_one_warning_then_silence_until_the_chat_writes_again(
        baton: Harness, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO)
    baton.api.fail("sendMessage", BLOCKED)
    calls = await baton.send("/use Gamma")
    assert [c.status for c in calls] == [403]  # no second try, no "sorry" to a blocked chat
    [record] = logged(caplog)
    assert record.levelno == logging.WARNING and record.exc_info is None
    assert f"chat {PRIVATE_CHAT} is unreachable" in record.getMessage()
    assert PRIVATE_CHAT in baton.app.bot_data.unreachable  # type: ignore[union-attr]

    # Nothing more goes to that chat, whoever sends it (a job, another handler).
    caplog.clear()
    calls_before = len(baton.api.calls)
    with pytest.raises(ChatUnreachable):
        await baton.app.bot.send_message(PRIVATE_CHAT, "still there?")  # type: ignore[union-attr]
    assert len(baton.api.calls) == calls_before  # refused before reaching Telegram
    assert not logged(caplog)

    # The chat writes again: the mark is cleared and the message is answered.
    [answer] = texts(await baton.send("/use Gamma"))
    assert "No project called <b>Gamma</b>" in answer
    assert baton.api.ok("sendMessage")[-1].text == answer
    assert PRIVATE_CHAT not in baton.app.bot_data.unreachable  # type: ignore[union-attr]
    assert all(r.exc_info is None for r in caplog.records)


async def test_blocking_the_bot_stops_the_pending_acknowledgement(
        baton: Harness, caplog: pytest.LogCaptureFixture) -> None:
    await open_session(baton)
    caplog.set_level(logging.INFO)
    sent_before = len(baton.sent())
    await baton.send("remember: Decimal for money", settle=False)
    await baton.process(kicked(PRIVATE_CHAT))  # blocked before the acknowledgement is due
    await baton.settle()
    assert len(baton.sent()) == sent_before  # the ack was never even attempted
    assert not logged(caplog, logging.WARNING)
    assert all(r.exc_info is None for r in caplog.records)
    [answer] = texts(await baton.send("/use Shop"))  # unblocked: it writes again
    assert "is now the active project" in answer


async def test_a_group_that_removed_the_bot_gets_nothing(baton: Harness) -> None:
    await baton.process(kicked(GROUP_CHAT, status="left"))
    with pytest.raises(ChatUnreachable):
        await baton.app.bot.send_message(GROUP_CHAT, "hello?")  # type: ignore[union-attr]
    assert baton.sent() == []
    # other chats are not affected
    [answer] = texts(await baton.send("/use Gamma"))
    assert "No project called" in answer


async def test_bad_request_is_logged_with_the_request_and_answered(
        baton: Harness, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO)
    baton.api.fail("sendMessage", PARSE_ERROR)
    calls = await baton.send("/use Gamma")
    assert [c.status for c in calls] == [400, 200]
    assert calls[1].text == BUG and "parse_mode" not in calls[1].params  # plain: can't fail
    [record] = logged(caplog)
    assert record.levelno == logging.ERROR
    message = record.getMessage()
    assert "sendMessage(" in message and f"chat_id={PRIVATE_CHAT}" in message
    assert "No project called" in message and "can't parse entities" in message.lower()


@pytest.mark.parametrize("fault", [SERVER_ERROR, DROPPED], ids=["500", "dropped"])
async def test_transient_network_errors_are_one_warning_and_no_reply(
        baton: Harness, caplog: pytest.LogCaptureFixture, fault: Fault) -> None:
    caplog.set_level(logging.INFO)
    baton.api.fail("sendMessage", fault)
    calls = await baton.send("/use Gamma")
    assert [c.status for c in calls] == [fault.status]
    [record] = logged(caplog)
    assert record.levelno == logging.WARNING and record.exc_info is None
    assert PRIVATE_CHAT not in baton.app.bot_data.unreachable  # type: ignore[union-attr]
    caplog.clear()
    [answer] = texts(await baton.send("/use Gamma"))  # and the next one goes through
    assert "No project called" in answer
    [back] = logged(caplog)
    assert back.levelno == logging.INFO and "answers again" in back.getMessage()


async def test_an_outage_logs_when_it_starts_and_when_it_ends(
        baton: Harness, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO)
    baton.api.fail("sendMessage", SERVER_ERROR, DROPPED, SERVER_ERROR, DROPPED)
    for _ in range(4):
        assert [c.status for c in await baton.send("/use Gamma")] in ([500], [0])
    [started] = logged(caplog)
    assert started.levelno == logging.WARNING and "unreachable" in started.getMessage()
    caplog.clear()
    assert texts(await baton.send("/use Gamma"))
    [ended] = logged(caplog)
    assert "answers again" in ended.getMessage() and "(4 requests failed)" in ended.getMessage()
    assert all(r.exc_info is None for r in caplog.records)


async def test_flood_limit_is_one_warning(baton: Harness, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO)
    baton.api.fail("sendMessage", TOO_MANY)
    calls = await baton.send("/use Gamma")
    assert [c.status for c in calls] == [429]
    [record] = logged(caplog)
    assert record.levelno == logging.WARNING and record.exc_info is None


async def test_an_unexpected_error_gets_a_traceback_and_sorry(
        baton: Harness, caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch) -> None:
    async def broken(*args: object) -> None:
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(project_store, "find_project", broken)
    caplog.set_level(logging.INFO)
    assert texts(await baton.send("/use Gamma")) == [SORRY]
    [record] = logged(caplog)
    assert record.levelno == logging.ERROR and record.exc_info is not None


async def test_a_button_that_breaks_is_still_answered(
        baton: Harness, monkeypatch: pytest.MonkeyPatch) -> None:
    async def broken(*args: object) -> None:
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(project_store, "get_project", broken)
    calls = await baton.press("use:1")
    [answer] = [c for c in calls if c.method == "answerCallbackQuery"]
    assert "did not work" in answer.params["text"]


@pytest.fixture
def restore_logger_levels() -> Iterator[None]:
    before = {name: logging.getLogger(name).level for name in QUIET_LOGGERS}
    yield
    for name, level in before.items():
        logging.getLogger(name).setLevel(level)


async def test_job_queue_chatter_is_quieted(baton: Harness, caplog: pytest.LogCaptureFixture,
                                            restore_logger_levels: None) -> None:
    await open_session(baton)
    caplog.set_level(logging.INFO)
    await baton.send("a note")  # an acknowledgement job runs
    assert any(r.name.startswith("apscheduler") for r in logged(caplog))  # what is quieted
    caplog.clear()
    quiet_noisy_loggers()  # what run_bot does
    [ack] = texts(await baton.send("another note"))
    assert ack.startswith("✓ Saved 1 message")
    assert logged(caplog) == []


async def test_a_late_button_answer_is_one_info_line_and_no_reply(
        baton: Harness, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO)
    baton.api.fail("answerCallbackQuery", Fault(
        400, "Bad Request: query is too old and response timeout expired or query ID is invalid"))
    calls = await baton.press("zzz:1")
    assert [(c.method, c.status) for c in calls] == [("answerCallbackQuery", 400)]
    [record] = logged(caplog)
    assert record.levelno == logging.INFO and record.exc_info is None


async def test_a_403_in_a_job_marks_the_chat_it_was_for(
        baton: Harness, caplog: pytest.LogCaptureFixture) -> None:
    await open_session(baton)
    caplog.set_level(logging.INFO)
    baton.api.fail("sendMessage", BLOCKED)
    await baton.send("a note")  # its acknowledgement is sent by a job, with no update
    await baton.wait_for(lambda: PRIVATE_CHAT in baton.app.bot_data.unreachable)  # type: ignore[union-attr]
    assert [c.status for c in baton.sent()][-1] == 403
    [record] = logged(caplog, logging.WARNING)  # (APScheduler's INFO lines are counted apart)
    assert f"chat {PRIVATE_CHAT} is unreachable" in record.getMessage()
    assert all(r.exc_info is None for r in caplog.records)
