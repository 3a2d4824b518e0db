"""aider histories and SpecStory exports sent to the bot as documents (issue 12 point 1)."""
from __future__ import annotations

from pathlib import Path

from tests.harness import Harness, open_session, stored_turns, texts

SMALL = Path(__file__).parent / "data" / "samples"


async def test_aider_history_offers_its_runs_and_imports_the_pick(baton: Harness, db_path: Path) -> None:
    await open_session(baton)
    data = (SMALL / "shop.aider.chat.history.md").read_bytes()
    calls = await baton.send_document(".aider.chat.history.md", data)
    [question] = [c for c in calls if c.method == "sendMessage"]
    assert "holds 3 conversations" in question.text
    buttons = [b for row in question.params["reply_markup"]["inline_keyboard"] for b in row]
    assert [b["text"] for b in buttons][0] == "All 2 aider runs, 2026-03-02 to 2026-03-03 (14)"
    assert stored_turns(db_path) == []
    [reply] = texts(await baton.press(buttons[2]["callback_data"]))
    assert reply == ("Imported 9 turns (4 tool, 3 user, 2 assistant) from "
                     "'2026-03-02 09:15 /add app/cart.py'.")
    stored = stored_turns(db_path)
    assert stored[3] == ("user", "user", "file", "The cart total is off by a cent.\nUse Decimal, not float.")
    assert any(t[0] == "tool" and "Commit 3f2a9c1 fix: compute the cart total with Decimal" in t[3]
               for t in stored)
    [again] = texts(await baton.press(buttons[2]["callback_data"]))
    assert "already in this session" in again and len(stored_turns(db_path)) == 9


async def test_aider_run_named_by_caption(baton: Harness, db_path: Path) -> None:
    await open_session(baton)
    data = (SMALL / "shop.aider.chat.history.md").read_bytes()
    [reply] = texts(await baton.send_document(".aider.chat.history.md", data, caption="2026-03-03"))
    assert reply.startswith("Imported 4 turns (") and "'2026-03-03 14:40 /ask how is VAT" in reply
    assert [t[0] for t in stored_turns(db_path)] == ["tool", "user", "assistant", "tool"]


async def test_specstory_export_imports_directly(baton: Harness, db_path: Path) -> None:
    await open_session(baton)
    [reply] = texts(await baton.send_document("2026-03-05_10-20Z-fix.md",
                                              (SMALL / "specstory_cart.md").read_bytes()))
    assert reply == ("Imported 10 turns (2 user, 5 assistant, 3 tool) from "
                     "'Fix the cart rounding (2026-03-05 10:20:00Z)'.")
    stored = stored_turns(db_path)
    assert stored[1] == ("assistant", "assistant", "file",
                         "Let me run the failing test first.\n\n$ pytest -q tests/test_cart.py")
    assert not any("Private reasoning" in t[3] for t in stored)


async def test_broken_aider_history_gets_one_sentence(baton: Harness, db_path: Path) -> None:
    await open_session(baton)
    only_banner = b"# aider chat started at 2026-03-02 09:15:04\n\n> Aider v0.84.0\n"
    [reply] = texts(await baton.send_document(".aider.chat.history.md", only_banner))
    assert reply == "I found no messages in that file."
    assert stored_turns(db_path) == []
    [ok] = texts(await baton.send_document("chat.txt", b"User: still here?\nAssistant: yes"))
    assert ok.startswith("Imported 2 turns")
