"""Point 7: /stats shows measured numbers for the active project."""
from __future__ import annotations

from datetime import UTC, datetime, timedelta

from handlers.stats_command import ago, format_stats
from service.stats_report import StatsReport
from storage.stats import ProjectStats
from tests.harness import Harness, texts, user_json

AI = {"type": "user", "date": 1, "sender_user": user_json(555, "ChatGPT", is_bot=True)}


async def test_stats_counts_what_was_captured(baton: Harness) -> None:
    await baton.send("/newproject Shop")
    await baton.send("/startsession")
    await baton.send("one two three")
    await baton.send("four five", forward_origin=AI)
    await baton.send("six seven eight nine", forward_origin=AI)
    await baton.send("/note ten")
    await baton.send("/complete")
    await baton.send("/startsession")
    await baton.send("/handoff")
    [reply] = texts(await baton.send("/stats"))
    assert "Sessions: 1 completed, 1 active" in reply
    assert "Turns: 4 (assistant 2, note 2)" in reply
    assert "Sources: forwarded 2, typed 2" in reply
    assert "Words captured: 10" in reply
    assert "Handoffs: 1 final, 1 draft" in reply
    assert "Average handoff:" in reply and "for 10-word sessions" in reply
    assert "Last session activity: just now" in reply


async def test_stats_without_project(baton: Harness) -> None:
    [reply] = texts(await baton.send("/stats"))
    assert "/newproject" in reply


def test_format_stats_of_an_empty_project() -> None:
    text = format_stats(StatsReport("A<b>", ProjectStats(0, 0)), datetime.now(UTC))
    assert "A&lt;b&gt;" in text and "Turns: none captured yet" in text
    assert "Average handoff" not in text and "Last session" not in text


def test_ago() -> None:
    now = datetime(2026, 11, 22, 12, 0, tzinfo=UTC)
    assert ago((now - timedelta(hours=3, minutes=5)).isoformat(), now) == "3 h ago"
    assert ago((now - timedelta(days=2)).isoformat(), now) == "2 d ago"
    assert ago(now.isoformat(), now) == "just now"
