"""Issue 12 point 1: a Claude Code session log sent to the bot is imported as the session's turns,
through the real Application, with each turn's own time; a cut-off log is refused whole."""
from __future__ import annotations

import sqlite3
from pathlib import Path

from tests.harness import Harness, open_session, stored_turns, texts

SAMPLE = Path(__file__).resolve().parent / "data" / "samples" / "claude_code_session.jsonl"
IMPORTED = ("Imported 13 turns (4 user, 6 assistant, 3 tool) "
            "from 'Fix the cart total rounding (2026-03-04)'.")


async def test_session_log_is_imported_with_its_own_times(baton: Harness, db_path: Path) -> None:
    await open_session(baton)
    [reply] = texts(await baton.send_document("7c1e2f40-0000-4000-8000-00000000abcd.jsonl",
                                              SAMPLE.read_bytes()))
    assert reply == IMPORTED
    turns = stored_turns(db_path)
    assert len(turns) == 13 and {t[2] for t in turns} == {"file"}
    assert turns[0] == ("user", "user", "file", "Why does test_cart_total fail? Fix it in app/cart.py.")
    assert turns[1] == ("assistant", "Claude Code", "file",
                        "Let me run the failing test first.\n\n$ pytest -q tests/test_cart.py")
    assert ("tool", "Edit", "file", "Error: <tool_use_error>File has not been read yet. Read it first "
            "before writing to it.</tool_use_error>") in turns
    with sqlite3.connect(db_path) as conn:
        said = [row[0] for row in conn.execute("SELECT said_at FROM turns ORDER BY id")]
    assert said[0] is not None and said[0].startswith("2026-03-04T09:00:02")
    assert all(s is not None for s in said)


async def test_same_log_twice_imports_nothing_twice(baton: Harness, db_path: Path) -> None:
    await open_session(baton)
    await baton.send_document("session.jsonl", SAMPLE.read_bytes())
    [again] = texts(await baton.send_document("session.jsonl", SAMPLE.read_bytes()))
    assert "already in this session" in again
    assert len(stored_turns(db_path)) == 13


async def test_handoff_from_the_imported_log(baton: Harness) -> None:
    await open_session(baton)
    await baton.send_document("session.jsonl", SAMPLE.read_bytes())
    calls = await baton.send("/complete")
    [document] = [c for c in calls if c.method == "sendDocument"]
    assert document.status == 200 and document.document is not None
    _, markdown = document.document
    assert "pytest -q tests/test_cart.py" in markdown  # the command the agent ran
    assert "app/cart.py" in markdown
    assert "SECRET-THOUGHT" not in markdown and "SIDECHAIN" not in markdown


async def test_cut_off_log_is_refused_and_nothing_stored(baton: Harness, db_path: Path) -> None:
    await open_session(baton)
    data = SAMPLE.read_bytes()
    [reply] = texts(await baton.send_document("session.jsonl", data[: len(data) - 40]))
    assert reply.startswith("That JSON file is malformed or cut off (line ")
    assert stored_turns(db_path) == []
    [ok] = texts(await baton.send_document("session.jsonl", data))  # the bot keeps going
    assert ok == IMPORTED


async def test_project_folder_zip_offers_its_sessions_as_buttons(baton: Harness, db_path: Path) -> None:
    await open_session(baton)
    data = SAMPLE.with_name("claude_code_project.zip").read_bytes()
    calls = await baton.send_document("-home-ana-shop-api.zip", data)
    [question] = [c for c in calls if c.method == "sendMessage"]
    assert "holds 2 conversations" in question.text
    buttons = [b for row in question.params["reply_markup"]["inline_keyboard"] for b in row]
    assert [b["text"] for b in buttons] == ["Add the Stripe webhook (2026-03-05) (3)",
                                            "Fix the cart total rounding (2026-03-04) (13)"]
    assert stored_turns(db_path) == []
    [reply] = texts(await baton.press(buttons[0]["callback_data"]))
    assert reply == ("Imported 3 turns (1 user, 1 assistant, 1 tool) "
                     "from 'Add the Stripe webhook (2026-03-05)'.")
    [second] = texts(await baton.press(buttons[1]["callback_data"]))
    assert second == IMPORTED
    assert len(stored_turns(db_path)) == 16


async def test_caption_picks_a_session_of_the_folder(baton: Harness, db_path: Path) -> None:
    await open_session(baton)
    data = SAMPLE.with_name("claude_code_project.zip").read_bytes()
    [reply] = texts(await baton.send_document("shop.zip", data, caption="cart total"))
    assert reply == IMPORTED
