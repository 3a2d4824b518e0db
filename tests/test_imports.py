"""Issue 3: documents sent during a session are imported as turns; bad files are refused."""
from __future__ import annotations

import io
import json
import zipfile
from collections.abc import AsyncIterator
from dataclasses import replace
from pathlib import Path

import pytest

from bot.config import ImportConfig
from tests.harness import Harness, make_config, open_session, stored_turns, texts


async def test_txt_transcript_with_markers(baton: Harness, db_path: Path) -> None:
    await open_session(baton)
    body = "User: the cart test fails\nAssistant: use Decimal in app/cart.py\nUser: thanks"
    [reply] = texts(await baton.send_document("chat.txt", body.encode()))
    assert reply == "Imported 3 turns (2 user, 1 assistant)."
    assert stored_turns(db_path) == [("user", "User", "file", "the cart test fails"),
                              ("assistant", "Assistant", "file", "use Decimal in app/cart.py"),
                              ("user", "User", "file", "thanks")]


async def test_md_without_markers_is_one_turn(baton: Harness, db_path: Path) -> None:
    await open_session(baton)
    [reply] = texts(await baton.send_document("notes.md", "# Plan\n\n- do checkout\n".encode("utf-8-sig")))
    assert reply.startswith("Imported 1 turn (")
    assert stored_turns(db_path) == [("note", "", "file", "# Plan\n\n- do checkout")]


async def test_utf16_transcript(baton: Harness, db_path: Path) -> None:
    await open_session(baton)
    await baton.send_document("chat.txt", "Human: héllo\nClaude: hi".encode("utf-16"))
    assert [t[:2] for t in stored_turns(db_path)] == [("user", "Human"), ("assistant", "Claude")]


@pytest.mark.samples
async def test_claude_export(baton: Harness, sample_data: Path, db_path: Path) -> None:
    await open_session(baton)
    data = (sample_data / "exports/claude/claude_to_sqlite_artifacts.json").read_bytes()
    [reply] = texts(await baton.send_document("conversations.json", data))
    assert reply == "Imported 20 turns (10 user, 10 assistant) from 'LLM Pricing Calculator'."
    assert len(stored_turns(db_path)) == 20


@pytest.mark.samples
async def test_telegram_export(baton: Harness, sample_data: Path, db_path: Path) -> None:
    await open_session(baton)
    data = (sample_data / "exports/telegram/langchain_telegram_result.json").read_bytes()
    [reply] = texts(await baton.send_document("result.json", data))
    assert reply == "Imported 6 turns (6 user) from 'Jimmeny'."


@pytest.mark.samples
async def test_chatgpt_export_offers_a_choice_then_imports_the_pick(baton: Harness, sample_data: Path,
                                                                    db_path: Path) -> None:
    await open_session(baton)
    data = (sample_data / "exports/chatgpt/librechat_chatgpt_export.json").read_bytes()
    calls = await baton.send_document("conversations.json", data)
    [question] = [c for c in calls if c.method == "sendMessage"]
    assert "holds 2 conversations" in question.text
    buttons = [b for row in question.params["reply_markup"]["inline_keyboard"] for b in row]
    assert [b["text"] for b in buttons] == ["Conversation 1. Web Search (15)", "Conversation 2 (4)"]
    assert stored_turns(db_path) == []
    [reply] = texts(await baton.press(buttons[1]["callback_data"]))
    assert reply.startswith("Imported 4 turns (") and "from 'Conversation 2'" in reply
    [again] = texts(await baton.press(buttons[1]["callback_data"]))
    assert "already in this session" in again
    assert len(stored_turns(db_path)) == 4


@pytest.mark.samples
async def test_caption_names_the_conversation_in_a_zip(baton: Harness, sample_data: Path,
                                                       db_path: Path) -> None:
    await open_session(baton)
    raw = (sample_data / "exports/chatgpt/ai_chat_md_export_minimal.json").read_bytes()
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("conversations.json", raw)
        archive.writestr("chat.html", "<html></html>")
    [reply] = texts(await baton.send_document("export.zip", buffer.getvalue(), caption="code help"))
    assert reply == "Imported 4 turns (2 user, 2 assistant) from 'Code Help'."
    # the same file again, into the same session: nothing twice
    [again] = texts(await baton.send_document("export.zip", buffer.getvalue(), caption="Code Help"))
    assert "already in this session" in again
    assert len(stored_turns(db_path)) == 4


@pytest.mark.samples
async def test_unknown_caption_falls_back_to_the_choice(baton: Harness, sample_data: Path) -> None:
    await open_session(baton)
    raw = (sample_data / "exports/chatgpt/ai_chat_md_export_minimal.json").read_bytes()
    [question] = texts(await baton.send_document("conversations.json", raw, caption="nope"))
    assert "No conversation called" in question and "holds 2 conversations" in question


@pytest.mark.samples
async def test_agent_trajectory(baton: Harness, sample_data: Path, db_path: Path) -> None:
    await open_session(baton)
    data = (sample_data / "transcripts/openhands_traj_basic_gui_mode.json").read_bytes()
    [reply] = texts(await baton.send_document("traj.json", data))
    assert reply == "Imported 10 turns (1 user, 5 assistant, 4 tool)."
    assert {t[2] for t in stored_turns(db_path)} == {"file"}


SMALL = Path(__file__).parent / "data" / "samples"


async def test_small_multi_conversation_export_offers_buttons_and_imports_the_pick(baton: Harness,
                                                                                    db_path: Path) -> None:
    """The button flow on a tiny invented export, so it runs without the real samples."""
    await open_session(baton)
    data = (SMALL / "chatgpt_two_conversations.json").read_bytes()
    calls = await baton.send_document("conversations.json", data)
    [question] = [c for c in calls if c.method == "sendMessage"]
    assert "holds 2 conversations" in question.text
    buttons = [b for row in question.params["reply_markup"]["inline_keyboard"] for b in row]
    assert [b["text"] for b in buttons] == ["Deploy plan (4)", "Checkout bug (2)"]
    assert stored_turns(db_path) == []
    [reply] = texts(await baton.press(buttons[1]["callback_data"]))
    assert reply == "Imported 2 turns (1 user, 1 assistant) from 'Checkout bug'."
    assert stored_turns(db_path) == [
        ("user", "You", "file", "The cart total is off by a cent."),
        ("assistant", "ChatGPT", "file", "Use Decimal in app/cart.py, not float."),
    ]
    [again] = texts(await baton.press(buttons[1]["callback_data"]))
    assert "already in this session" in again
    [other] = texts(await baton.press(buttons[0]["callback_data"]))
    assert other == "Imported 4 turns (2 user, 2 assistant) from 'Deploy plan'."
    assert len(stored_turns(db_path)) == 6


async def test_small_export_in_a_zip_named_by_caption_or_not(baton: Harness, db_path: Path) -> None:
    await open_session(baton)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("conversations.json", (SMALL / "chatgpt_two_conversations.json").read_bytes())
    [question] = texts(await baton.send_document("export.zip", buffer.getvalue(), caption="nope"))
    assert "No conversation called" in question and "holds 2 conversations" in question
    [reply] = texts(await baton.send_document("export.zip", buffer.getvalue(), caption="deploy plan"))
    assert reply == "Imported 4 turns (2 user, 2 assistant) from 'Deploy plan'."
    assert len(stored_turns(db_path)) == 4


@pytest.mark.parametrize("name, reply", [
    ("claude_conversations.json", "Imported 4 turns (2 user, 2 assistant) from 'Invoice layout'."),
    ("telegram_result.json", "Imported 2 turns (2 user) from 'Release chat'."),
])
async def test_small_single_conversation_exports(baton: Harness, db_path: Path, name: str,
                                                 reply: str) -> None:
    await open_session(baton)
    assert texts(await baton.send_document(name, (SMALL / name).read_bytes())) == [reply]
    assert {t[2] for t in stored_turns(db_path)} == {"file"}


async def test_small_agent_runs_offer_a_choice(baton: Harness, db_path: Path) -> None:
    await open_session(baton)
    calls = await baton.send_document("output.jsonl", (SMALL / "openhands_runs.jsonl").read_bytes())
    [question] = [c for c in calls if c.method == "sendMessage"]
    buttons = [b for row in question.params["reply_markup"]["inline_keyboard"] for b in row]
    assert len(buttons) == 2 and buttons[0]["text"].startswith("acme__tool-2")
    [reply] = texts(await baton.press(buttons[0]["callback_data"]))
    assert reply.startswith("Imported 4 turns (") and "acme__tool-2" in reply


async def test_file_without_session_stores_nothing(baton: Harness, db_path: Path) -> None:
    await baton.send("/newproject Shop")
    [nudge] = texts(await baton.send_document("chat.txt", b"User: hi"))
    assert "no open session" in nudge
    assert stored_turns(db_path) == []


def deep_json(levels: int) -> bytes:
    return ("[" * levels + "]" * levels).encode()


def zip_with(members: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, content in members.items():
            archive.writestr(name, content)
    return buffer.getvalue()


BAD_FILES = [
    ("binary", "x.bin", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)) * 4, "binary"),
    ("latin-1", "x.txt", "caf\xe9 cr\xe8me".encode("latin-1") * 50, "UTF-8 or UTF-16"),
    ("truncated json", "conversations.json", b'[{"title": "x", "mapping": {', "malformed or cut off"),
    ("unknown json", "data.json", json.dumps({"hello": [1, 2, 3]}).encode(), "not a ChatGPT, Claude"),
    ("deep json", "conversations.json", deep_json(100_000), "nested"),
    ("too many zip members", "export.zip",
     zip_with({f"f{i}.txt": b"x" for i in range(150)}), "at most"),
    ("zip without export", "export.zip", zip_with({"readme.txt": b"hello"}), "conversations.json"),
    ("zip bomb", "export.zip",
     zip_with({"conversations.json": b"[" + b" " * (60 * 1024 * 1024) + b"]"}), "MB"),
]


@pytest.mark.parametrize("label, name, data, fragment", BAD_FILES, ids=[b[0] for b in BAD_FILES])
async def test_bad_files_get_one_sentence_and_store_nothing(baton: Harness, db_path: Path,
                                                            label: str, name: str, data: bytes,
                                                            fragment: str) -> None:
    await open_session(baton)
    [reply] = texts(await baton.send_document(name, data))
    assert fragment in reply, reply
    assert reply.count(". ") == 0 and reply.endswith((".", "?"))
    assert stored_turns(db_path) == []
    [stats] = texts(await baton.send("/stats"))  # the bot keeps serving
    assert "Sessions: 0 completed, 1 active" in stats


async def test_over_the_bot_api_limit_is_refused_before_download(baton: Harness) -> None:
    await open_session(baton)
    calls = await baton.send_document("big.json", b"[]", file_size=25 * 1024 * 1024)
    [reply] = texts(calls)
    assert reply == "That file is 25 MB; I can import at most 20 MB."
    assert not any(c.method in ("getFile", "downloadFile") for c in calls)


@pytest.fixture
async def small_limit(db_path: Path) -> AsyncIterator[Harness]:
    harness = Harness(replace(make_config(db_path), imports=ImportConfig(max_bytes=1024)))
    await harness.start()
    yield harness
    await harness.stop()


async def test_configurable_import_limit(small_limit: Harness, db_path: Path) -> None:
    await open_session(small_limit)
    calls = await small_limit.send_document("chat.txt", b"User: hi\n" * 300)
    assert texts(calls) == ["That file is 3 KB; I can import at most 1 KB."]
    assert not any(c.method == "downloadFile" for c in calls)
    assert stored_turns(db_path) == []
