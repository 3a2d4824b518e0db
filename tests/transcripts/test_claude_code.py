"""Claude Code session logs (issue 12 point 1): one JSONL file per session, detected by content."""
from __future__ import annotations

import io
import json
import zipfile
from datetime import UTC, datetime
from pathlib import Path

import pytest

from service.offline import handoff_from_file
from tests.transcripts.test_fuzz import check
from transcripts import _util, claude_code
from transcripts.detect import UNKNOWN_JSON, parse_file
from transcripts.model import Choice, Limits, Transcript, TranscriptError

SAMPLE = Path(__file__).resolve().parents[1] / "data" / "samples" / "claude_code_session.jsonl"
REALBENCH_SESSIONS = ("claudecode-spotter-dov", "claudecode-spotter-fum", "claudecode-spotter-gqc")


def parsed(name: str = "session.jsonl", data: bytes | None = None) -> Transcript:
    result = parse_file(name, SAMPLE.read_bytes() if data is None else data)
    assert isinstance(result, Transcript)
    return result


def test_small_session_turns() -> None:
    t = parsed()
    assert t.format == "claude-code"
    assert t.title == "Fix the cart total rounding (2026-03-04)"  # the summary line, with the date
    assert [(x.role, x.author, x.text.split("\n")[0]) for x in t.turns] == [
        ("user", "user", "Why does test_cart_total fail? Fix it in app/cart.py."),
        ("assistant", "Claude Code", "Let me run the failing test first."),
        ("tool", "Bash", "tests/test_cart.py::test_0 PASSED"),
        ("assistant", "Claude Code", "[tool Read] /home/ana/shop-api/app/cart.py"),
        ("tool", "Read", "1\tdef total(items):"),
        ("assistant", "Claude Code", "Floats. I'll switch to Decimal."),
        ("tool", "Edit", "Error: <tool_use_error>File has not been read yet. Read it first before "
                         "writing to it.</tool_use_error>"),
        ("user", "user", "also keep the API response a string"),  # queued while the agent worked
        ("user", "user", "and run ruff afterwards"),  # queued, then delivered: kept once
        ("assistant", "Claude Code", "[tool Grep] float\\( app/"),
        ("assistant", "summary", "This session is being continued from a previous conversation "
                                 "that ran out of context. The summary below covers the earlier "
                                 "portion of the conversation."),
        ("assistant", "Claude Code", "Decimal is in place; `pytest -q` passes (61 passed). Next: make "
                                     "the API return the total as a string."),
        ("user", "user", "Looks good, here is the screenshot"),
    ]
    # One reply split over three lines (thinking, text, tool_use) is one turn, thinking left out.
    assert t.turns[1].text == "Let me run the failing test first.\n\n$ pytest -q tests/test_cart.py"
    assert t.turns[5].text == "Floats. I'll switch to Decimal.\n\n[tool Edit] /home/ana/shop-api/app/cart.py"
    assert t.turns[-1].text.endswith("\n\n[image]")


def test_left_out_thinking_sidechains_bookkeeping() -> None:
    everything = "\n".join(x.text for x in parsed().turns)
    for absent in ("SECRET-THOUGHT", "SIDECHAIN-PROMPT", "SIDECHAIN-ANSWER", "/clear", "echo hi",
                   "Conversation compacted", "\x1b["):
        assert absent not in everything


def test_each_turn_keeps_its_own_time() -> None:
    t = parsed()
    assert t.turns[0].at == datetime(2026, 3, 4, 9, 0, 2, tzinfo=UTC)
    assert t.turns[1].at == datetime(2026, 3, 4, 9, 0, 5, 500000, tzinfo=UTC)  # its first text line
    assert t.turns[7].at == datetime(2026, 3, 4, 9, 0, 17, tzinfo=UTC)  # when it was queued
    assert all(x.at is not None for x in t.turns)


def test_long_tool_result_keeps_its_head_and_tail() -> None:
    output = parsed().turns[2].text
    lines = output.split("\n")
    assert lines[:2] == ["tests/test_cart.py::test_0 PASSED", "tests/test_cart.py::test_1 PASSED"]
    assert "[… 27 lines cut …]" in lines
    assert lines[-2:] == ["FAILED tests/test_cart.py::test_cart_total - assert 0.30000000000000004 == 0.3",
                          "1 failed, 60 passed in 0.42s"]


def test_head_and_tail_by_lines_and_by_characters() -> None:
    assert _util.head_and_tail("a\nb\n") == "a\nb"
    many = _util.head_and_tail("\n".join(str(i) for i in range(100)))
    lines = many.split("\n")
    head, tail = _util.HEAD_LINES, _util.TAIL_LINES
    assert lines[:head] == [str(i) for i in range(head)]
    assert lines[head] == f"[… {100 - head - tail} lines cut …]"
    assert lines[head + 1:] == [str(i) for i in range(100 - tail, 100)]
    long_line = _util.head_and_tail("x" * 2500 + "END")
    assert long_line.endswith("END") and "[… 503 characters cut …]" in long_line
    assert len(long_line) < 2100


def test_detected_by_content_not_by_name() -> None:
    assert parsed("7c1e2f40.jsonl").format == "claude-code"
    assert parsed("history.json").format == "claude-code"  # JSONL saved as .json
    assert claude_code.matches([{"type": "user", "message": {"role": "user", "content": "hi"}, "uuid": "1"}])
    assert not claude_code.matches([{"type": "user", "content": "hi"}])  # no message object
    assert not claude_code.matches({"type": "user", "message": {}, "uuid": "1"})  # not a line list
    with pytest.raises(TranscriptError) as error:
        parse_file("other.jsonl", b'{"type": "note", "uuid": "1", "message": {"content": "x"}}\n')
    assert str(error.value) == UNKNOWN_JSON


def test_title_falls_back_to_the_first_request() -> None:
    lines = [json.loads(line) for line in SAMPLE.read_text("utf-8").splitlines()]
    without_summary = "\n".join(json.dumps(x) for x in lines if x.get("type") != "summary")
    t = parsed(data=without_summary.encode())
    assert t.title == "Why does test_cart_total fail? Fix it in app/ca… (2026-03-04)"


def test_session_with_only_bookkeeping_has_no_messages() -> None:
    only = [{"type": "user", "uuid": "1", "isMeta": True, "message": {"role": "user", "content": "<x/>"}},
            {"type": "assistant", "uuid": "2", "message": {"role": "assistant", "content": [
                {"type": "thinking", "thinking": "hm"}]}}]
    with pytest.raises(TranscriptError, match="no messages"):
        parse_file("s.jsonl", "\n".join(json.dumps(x) for x in only).encode())


def test_odd_values_do_not_break_the_parser() -> None:
    odd = [{"type": "user", "uuid": "1", "message": {"role": "user", "content": None}},
           {"type": "assistant", "uuid": "2", "timestamp": "not a time",
            "message": {"id": 5, "content": [None, 3, {"type": "tool_use", "input": "x"},
                                             {"type": "text", "text": 7}]}},
           {"type": "user", "uuid": "3", "message": {"content": [{"type": "tool_result", "content": [1, None],
                                                                  "is_error": True}]}},
           "a string line", [], {"type": "queue-operation", "operation": "enqueue", "content": ["x"]}]
    t = claude_code.parse_conversation(odd)
    assert [(x.role, x.text) for x in t.turns] == [("assistant", "[tool tool]"),
                                                   ("tool", "Error: [image]\n[image]")]
    assert t.turns[0].at is None


@pytest.mark.realbench
@pytest.mark.parametrize("session", REALBENCH_SESSIONS)
async def test_realbench_session_yields_sensible_turns(realbench: Path, session: str) -> None:
    path = realbench / "sessions" / f"{session}.orig.jsonl"
    if not path.is_file():
        pytest.skip(f"{path} not found")
    result = await handoff_from_file(path, budget_words=800)
    t = result.transcript
    assert t.format == "claude-code"
    assert t.turns[0].role == "user" and t.turns[0].text.startswith(("Work on bead", "Implement"))
    counts = t.counts()
    assert counts["assistant"] > 100 and counts["tool"] > 100 and counts["user"] >= 2
    assert sum(1 for x in t.turns if x.author == "summary") == 1  # the compaction summary
    assert all(x.at is not None for x in t.turns)
    assert sum(x.text.startswith("$ ") or "\n$ " in x.text for x in t.turns) > 20  # Bash commands
    assert max(len(x.text) for x in t.turns if x.role == "tool") < 2100  # results shortened
    assert session.removeprefix("claudecode-") in result.handoff.markdown


PROJECT_ZIP = SAMPLE.with_name("claude_code_project.zip")


def _zip(members: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return buffer.getvalue()


def test_project_folder_zip_offers_each_session() -> None:
    result = parse_file("shop-api.zip", PROJECT_ZIP.read_bytes())
    assert isinstance(result, Choice) and result.format == "claude-code"
    assert [(c.title, c.message_count) for c in result.conversations] == [
        ("Add the Stripe webhook (2026-03-05)", 3), ("Fix the cart total rounding (2026-03-04)", 13)]
    picked = parse_file("shop-api.zip", PROJECT_ZIP.read_bytes(), choose="stripe")
    assert isinstance(picked, Transcript)
    assert [t.text for t in picked.turns][1:] == [
        "Adding app/webhooks.py.\n\n[tool Write] /home/ana/shop-api/app/webhooks.py",
        "File created successfully at: /home/ana/shop-api/app/webhooks.py"]
    everything = "\n".join(t.text for c in result.conversations
                           for t in parse_file("p.zip", PROJECT_ZIP.read_bytes(),
                                               choose=f"#{c.index}").turns)  # type: ignore[union-attr]
    assert "SUBAGENT" not in everything  # subagents/ logs and sidechain-only logs left out


def test_one_session_in_a_zip_is_imported_directly() -> None:
    result = parse_file("one.zip", _zip({"proj/s.jsonl": SAMPLE.read_bytes()}))
    assert isinstance(result, Transcript) and result.title == "Fix the cart total rounding (2026-03-04)"


def test_broken_log_in_a_folder_zip_is_named() -> None:
    data = SAMPLE.read_bytes()
    with pytest.raises(TranscriptError) as error:
        parse_file("p.zip", _zip({"proj/a.jsonl": data, "proj/b.jsonl": data[:-40]}))
    assert str(error.value).startswith("proj/b.jsonl in that zip: that JSON file is malformed or cut off (line ")


def test_folder_zip_unpacks_within_the_size_limit() -> None:
    data = SAMPLE.read_bytes()
    archive = _zip({f"proj/{n}.jsonl": data for n in range(4)})  # compresses well
    with pytest.raises(TranscriptError, match="The logs in that zip unpack to more than"):
        parse_file("p.zip", archive, limits=Limits(max_bytes=3 * len(data)))
    assert isinstance(parse_file("p.zip", archive, limits=Limits(max_bytes=4 * len(data))), Choice)


def test_other_zips_still_take_the_export_path() -> None:
    with pytest.raises(TranscriptError, match="no conversations.json"):
        parse_file("x.zip", _zip({"notes/a.jsonl": b'{"type": "note"}\n'}))


@pytest.mark.parametrize("odd", [None, 0, "", "x", [], {}, [None], {"": None}, "\ud800", True])
def test_odd_values_anywhere_fail_cleanly(odd: object) -> None:
    lines = [json.loads(line) for line in SAMPLE.read_text("utf-8").splitlines()]
    for index, line in enumerate(lines):
        for key in [*line, *(line.get("message") or {})]:
            mutated = json.loads(json.dumps(lines))
            target = mutated[index] if key in line else mutated[index]["message"]
            target[key] = odd
            check("s.jsonl", "\n".join(json.dumps(x) for x in mutated).encode("utf-8", "surrogatepass"))
