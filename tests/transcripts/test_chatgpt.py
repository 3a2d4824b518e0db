"""ChatGPT exports: active branch, hidden/system skipping, tools, both file shapes."""
from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import read_sample
from transcripts import chatgpt
from transcripts.model import ParsedTurn

DIR = "exports/chatgpt/"


def load(sample_data: Path, name: str) -> Any:
    return json.loads(read_sample(sample_data, DIR + name))


@pytest.mark.samples
def test_tree_follows_current_node_branch(sample_data: Path) -> None:
    data = load(sample_data, "librechat_chatgpt_tree.json")
    t = chatgpt.parse_conversation(data[0])
    assert t.title == "Assist user with summary"
    # 7 messages on the active path, minus the hidden empty system message.
    assert [x.text for x in t.turns[:5]] == [
        "hi there",
        "Hello! How can I assist you today?",
        "hi again",
        "Hey! Welcome back. What's on your mind?",
        "tell me a joke",
    ]
    assert t.turns[5].text.endswith("Because they make up everything!")
    assert t.counts() == {"user": 3, "assistant": 3}
    assert all(x.author in ("You", "ChatGPT") for x in t.turns)
    everything = "\n".join(x.text for x in t.turns)
    for dead in ("so cool bro", "tell me a story", "Once upon a time"):
        assert dead not in everything


@pytest.mark.samples
def test_current_node_wins_over_newest_children(sample_data: Path) -> None:
    """In the sample the active branch is also the last-child one; point elsewhere to tell them apart."""
    conv = load(sample_data, "librechat_chatgpt_tree.json")[0]
    story_leaf = next(k for k in conv["mapping"] if k.startswith("ada93f81"))
    conv["current_node"] = story_leaf
    texts = [x.text for x in chatgpt.parse_conversation(conv).turns]
    assert texts[:4] == ["hi there", "Hello! How can I assist you today?", "so cool bro",
                         "Thanks! What brings you here today?"]
    assert texts[4] == "tell me a story" and texts[5].startswith("Sure! Here's a short story")
    assert "hi again" not in texts


@pytest.mark.samples
def test_without_current_node_the_last_children_are_followed(sample_data: Path) -> None:
    conv = load(sample_data, "librechat_chatgpt_tree.json")[0]
    del conv["current_node"]
    texts = [x.text for x in chatgpt.parse_conversation(conv).turns]
    assert texts[:5] == ["hi there", "Hello! How can I assist you today?", "hi again",
                         "Hey! Welcome back. What's on your mind?", "tell me a joke"]
    assert len(texts) == 6


@pytest.mark.samples
def test_export_with_browser_tool_calls(sample_data: Path) -> None:
    data = load(sample_data, "librechat_chatgpt_export.json")
    infos = chatgpt.list_conversations(data)
    assert [(i.index, i.title, i.message_count) for i in infos] == [
        (0, "Conversation 1. Web Search", 15),
        (1, "Conversation 2", 4),
    ]
    t = chatgpt.parse_conversation(data[0])
    assert t.counts() == {"user": 3, "tool": 9, "assistant": 3}
    tools = [x for x in t.turns if x.role == "tool"]
    assert {x.author for x in tools} == {"browser"}
    assert tools[0].text == 'Called with: search("Volkswagen Transporter fuel consumption with 8 people l/km")'
    assert all("\n" not in x.text and len(x.text) <= 200 for x in tools)
    assert t.turns[0] == ParsedTurn(
        "user", "You", "What is the fuel consumption of vw  transporter with 8 people in l/km",
        datetime(2024, 1, 7, 12, 18, 35, 776371, tzinfo=UTC),  # its create_time
    )


@pytest.mark.samples
def test_code_blocks_in_answers_survive(sample_data: Path) -> None:
    t = chatgpt.parse_conversation(load(sample_data, "librechat_chatgpt_export.json")[1])
    assert [x.role for x in t.turns] == ["user", "assistant", "user", "assistant"]
    assert "```csharp\nusing System;" in t.turns[3].text


@pytest.mark.samples
def test_single_object_with_thoughts_tools_and_images(sample_data: Path) -> None:
    data = load(sample_data, "polylogue_native_conversation_v1.json")
    assert chatgpt.conversations(data) == [data]
    t = chatgpt.parse_conversation(data)
    assert t.title == "Privacy-safe ChatGPT native fixture"
    assert [(x.role, x.author) for x in t.turns] == [
        ("user", "You"),
        ("tool", "browser.search"),
        ("tool", "browser.search"),
        ("assistant", "ChatGPT"),
    ]
    assert t.turns[0].text == (
        "Analyze the attached fixture and create an artifact.\n[image]\n[attachment: input.txt]"
    )
    assert t.turns[2].text == "Privacy-safe tool result."
    everything = "\n".join(x.text for x in t.turns)
    for absent in ("Superseded answer.", "reasoning trace", "reasoning summary", "Privacy-safe fixture profile"):
        assert absent not in everything


@pytest.mark.samples
def test_minimal_export_without_optional_fields(sample_data: Path) -> None:
    data = load(sample_data, "ai_chat_md_export_minimal.json")
    infos = chatgpt.list_conversations(data)
    assert [i.title for i in infos] == ["Code Help", "Math Question"]  # newest first
    assert infos[0].update_time == 1737000180
    t = chatgpt.parse_conversation(data[0])
    assert t.counts() == {"user": 2, "assistant": 2}
    assert t.turns[0].text == "What is the square root of 144?"


def _node(parent: str | None, children: list[str], message: dict[str, Any] | None) -> dict[str, Any]:
    return {"parent": parent, "children": children, "message": message}


def test_real_style_thoughts_recap_and_code_interpreter() -> None:
    def msg(role: str, content: dict[str, Any], recipient: str = "all", name: str | None = None) -> dict[str, Any]:
        return {"author": {"role": role, "name": name}, "content": content, "recipient": recipient}

    mapping = {
        "r": _node(None, ["a"], None),
        "a": _node("r", ["b"], msg("user", {"content_type": "text", "parts": ["plot it"]})),
        "b": _node("a", ["c"], msg("assistant", {"content_type": "thoughts", "thoughts": [{"summary": "s", "content": "secret"}]})),
        "c": _node("b", ["d"], msg("assistant", {"content_type": "reasoning_recap", "content": "Thought for 15s"})),
        "d": _node("c", ["e"], msg("assistant", {"content_type": "code", "language": "python", "text": "plot()"}, "python")),
        "e": _node("d", ["f"], msg("tool", {"content_type": "execution_output", "text": "ok\nline2"}, name="python")),
        "f": _node("e", [], msg("assistant", {"content_type": "text", "parts": ["Done."]})),
    }
    t = chatgpt.parse_conversation({"title": "T", "mapping": mapping, "current_node": "f"})
    assert [(x.role, x.author, x.text) for x in t.turns] == [
        ("user", "You", "plot it"),
        ("tool", "python", "Called with: plot()"),
        ("tool", "python", "ok line2"),
        ("assistant", "ChatGPT", "Done."),
    ]


def test_cyclic_parent_links_terminate() -> None:
    mapping = {
        "a": _node("b", ["b"], {"author": {"role": "user"}, "content": {"parts": ["x"]}}),
        "b": _node("a", ["a"], {"author": {"role": "assistant"}, "content": {"parts": ["y"]}}),
    }
    assert len(chatgpt.parse_conversation({"mapping": mapping, "current_node": "a"}).turns) == 2
    assert chatgpt.parse_conversation({"mapping": mapping}).turns == ()
