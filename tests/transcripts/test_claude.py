"""Claude.ai exports: time ordering, content blocks, attachments, both shapes."""
from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import read_sample
from transcripts import claude

DIR = "exports/claude/"


def load(sample_data: Path, name: str) -> Any:
    return json.loads(read_sample(sample_data, DIR + name))


@pytest.mark.samples
def test_bulk_export_is_sorted_by_time_human_first(sample_data: Path) -> None:
    data = load(sample_data, "claude_to_sqlite_artifacts.json")
    assert [i.title for i in claude.list_conversations(data)] == ["LLM Pricing Calculator"]
    t = claude.parse_conversation(data[0])
    assert t.counts() == {"user": 10, "assistant": 10}
    assert [x.role for x in t.turns] == ["user", "assistant"] * 10
    assert t.turns[0].text.startswith("Built me an artifact with no react")
    # Element 0 of the file (03:37:51) belongs after the 03:32 exchange.
    assert t.turns[6].text.startswith("Add a onkeyup event too")
    assert t.turns[7].text.startswith("Certainly! I'll update the calculator to include the onkeyup")
    assert t.turns[6].text.endswith("[file: CleanShot 20241016 at 20.37.012x.png]")
    assert not t.turns[1].text.startswith(" ")
    assert t.turns[1].author == "Claude" and t.turns[0].author == "You"
    assert "<antArtifact" in t.turns[1].text


@pytest.mark.samples
def test_single_object_with_content_blocks(sample_data: Path) -> None:
    data = load(sample_data, "claude_chat_viewer_bakery_chat.json")
    assert claude.conversations(data) == [data]
    t = claude.parse_conversation(data)
    assert t.title == "Interactive Bakery Comparison Visualization"
    assert [x.role for x in t.turns] == ["user", "assistant", "user", "assistant"]
    assert t.turns[0].text.startswith("Make an interactive visualization")
    assert t.turns[0].text.endswith("[file: image]")
    assert t.turns[2].text == "What are your ideas for extending this?"


def msg(sender: str, created: str, **extra: Any) -> dict[str, Any]:
    return {"sender": sender, "created_at": created, "text": extra.pop("text", ""), **extra}


def test_ties_put_human_first_and_content_blocks_win() -> None:
    conv = {
        "name": "c",
        "chat_messages": [
            msg("assistant", "2024-01-01T00:00:05Z", text="reply 2"),
            msg("assistant", "2024-01-01T00:00:01Z", text="reply 1"),
            msg("human", "2024-01-01T00:00:05Z", text="ask 2"),
            msg("human", "2024-01-01T00:00:01Z", text="ignored", content=[{"type": "text", "text": "ask 1"}]),
        ],
    }
    assert [x.text for x in claude.parse_conversation(conv).turns] == ["ask 1", "reply 1", "ask 2", "reply 2"]


def test_thinking_skipped_tools_summarised_attachments_included() -> None:
    conv = {
        "name": "tools",
        "chat_messages": [
            msg("human", "2024-01-01T00:00:00Z", text="see file",
                attachments=[{"file_name": "notes.txt", "extracted_content": "line one\nline two"}]),
            msg("assistant", "2024-01-01T00:00:01Z", content=[
                {"type": "thinking", "thinking": "private chain of thought"},
                {"type": "text", "text": "Let me search."},
                {"type": "tool_use", "name": "web_search", "input": {"query": "baton"}},
                {"type": "tool_result", "name": "web_search", "content": [{"type": "text", "text": "result\ntext"}]},
                {"type": "text", "text": "Found it."},
            ]),
        ],
    }
    t = claude.parse_conversation(conv)
    assert [(x.role, x.author, x.text) for x in t.turns] == [
        ("user", "You", "see file\n\n[attachment: notes.txt]\nline one\nline two"),
        ("assistant", "Claude", "Let me search."),
        ("tool", "web_search", 'Called with: {"query":"baton"}'),
        ("tool", "web_search", "result text"),
        ("assistant", "Claude", "Found it."),
    ]


def test_parent_links_follow_current_leaf() -> None:
    root = "00000000-0000-4000-8000-000000000000"
    conv = {
        "name": "branched",
        "current_leaf_message_uuid": "b2",
        "chat_messages": [
            {"uuid": "h1", "parent_message_uuid": root, "sender": "human", "text": "q", "created_at": "2024-01-01T00:00:00Z"},
            {"uuid": "b1", "parent_message_uuid": "h1", "sender": "assistant", "text": "old answer", "created_at": "2024-01-01T00:00:01Z"},
            {"uuid": "b2", "parent_message_uuid": "h1", "sender": "assistant", "text": "new answer", "created_at": "2024-01-01T00:00:02Z"},
        ],
    }
    assert [x.text for x in claude.parse_conversation(conv).turns] == ["q", "new answer"]


def test_listing_skips_empty_and_sorts_newest_first() -> None:
    data = [
        {"name": "old", "updated_at": "2023-01-01T00:00:00Z", "chat_messages": [msg("human", "", text="a")]},
        {"name": "empty", "updated_at": "2025-01-01T00:00:00Z", "chat_messages": []},
        {"name": "new", "updated_at": "2024-01-01T00:00:00Z", "chat_messages": [msg("human", "", text="b")]},
    ]
    assert [(i.index, i.title) for i in claude.list_conversations(data)] == [(2, "new"), (0, "old")]
