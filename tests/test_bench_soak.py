"""The soak harness (`bench.soak`, `bench.fake_telegram`): the loopback Bot API answers
real PTB requests the way Telegram does, and a tiny soak kills and restarts the real bot
process and reports numbers that add up.

These tests check the harness, not the bot's durability: they do NOT assert that nothing
is missing. Zero missing and zero duplicated is issue 9's target for the capture work
(point 1); until it has landed the soak reports losses and that is a finding, not a
failure here.
"""
from __future__ import annotations

import io
import re
from pathlib import Path

import httpx
import pytest
from telegram import Bot, InputFile

from bench.fake_telegram import FakeTelegram
from bench.soak import KINDS, TINY, main, print_report, run_soak

TOKEN = "123456:SOAK"


def _message(chat_id: int, message_id: int, text: str) -> dict[str, object]:
    return {"message": {"message_id": message_id, "date": 0, "text": text,
                        "chat": {"id": chat_id, "type": "private", "first_name": "R"},
                        "from": {"id": chat_id, "is_bot": False, "first_name": "R"}}}


async def test_fake_confirms_updates_only_when_a_later_offset_passes_them() -> None:
    with FakeTelegram(TOKEN) as fake:
        first = fake.push(_message(5, 1, "one"))
        second = fake.push(_message(5, 2, "two"))
        async with Bot(TOKEN, base_url=fake.base_url, base_file_url=fake.base_file_url) as bot:
            updates = await bot.get_updates(timeout=0)
            assert [u.update_id for u in updates] == [first, second]
            assert [u.message.text for u in updates if u.message] == ["one", "two"]
            assert fake.confirmed_offset <= first  # delivered is not confirmed
            assert not fake.all_confirmed()
            again = await bot.get_updates(offset=second, timeout=0)  # confirms the first
            assert [u.update_id for u in again] == [second]
            assert fake.confirmed_offset == second
            assert await bot.get_updates(offset=second + 1, timeout=0) == ()
            assert fake.all_confirmed()
        assert fake.delivered() == {first, second}


async def test_fake_serves_uploads_downloads_and_message_methods() -> None:
    with FakeTelegram(TOKEN) as fake:
        fake.add_file("doc-1", b"User: hi\nAssistant: hello\n")
        async with Bot(TOKEN, base_url=fake.base_url, base_file_url=fake.base_file_url) as bot:
            me = await bot.get_me()
            assert me.is_bot
            sent = await bot.send_message(5, "<b>saved</b>", parse_mode="HTML")
            assert sent.chat.id == 5 and sent.text == "<b>saved</b>"
            assert fake.message_ids(5) == [sent.message_id + 1]  # one id sequence per chat
            document = await bot.send_document(5, InputFile(b"# Handoff\n", filename="h.md"),
                                               caption="preview")
            assert document.document is not None and document.document.file_name == "h.md"
            file = await bot.get_file("doc-1")
            assert bytes(await file.download_as_bytearray()) == b"User: hi\nAssistant: hello\n"
            assert await bot.send_chat_action(5, "typing") is True
        upload = fake.calls("sendDocument")[0]
        assert upload.chat_id == 5 and upload.params["caption"] == "preview"
        assert upload.files["document"] == ("h.md", b"# Handoff\n")
        assert [c.method for c in fake.calls() if c.method != "getMe"] == [
            "sendMessage", "sendDocument", "getFile", "downloadFile", "sendChatAction"]
        async with httpx.AsyncClient() as client:
            wrong = await client.post(f"{fake.base_url}999:WRONG/getMe")
        assert wrong.status_code == 404 and wrong.json()["ok"] is False


def test_tiny_soak_kills_restarts_and_reports_numbers_that_add_up(tmp_path: Path) -> None:
    report = run_soak(seed=3, kills=TINY["kills"], chats=TINY["chats"],
                      messages=TINY["messages"], workdir=tmp_path)
    total = report.total
    # The harness worked: every stop was followed by a start, the bot answered the setup
    # commands and sent a handoff in each chat, and the last stop confirmed everything.
    assert report.starts == TINY["kills"] + 2  # after each kill and the mid-burst SIGTERM
    assert report.replies >= 2 * TINY["chats"]
    assert report.handoffs == TINY["chats"]
    assert report.unacknowledged == 0
    assert total.sent == TINY["messages"]
    assert all(report.rows[kind].sent > 0 for kind in KINDS)  # a mixed workload
    assert total.acknowledged == total.sent - report.unacknowledged
    for kind in KINDS:
        row = report.rows[kind]
        assert row.acknowledged == row.stored + row.missing, kind
        assert row.duplicated <= row.sent, kind
    assert 0 < report.pastes and report.pastes_whole <= report.pastes
    # Deliberately no `total.missing == 0` / `total.duplicated == 0`: that is the target
    # the durable-capture work (issue 9 point 1) is measured against, reported, not asserted.
    out = io.StringIO()
    print_report(report, out)
    lines = out.getvalue().splitlines()
    assert lines[-1] == f"missing {total.missing}; duplicated {total.duplicated}"
    assert any(re.fullmatch(rf"\| total \| {total.sent} \| {total.acknowledged} \| .*", line)
               for line in lines)
    assert (tmp_path / "soak.db").exists() and (tmp_path / "bot.log").exists()


@pytest.mark.parametrize("argv", [["--chats", "0"], ["--kills", "-1"], ["--messages", "0"],
                                  ["--bot-dir", "/nonexistent"]])
def test_soak_refuses_bad_options_in_one_line(argv: list[str],
                                              capsys: pytest.CaptureFixture[str]) -> None:
    assert main(argv) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("soak: ") and "\n" not in err
