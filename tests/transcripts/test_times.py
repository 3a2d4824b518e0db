"""Issue 8, point 5: every parsed turn carries its own time (UTC) when the format has one;
pasted text and malformed timestamps give None, never an exception."""
from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from transcripts import Transcript, chatgpt, claude, openhands, parse_file, telegram_export
from transcripts.model import ParsedTurn, conversation_times, in_time_order

DATA = Path(__file__).resolve().parents[1] / "data" / "time_order"
UTC = UTC


def parsed(name: str) -> Transcript:
    result = parse_file(name, (DATA / name).read_bytes())
    assert isinstance(result, Transcript)
    return result


def utc(year: int, month: int, day: int, hour: int = 0, minute: int = 0, second: int = 0,
        micro: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, second, micro, tzinfo=UTC)


def test_chatgpt_create_time() -> None:
    t = parsed("chatgpt_newer.json")
    assert [(x.role, x.at) for x in t.turns] == [
        ("user", utc(2024, 6, 2, 9, 0, 0)),
        ("assistant", utc(2024, 6, 2, 9, 0, 20, 250000)),
        ("user", None),  # create_time null in the export
        ("assistant", utc(2024, 6, 2, 9, 5, 10)),
        ("user", utc(2024, 6, 2, 9, 7, 0)),
    ]


def test_claude_created_at_in_utc() -> None:
    t = parsed("claude_older.json")
    assert [(x.role, x.at) for x in t.turns] == [
        ("user", utc(2024, 5, 1, 18, 0, 0)),
        # "+02:00" converted to UTC; the tool call and result share their message's time
        ("assistant", utc(2024, 5, 1, 18, 1, 30, 500000)),
        ("tool", utc(2024, 5, 1, 18, 1, 30, 500000)),
        ("tool", utc(2024, 5, 1, 18, 1, 30, 500000)),
        ("user", utc(2024, 5, 1, 18, 6, 0)),
    ]
    assert all(x.at is not None and x.at.utcoffset() == UTC.utcoffset(None)
               for x in t.turns)


def test_telegram_date_unixtime_then_date() -> None:
    t = parsed("telegram_result.json")
    assert [(x.author, x.at) for x in t.turns] == [
        ("Rina", utc(2024, 3, 10, 10, 0, 0)),
        ("Omar", utc(2024, 3, 10, 10, 2, 0)),
        ("Rina", utc(2024, 3, 10, 10, 5, 30)),  # only `date` (older exports): read as UTC
    ]


def test_telegram_unixtime_wins_over_local_date() -> None:
    """`date` is the exporting machine's local time; `date_unixtime` is exact."""
    message = {"id": 1, "type": "message", "date": "2024-03-10T12:00:00",
               "date_unixtime": "1710064800", "from": "Rina", "text": "hi"}
    [turn] = telegram_export.parse_conversation({"name": "x", "messages": [message]}).turns
    assert turn.at == utc(2024, 3, 10, 10, 0, 0)


def test_openhands_timestamp() -> None:
    t = parsed("openhands_traj.json")
    assert [(x.role, x.at) for x in t.turns] == [
        ("user", utc(2024, 4, 20, 8, 30, 0, 123456)),  # naive: read as UTC
        ("assistant", utc(2024, 4, 20, 8, 30, 5)),
        ("tool", None),  # the event has no timestamp
        ("assistant", utc(2024, 4, 20, 8, 31, 0)),
    ]


@pytest.mark.parametrize("name, body", [
    ("chat.txt", "User: the cart test fails\nAssistant: use Decimal"),
    ("notes.md", "# Plan\n\n- do checkout\n"),
])
def test_pasted_and_text_have_no_time(name: str, body: str) -> None:
    result = parse_file(name, body.encode())
    assert isinstance(result, Transcript) and result.turns
    assert all(x.at is None for x in result.turns)


BAD_VALUES: list[Any] = [
    None, "", "   ", "yesterday", "2024-13-45T25:61:00", "2024-06-02T09:00:00+99:00",
    "nan", "inf", "-inf", "1e400", 1e300, -1e300, float("nan"), True, False, [], {},
    {"$date": 1}, [1717318800], "9999-12-31T23:59:59-12:00", "0000-01-01",
]


@pytest.mark.parametrize("value", BAD_VALUES, ids=repr)
def test_malformed_chatgpt_create_time_is_none(value: Any) -> None:
    conv = {"title": "t", "current_node": "u", "mapping": {"u": {"id": "u", "parent": None, "message": {
        "author": {"role": "user"}, "create_time": value,
        "content": {"content_type": "text", "parts": ["hi"]}}}}}
    [turn] = chatgpt.parse_conversation(conv).turns
    assert turn.at is None


@pytest.mark.parametrize("value", BAD_VALUES, ids=repr)
def test_malformed_claude_created_at_is_none(value: Any) -> None:
    conv = {"name": "t", "chat_messages": [{"sender": "human", "created_at": value, "text": "hi"}]}
    [turn] = claude.parse_conversation(conv).turns
    assert turn.at is None


@pytest.mark.parametrize("value", BAD_VALUES, ids=repr)
def test_malformed_telegram_dates_are_none(value: Any) -> None:
    message = {"id": 1, "type": "message", "date": value, "date_unixtime": value,
               "from": "Rina", "text": "hi"}
    [turn] = telegram_export.parse_conversation({"name": "x", "messages": [message]}).turns
    assert turn.at is None


@pytest.mark.parametrize("value", BAD_VALUES, ids=repr)
def test_malformed_openhands_timestamp_is_none(value: Any) -> None:
    event = {"source": "user", "action": "message", "timestamp": value, "args": {"content": "hi"}}
    [turn] = openhands.parse_conversation([event]).turns
    assert turn.at is None


def test_malformed_times_through_parse_file() -> None:
    """A whole file with broken times imports fine: the turns just have no time."""
    conv = [{"title": "t", "current_node": "b", "mapping": {
        "a": {"id": "a", "parent": None, "children": ["b"], "message": {
            "author": {"role": "user"}, "create_time": "not a time",
            "content": {"content_type": "text", "parts": ["hi"]}}},
        "b": {"id": "b", "parent": "a", "children": [], "message": {
            "author": {"role": "assistant"}, "create_time": 1e308,
            "content": {"content_type": "text", "parts": ["hello"]}}}}}]
    result = parse_file("conversations.json", json.dumps(conv).encode())
    assert isinstance(result, Transcript)
    assert [(x.text, x.at) for x in result.turns] == [("hi", None), ("hello", None)]


def test_conversation_times_fill_gaps_from_neighbours() -> None:
    t1, t2 = utc(2024, 1, 1, 10), utc(2024, 1, 1, 11)
    turns = [ParsedTurn("note", "", "a"), ParsedTurn("user", "", "b", t1),
             ParsedTurn("tool", "", "c"), ParsedTurn("user", "", "d", t2)]
    assert conversation_times(turns) == [t1, t1, t1, t2]
    assert conversation_times([ParsedTurn("user", "", "x")]) == [None]
    assert conversation_times([]) == []


def test_in_time_order_is_a_stable_sort() -> None:
    early, late = utc(2024, 1, 1, 9), utc(2024, 1, 1, 12)
    turns = [ParsedTurn("user", "", "late", late), ParsedTurn("tool", "", "late's output"),
             ParsedTurn("user", "", "early", early), ParsedTurn("assistant", "", "early too", early)]
    assert [(t.text, at) for t, at in in_time_order(turns)] == [
        ("early", early), ("early too", early), ("late", late), ("late's output", late)]
    untimed = [ParsedTurn("user", "", "b"), ParsedTurn("user", "", "a")]
    assert [t.text for t, _ in in_time_order(untimed)] == ["b", "a"]
