"""Issue 12, point 1: a Codex CLI rollout and a Gemini CLI session, uploaded to the bot, become
the session's turns (with their own times), and the handoff carries their commands."""
from __future__ import annotations

import sqlite3
from pathlib import Path

from tests.harness import Harness, open_session, stored_turns, texts

SAMPLES = Path(__file__).resolve().parent / "data" / "samples"
CODEX = (SAMPLES / "codex_rollout.jsonl").read_bytes()
GEMINI = (SAMPLES / "gemini_session.json").read_bytes()


def said_at(db_path: Path) -> list[str | None]:
    with sqlite3.connect(db_path) as conn:
        return [row[0] for row in conn.execute("SELECT said_at FROM turns ORDER BY id")]


async def test_codex_rollout_imports_and_reaches_the_handoff(baton: Harness, db_path: Path) -> None:
    await open_session(baton)
    [reply] = texts(await baton.send_document("rollout-2025-11-03T09-00-00-0199aa10.jsonl", CODEX))
    assert reply == "Imported 13 turns (2 user, 6 assistant, 4 tool, 1 system) from 'shop-api'."
    turns = stored_turns(db_path)
    assert len(turns) == 13
    assert turns[0] == ("user", "user", "file",
                        "test_cart_total fails with 0.30000000000000004; fix the cart total in app/cart.py")
    assert ("assistant", "codex", "file", "$ pytest -q tests/test_cart.py") in turns
    assert not any("You are Codex" in t[3] or "environment_context" in t[3] for t in turns)
    times = said_at(db_path)
    assert times[0] is not None and times[0].startswith("2025-11-03")
    calls = await baton.send("/complete")
    [document] = [c.document for c in calls if c.document is not None]
    assert "pytest -q tests/test_cart.py" in document[1]
    assert "ROUND_HALF_UP" in document[1]


async def test_gemini_session_imports_once(baton: Harness, db_path: Path) -> None:
    await open_session(baton)
    [reply] = texts(await baton.send_document("session-2025-11-20T14-00-5e1c7a2b.json", GEMINI))
    assert reply == ("Imported 12 turns (2 user, 4 assistant, 5 tool, 1 system) from "
                     "'The invoice PDF shows the VAT line twice. Fix render_invoice in billing/pdf.py.'.")
    turns = stored_turns(db_path)
    assert ("tool", "replace", "file",
            "Error: Failed to edit, 0 occurrences found for old_string in /home/ben/billing/billing/pdf.py."
            ) in turns
    assert not any("SECRET-THOUGHT" in t[3] for t in turns)
    assert all(t is not None and t.startswith("2025-11-20") for t in said_at(db_path))
    [again] = texts(await baton.send_document("session-2025-11-20T14-00-5e1c7a2b.json", GEMINI))
    assert "already in this session" in again
    assert len(stored_turns(db_path)) == 12


async def test_a_cut_off_session_is_refused_and_the_bot_goes_on(baton: Harness, db_path: Path) -> None:
    await open_session(baton)
    [reply] = texts(await baton.send_document("session-x.json", GEMINI[: len(GEMINI) // 2]))
    assert reply.startswith("That JSON file is malformed or cut off (line ")
    assert stored_turns(db_path) == []
    [reply] = texts(await baton.send_document("rollout-x.jsonl", CODEX[: len(CODEX) // 3]))
    assert reply.startswith("That JSON file is malformed or cut off (line ")
    assert stored_turns(db_path) == []
    [reply] = texts(await baton.send_document("rollout-x.jsonl", CODEX))
    assert reply.startswith("Imported 13 turns")
