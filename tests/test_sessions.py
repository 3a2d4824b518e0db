"""Point 4: sessions — start, refuse a second one, send the previous handoff right away."""
from __future__ import annotations

from tests.harness import Harness, texts


async def test_startsession_without_project(baton: Harness) -> None:
    [reply] = texts(await baton.send("/startsession"))
    assert "/newproject" in reply


async def test_start_and_refuse_second_active_session(baton: Harness) -> None:
    await baton.send("/newproject Shop")
    [reply] = texts(await baton.send("/startsession cart endpoints\nand tests"))
    assert "Session 1 of <b>Shop</b> started" in reply
    assert "Objectives: cart endpoints\nand tests" in reply
    [again] = texts(await baton.send("/startsession more"))
    assert "Session 1 of <b>Shop</b> is still open" in again and "/complete" in again


async def test_first_session_sends_no_handoff(baton: Harness) -> None:
    await baton.send("/newproject Shop")
    calls = await baton.send("/startsession")
    assert [c for c in calls if c.method == "sendDocument"] == []


async def test_next_session_sends_previous_handoff(baton: Harness) -> None:
    await baton.send("/newproject Shop")
    await baton.send("/startsession build the cart")
    await baton.send("We need to build the cart API in app/routers/cart.py")
    await baton.send("/complete cart API works")
    calls = await baton.send("/startsession checkout")
    assert "Session 2 of <b>Shop</b> started" in texts(calls)[0]
    [doc] = [c for c in calls if c.method == "sendDocument"]
    name, content = doc.document  # type: ignore[misc]
    assert name == "shop-handoff-s1.md"
    assert "## Master prompt" in content and "app/routers/cart.py" in content
    assert "handoff after session 1" in doc.text and len(doc.text.splitlines()) <= 3
