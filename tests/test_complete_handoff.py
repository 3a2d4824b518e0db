"""Point 6: /complete, /handoff (draft) and /handoff N, across two sessions."""
from __future__ import annotations

import sqlite3
from pathlib import Path

from tests.fake_bot_api import Call
from tests.harness import Harness, texts, user_json

AI = {"type": "user", "date": 1, "sender_user": user_json(555, "ChatGPT", is_bot=True)}


def documents(calls: list[Call]) -> list[Call]:
    return [c for c in calls if c.method == "sendDocument"]


async def session_one(baton: Harness) -> None:
    await baton.send("/newproject Shop | FastAPI backend for a small shop")
    await baton.send("/startsession persist the cart")
    await baton.send("Let's store carts in Postgres. Must keep Python 3.12.")
    await baton.send("Run `alembic upgrade head` then `pytest -q`. I created "
                     "migrations/versions/0004_cart_items.py", forward_origin=AI)
    await baton.send("Got asyncpg.exceptions.UndefinedTableError: cart_items in CI")
    await baton.send("Fixed: CI now runs `alembic upgrade head` before tests.", forward_origin=AI)
    await baton.send("Next time let's do checkout with Stripe in test mode.")


async def test_complete_sends_final_handoff_document(baton: Harness, db_path: Path) -> None:
    await session_one(baton)
    calls = await baton.send("/complete cart persisted in Postgres")
    assert any(c.method == "sendChatAction" for c in calls)
    [doc] = documents(calls)
    name, content = doc.document  # type: ignore[misc]
    assert name == "shop-handoff-s1.md"
    assert content.startswith("# Shop")
    for expected in ("## Master prompt", "migrations/versions/0004_cart_items.py",
                     "alembic upgrade head", "UndefinedTableError",
                     "Next time let's do checkout with Stripe in test mode."):
        assert expected in content
    caption = doc.text.splitlines()
    assert 1 <= len(caption) <= 3
    assert "<b>Shop</b> — handoff after session 1" == caption[0]
    assert caption[1].startswith("Covers session 1, 5 turns · keeps ")
    with sqlite3.connect(db_path) as conn:
        status, notes = conn.execute("SELECT status, notes FROM sessions").fetchone()
        assert (status, notes) == ("completed", "cart persisted in Postgres")
        kind, generator, markdown = conn.execute(
            "SELECT kind, generator, markdown FROM handoffs").fetchone()
        assert (kind, generator, markdown) == ("final", "extractive", content)
    [again] = documents(await baton.send("/complete"))  # completed seconds ago: sent again
    assert again.document == doc.document


async def test_draft_handoff_keeps_session_open(baton: Harness) -> None:
    await session_one(baton)
    [doc] = documents(await baton.send("/handoff"))
    assert doc.document[0] == "shop-handoff-s1-draft.md"  # type: ignore[index]
    assert "draft during session 1" in doc.text
    await baton.send("one more thing after the draft")
    [final] = documents(await baton.send("/complete"))
    assert final.document[0] == "shop-handoff-s1.md"  # type: ignore[index]
    assert "one more thing after the draft" in final.document[1]  # type: ignore[index]


async def test_handoff_n_resends_stored_document(baton: Harness) -> None:
    await session_one(baton)
    [first] = documents(await baton.send("/complete"))
    [resent] = documents(await baton.send("/handoff 1"))
    assert resent.document == first.document
    [missing] = texts(await baton.send("/handoff 9"))
    assert "no session 9" in missing
    [bad] = texts(await baton.send("/handoff three"))
    assert "session number" in bad
    [no_open] = texts(await baton.send("/handoff"))
    assert "no open session" in no_open


async def test_second_handoff_builds_on_the_first(baton: Harness) -> None:
    await session_one(baton)
    await baton.send("/complete cart persisted")
    await baton.send("/startsession checkout")
    await baton.send("Created app/routers/orders.py and `http POST :8000/orders`", forward_origin=AI)
    [doc] = documents(await baton.send("/complete checkout done"))
    name, content = doc.document  # type: ignore[misc]
    assert name == "shop-handoff-s2.md"
    assert "app/routers/orders.py" in content  # new session
    assert "migrations/versions/0004_cart_items.py" in content  # carried forward
    assert "Covers sessions 1–2, 6 turns" in doc.text


async def test_complete_without_project_or_session(baton: Harness) -> None:
    [no_project] = texts(await baton.send("/complete"))
    assert "/newproject" in no_project
    await baton.send("/newproject Shop")
    [no_session] = texts(await baton.send("/complete"))
    assert "no open session" in no_session and "/startsession" in no_session


async def test_repeated_complete_resends_only_within_the_window(baton: Harness,
                                                                db_path: Path) -> None:
    await session_one(baton)
    [first] = documents(await baton.send("/complete"))
    [again] = documents(await baton.send("/complete"))
    assert again.document == first.document and again.text == first.text
    with sqlite3.connect(db_path) as conn:  # as if it had been completed 11 minutes ago
        conn.execute("UPDATE sessions SET completed_at ="
                     " strftime('%Y-%m-%dT%H:%M:%S+00:00', completed_at, '-11 minutes')")
    [late] = await baton.send("/complete")
    assert late.method == "sendMessage" and "no open session" in late.text


async def test_repeated_complete_never_resends_an_older_session(baton: Harness) -> None:
    await session_one(baton)
    await baton.send("/complete")
    await baton.send("/startsession")
    await baton.send("/complete")  # session 2 has no turns but still gets its own handoff
    [again] = documents(await baton.send("/complete"))
    assert again.document[0] == "shop-handoff-s2.md"  # type: ignore[index]


async def test_handoff_n_parses_the_number_strictly(baton: Harness) -> None:
    await session_one(baton)
    await baton.send("/complete")
    for arg in ("²", "٣", "99999999999999999999", "0", "-1", "1.0", "1 2"):
        [answer] = await baton.send(f"/handoff {arg}")
        assert answer.method == "sendMessage", arg
        assert answer.text.startswith("Give a session number"), (arg, answer.text)
    [biggest] = texts(await baton.send("/handoff 9223372036854775807"))
    assert "no session 9223372036854775807" in biggest
    [doc] = documents(await baton.send("/handoff 1"))
    assert doc.document[0] == "shop-handoff-s1.md"  # type: ignore[index]
