"""Role-marker splitting of pasted conversations."""
from __future__ import annotations

import pytest

from transcripts.model import ParsedTurn
from transcripts.pasted import has_markers, split_pasted


def roles(text: str) -> list[tuple[str, str, str]]:
    return [(t.role, t.author, t.text) for t in split_pasted(text)]


def test_chatgpt_you_said_markers() -> None:
    text = "You said:\nHow do I sort?\n\nChatGPT said:\nUse sorted().\n"
    assert roles(text) == [
        ("user", "You", "How do I sort?"),
        ("assistant", "ChatGPT", "Use sorted()."),
    ]


def test_markdown_heading_markers() -> None:
    text = "##### You said:\nhi\n##### ChatGPT said:\nhello\n# You said: again"
    assert roles(text) == [
        ("user", "You", "hi"),
        ("assistant", "ChatGPT", "hello"),
        ("user", "You", "again"),
    ]


@pytest.mark.parametrize(
    ("user_marker", "assistant_marker", "user_author", "assistant_author"),
    [
        ("User:", "Assistant:", "User", "Assistant"),
        ("Human:", "Assistant:", "Human", "Assistant"),
        ("Human:", "Claude:", "Human", "Claude"),
        ("**User:**", "**Assistant:**", "User", "Assistant"),
        ("**User**:", "**Assistant**:", "User", "Assistant"),
        ("**You said:**", "**ChatGPT said:**", "You", "ChatGPT"),
        ("__Human:__", "__Claude:__", "Human", "Claude"),
        ("user:", "ASSISTANT:", "User", "Assistant"),
    ],
)
def test_marker_styles(
    user_marker: str, assistant_marker: str, user_author: str, assistant_author: str
) -> None:
    text = f"{user_marker} first question\nmore detail\n{assistant_marker}\nthe answer\n"
    assert roles(text) == [
        ("user", user_author, "first question\nmore detail"),
        ("assistant", assistant_author, "the answer"),
    ]


def test_text_before_first_marker_is_a_note() -> None:
    text = "Exported from my notes\n\nUser: q\nAssistant: a"
    assert roles(text)[0] == ("note", "", "Exported from my notes")
    assert len(split_pasted(text)) == 3


def test_blank_preamble_is_dropped() -> None:
    assert roles("\n\n  \nUser: q\nAssistant: a")[0] == ("user", "User", "q")


def test_marker_lines_inside_code_fences_are_content() -> None:
    code = "```python\nUser: not a speaker\nAssistant: neither\nprint('x')\n```"
    text = f"User: show me\nAssistant:\nHere:\n{code}\nDone.\nUser: thanks"
    turns = split_pasted(text)
    assert [t.role for t in turns] == ["user", "assistant", "user"]
    assert turns[1].text == f"Here:\n{code}\nDone."


def test_tilde_fence_and_longer_closing_fence() -> None:
    text = "User: q\n~~~~\nAssistant: inside\n~~~\nstill inside\n~~~~~\nAssistant: out"
    turns = split_pasted(text)
    assert [t.role for t in turns] == ["user", "assistant"]
    assert "Assistant: inside" in turns[0].text and "still inside" in turns[0].text


def test_only_markers_inside_fence_means_no_markers() -> None:
    text = "```\nUser: x\nAssistant: y\n```"
    assert not has_markers(text)
    assert split_pasted(text) == [ParsedTurn("note", "", text)]


def test_no_markers_gives_one_note_turn() -> None:
    text = "  Just some notes.\nNote: User said hi\nuser said: nope\n"
    assert not has_markers(text)
    assert split_pasted(text) == [ParsedTurn("note", "", "Just some notes.\nNote: User said hi\nuser said: nope")]


def test_marker_word_must_start_the_line() -> None:
    assert not has_markers("The User: field is required")
    assert has_markers("intro\nUser: x")


def test_blank_text_gives_no_turns() -> None:
    assert split_pasted("  \n\t\n") == []


def test_empty_turn_between_markers_is_skipped() -> None:
    assert roles("User:\n\nAssistant: a") == [("assistant", "Assistant", "a")]


def test_crlf_input() -> None:
    assert roles("User: a\r\nb\r\nAssistant: c\r\n") == [
        ("user", "User", "a\nb"),
        ("assistant", "Assistant", "c"),
    ]


def test_indented_code_is_preserved() -> None:
    text = "User: fix\nAssistant:\n    def f():\n        return 1\n"
    assert split_pasted(text)[1].text == "    def f():\n        return 1"
