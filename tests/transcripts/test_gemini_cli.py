"""Gemini CLI sessions: user / gemini messages, tool calls as lines, short results, times kept.

No real session was available; the fixture follows the published format (gemini-cli's
chat recording service: `{sessionId, startTime, lastUpdated, messages}`)."""
from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from tests.transcripts.test_fuzz import check
from transcripts import Transcript, TranscriptError, gemini_cli, parse_file
from transcripts.detect import NO_MESSAGES

SAMPLE = Path(__file__).resolve().parents[1] / "data" / "samples" / "gemini_session.json"


def parsed(name: str, data: bytes) -> Transcript:
    result = parse_file(name, data)
    assert isinstance(result, Transcript)
    return result


def sample() -> Transcript:
    return parsed("session-2025-11-20T14-00-5e1c7a2b.json", SAMPLE.read_bytes())


def session(*messages: dict[str, Any], **top: Any) -> bytes:
    return json.dumps({"sessionId": "s", "messages": list(messages), **top}).encode()


def test_fixture_turns_in_order_with_their_own_times() -> None:
    t = sample()
    assert t.format == "gemini"
    assert t.title == "The invoice PDF shows the VAT line twice. Fix render_invoice in billing/pdf.py."
    assert [(x.role, x.author) for x in t.turns] == [
        ("user", "user"),
        ("assistant", "gemini"), ("tool", "read_file"), ("tool", "run_shell_command"),
        ("assistant", "gemini"), ("tool", "replace"),
        ("user", "user"),
        ("assistant", "gemini"), ("tool", "write_file"), ("tool", "run_shell_command"),
        ("assistant", "gemini"),
        ("system", "gemini-cli"),
    ]
    assert t.turns[0].at == datetime(2025, 11, 20, 14, 0, tzinfo=UTC)
    assert t.turns[2].at == datetime(2025, 11, 20, 14, 0, 25, tzinfo=UTC)  # the call's own time
    assert t.turns[6].text == "Use write_file instead and keep the VAT row once."  # content as parts


def test_calls_become_lines_and_results_are_short() -> None:
    turns = sample().turns
    assert turns[1].text == (
        "I'll look at the renderer and run its test first.\n\n"
        '[tool read_file] {"absolute_path": "/home/ben/billing/billing/pdf.py"}\n\n'
        "$ pytest -q tests/test_pdf.py"
    )
    assert "FAILED tests/test_pdf.py::test_vat_once" in turns[3].text
    assert turns[4].text == '[tool replace] {"file_path": "/home/ben/billing/billing/pdf.py"}'  # no bodies
    assert turns[5].text.startswith("Error: Failed to edit, 0 occurrences found")
    assert turns[-1].text.startswith("Error: Quota exceeded")


def test_thoughts_info_lines_and_token_counts_are_left_out() -> None:
    everything = "\n".join(x.text for x in sample().turns)
    for hidden in ("SECRET-THOUGHT", "Planning the fix", "Request cancelled", "2300", "projectHash"):
        assert hidden not in everything


def test_long_results_are_cut_and_the_summary_is_the_title() -> None:
    output = "\n".join(f"row {n}" for n in range(100))
    t = parsed("session.json", session(
        {"type": "user", "content": "list files", "timestamp": "2025-11-20T10:00:00Z"},
        {"type": "gemini", "content": "", "toolCalls": [
            {"name": "list_directory", "args": {"path": "."}, "status": "success", "resultDisplay": output}]},
        summary="Listing the repository",
    ))
    assert t.title == "Listing the repository"
    assert t.turns[2].text.count("\n") == 40 and t.turns[2].text.endswith("(60 more lines)")
    assert t.turns[2].at == t.turns[1].at is None  # neither the message nor the call has a time


def test_detected_by_content_whatever_the_name() -> None:
    data = SAMPLE.read_bytes()
    assert parsed("chat.json", data).format == "gemini"
    assert parsed("session", data).format == "gemini"
    assert gemini_cli.matches({"messages": [{"type": "gemini", "content": "hi"}]})
    assert not gemini_cli.matches({"messages": [{"type": "message", "text": "hi"}]})  # Telegram
    assert not gemini_cli.matches([{"type": "user"}])


def test_a_session_without_turns_is_refused_in_one_sentence() -> None:
    with pytest.raises(TranscriptError) as error:
        parse_file("session.json", session({"type": "user", "content": "  "},
                                           {"type": "info", "content": "Request cancelled."}))
    assert str(error.value) == NO_MESSAGES


@pytest.mark.parametrize("odd", [None, 0, "", "x", [], {}, [None], {"": None}, "\ud800"])
def test_odd_values_anywhere_fail_cleanly(odd: Any) -> None:
    original = json.loads(SAMPLE.read_text())
    check("session.json", json.dumps({**original, "messages": odd}).encode())
    for index, message in enumerate(original["messages"]):
        for key in message:
            mutated = json.loads(json.dumps(original))
            mutated["messages"][index][key] = odd
            check("session.json", json.dumps(mutated).encode())
        for number, call in enumerate(message.get("toolCalls", [])):
            for key in call:
                mutated = json.loads(json.dumps(original))
                mutated["messages"][index]["toolCalls"][number][key] = odd
                check("session.json", json.dumps(mutated).encode())
