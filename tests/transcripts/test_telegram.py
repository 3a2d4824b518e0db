"""Telegram Desktop exports: flattening, media notes, service messages, account layout."""
from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import read_sample
from transcripts import telegram_export as tg

DIR = "exports/telegram/"


def load(sample_data: Path, name: str) -> Any:
    return json.loads(read_sample(sample_data, DIR + name))


@pytest.mark.samples
def test_old_format_channel(sample_data: Path) -> None:
    data = load(sample_data, "tg2md_result.json")
    t = tg.parse_conversation(data)
    assert t.title == "test"
    assert t.counts() == {"user": 18}  # 19 messages minus the service one
    assert {x.author for x in t.turns} == {"test"}
    texts = [x.text for x in t.turns]
    assert texts[0] == "test text post"
    assert texts[1] == "[photo]"
    assert texts[2] == "[photo] photo with text"
    assert texts[3] == "italic\n\nbold\n\nunderline\n\nstrikethrough\n\n```\nmonospace\n```"
    assert texts[4] == "[voice message]"
    assert texts[9] == "`monospace with one baktick`\n\n```\nmultiline\nmonospace\n```"
    assert texts[10] == "text link (http://example.com/)\n\nexample.com\n\nexample@example.com"
    assert "тестирование utf-8." in texts
    assert "[file: LICENSE.md] test text file" in texts
    assert not any("create_channel" in x for x in texts)


@pytest.mark.samples
def test_current_format_private_chat(sample_data: Path) -> None:
    data = load(sample_data, "langchain_telegram_result.json")
    t = tg.parse_conversation(data)
    assert t.title == "Jimmeny"
    assert [(x.author, x.text) for x in t.turns] == [
        ("Jimmeny Marvelton", "i refuse to converse with you"),
        ("Batman & Robin", "Hi nemesis"),
        ("Jimmeny Marvelton", "we meet again"),
        ("Jimmeny Marvelton", "you will not trick me this time"),
        ("Batman & Robin", "this is bold text: BOLD TEXT"),
        ("Jimmeny Marvelton", "this is an email: admin@example.com"),
    ]
    assert {x.role for x in t.turns} == {"user"}
    assert tg.list_conversations(data)[0].update_time == 1692821830.0


def test_pre_with_language_inside_text() -> None:
    text = ["run ", {"type": "pre", "text": "make all", "language": "bash"}, "then done"]
    assert tg.flatten_text(text) == "run \n```bash\nmake all\n```\nthen done"


def test_full_account_export_lists_chats() -> None:
    def chat(name: str | None, kind: str, stamp: str, text: str) -> dict[str, Any]:
        return {"name": name, "type": kind, "id": 1, "messages": [
            {"id": 1, "type": "message", "date_unixtime": stamp, "from": "Ann", "text": text,
             "forwarded_from": "Bob" if kind == "saved_messages" else None},
        ]}

    data = {"personal_information": {}, "chats": {"about": "", "list": [
        chat("Alice", "personal_chat", "100", "hi"),
        chat(None, "saved_messages", "300", "note to self"),
        chat("Team", "private_group", "200", "standup"),
        {"name": "Empty", "type": "personal_chat", "messages": [{"type": "service", "text": ""}]},
    ]}}
    assert tg.matches(data)
    infos = tg.list_conversations(data)
    assert [(i.index, i.title, i.update_time) for i in infos] == [
        (1, "Saved Messages", 300.0), (2, "Team", 200.0), (0, "Alice", 100.0)
    ]
    saved = tg.parse_conversation(tg.conversations(data)[1])
    assert saved.turns[0].text == "[forwarded from Bob] note to self"


def test_non_telegram_messages_list_is_not_matched() -> None:
    assert not tg.matches({"messages": [{"role": "user", "content": "x"}]})
