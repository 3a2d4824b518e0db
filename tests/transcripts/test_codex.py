"""Codex CLI rollouts: turns once each, the manual left out, calls as `$ command` lines, times kept.

No real rollout was available; the fixture follows the published format (openai/codex
rollout recorder: `{timestamp, type, payload}` lines)."""
from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from tests.transcripts.test_fuzz import check
from transcripts import Transcript, TranscriptError, codex, parse_file
from transcripts.detect import NO_MESSAGES

SAMPLE = Path(__file__).resolve().parents[1] / "data" / "samples" / "codex_rollout.jsonl"


def rollout(*lines: tuple[str, str, dict[str, Any]]) -> bytes:
    """JSONL of (time, type, payload) lines."""
    return "\n".join(json.dumps({"timestamp": f"2025-11-03T{at}Z", "type": kind, "payload": payload})
                     for at, kind, payload in lines).encode()


def parsed(name: str, data: bytes) -> Transcript:
    result = parse_file(name, data)
    assert isinstance(result, Transcript)
    return result


def sample() -> Transcript:
    return parsed("rollout-2025-11-03T09-00-00-0199aa10.jsonl", SAMPLE.read_bytes())


def test_fixture_turns_in_order_with_their_own_times() -> None:
    t = sample()
    assert (t.format, t.title) == ("codex", "shop-api")
    assert [(x.role, x.author) for x in t.turns] == [
        ("user", "user"),
        ("assistant", "codex"), ("tool", "shell"),
        ("assistant", "codex"), ("tool", "apply_patch"),
        ("assistant", "codex"), ("tool", "shell_command"),
        ("assistant", "codex"),
        ("system", "codex"),
        ("user", "user"),
        ("assistant", "codex"), ("tool", "update_plan"),
        ("assistant", "codex"),
    ]
    assert t.turns[0].at == datetime(2025, 11, 3, 9, 0, 1, 500000, tzinfo=UTC)
    assert t.turns[-1].at == datetime(2025, 11, 3, 9, 5, 7, tzinfo=UTC)
    assert all(x.at is not None for x in t.turns)


def test_user_and_agent_words_are_kept_once() -> None:
    """The same request is both a response item and a UI event: one turn."""
    texts = [x.text for x in sample().turns]
    assert sum("fix the cart total" in x for x in texts) == 1
    assert sum("now sums Decimal prices" in x for x in texts) == 1


def test_manual_environment_and_reasoning_are_left_out() -> None:
    everything = "\n".join(x.text for x in sample().turns)
    for hidden in ("You are Codex", "environment_context", "AGENTS.md", "Use Decimal for money",
                   "Looking at the cart module", "gAAAA", "5310", "interrupted"):
        assert hidden not in everything


def test_calls_become_commands_and_outputs_are_short_with_exit_codes() -> None:
    turns = sample().turns
    assert turns[1].text == "$ pytest -q tests/test_cart.py"  # ["bash", "-lc", ...] unwrapped
    assert turns[2].text.startswith("F.\nFAILED tests/test_cart.py::test_cart_total")
    assert turns[2].text.endswith("1 failed, 1 passed in 0.05s\n[exit code 1]")
    assert turns[3].text == "[tool apply_patch] Update app/cart.py; Add tests/test_money.py"
    assert turns[5].text == "$ pytest -q"
    assert turns[6].text == "3 passed in 0.07s\n[exit code 0]"  # "Exit code: 0 ... Output:" text
    assert turns[8].text.startswith("Earlier context, compacted:\nCart totals use Decimal")
    assert turns[10].text.startswith('[tool update_plan] {"plan": [{"step": "Quantize totals"')


def test_long_output_is_cut() -> None:
    output = "\n".join(f"line {n}" for n in range(500))
    t = parsed("rollout.jsonl", rollout(
        ("10:00:00", "response_item", {"type": "message", "role": "user",
                                       "content": [{"type": "input_text", "text": "list it"}]}),
        ("10:00:01", "response_item", {"type": "function_call", "name": "shell", "call_id": "c1",
                                       "arguments": json.dumps({"command": ["ls", "-la", "my dir"]})}),
        ("10:00:02", "response_item", {"type": "function_call_output", "call_id": "c1", "output": output}),
    ))
    assert t.turns[1].text == "$ ls -la 'my dir'"
    assert t.turns[2].text.count("\n") == 40 and t.turns[2].text.endswith("(460 more lines)")
    assert t.title == "list it"  # no session_meta: the first request


def test_other_call_shapes() -> None:
    t = parsed("rollout.jsonl", rollout(
        ("10:00:00", "response_item", {"type": "function_call", "name": "exec_command", "call_id": "c1",
                                       "arguments": json.dumps({"cmd": "npm test"})}),
        ("10:00:01", "response_item", {"type": "local_shell_call", "call_id": "c2", "status": "completed",
                                       "action": {"type": "exec", "command": ["bash", "-c", "make"]}}),
        ("10:00:02", "response_item", {"type": "web_search_call", "action": {"type": "search",
                                                                             "query": "decimal rounding"}}),
        ("10:00:03", "response_item", {"type": "function_call", "name": "view_image", "call_id": "c3",
                                       "arguments": "not json"}),
    ))
    assert [x.text for x in t.turns] == ["$ npm test", "$ make", "[tool web_search] decimal rounding",
                                         '[tool view_image] {"input": "not json"}']


def test_a_rollout_of_ui_events_only_uses_them() -> None:
    t = parsed("rollout.jsonl", rollout(
        ("10:00:00", "session_meta", {"id": "x", "cwd": "/srv/site/"}),
        ("10:00:01", "event_msg", {"type": "user_message", "message": "rename the navbar"}),
        ("10:00:02", "event_msg", {"type": "agent_reasoning", "text": "thinking"}),
        ("10:00:03", "event_msg", {"type": "agent_message", "message": "Renamed it in nav.tsx."}),
    ))
    assert t.title == "site"
    assert [(x.role, x.text) for x in t.turns] == [("user", "rename the navbar"),
                                                   ("assistant", "Renamed it in nav.tsx.")]


def test_detected_by_content_whatever_the_name() -> None:
    data = SAMPLE.read_bytes()
    assert parsed("export.json", data).format == "codex"  # JSONL saved as .json
    assert parsed("rollout.ndjson", data).format == "codex"
    assert codex.matches([{"type": "session_meta", "payload": {}}])
    assert not codex.matches([{"type": "message", "payload": "x"}, {"type": "user", "message": {}}])
    assert not codex.matches({"type": "session_meta", "payload": {}})


def test_a_rollout_without_turns_is_refused_in_one_sentence() -> None:
    with pytest.raises(TranscriptError) as error:
        parse_file("rollout.jsonl", rollout(("10:00:00", "session_meta", {"instructions": "be good"}),
                                            ("10:00:01", "turn_context", {"model": "gpt-5"})))
    assert str(error.value) == NO_MESSAGES


@pytest.mark.parametrize("odd", [None, 0, "", "x", [], {}, [None], {"": None}, "\ud800"])
def test_odd_values_anywhere_fail_cleanly(odd: Any) -> None:
    lines = [json.loads(line) for line in SAMPLE.read_text().splitlines()]
    for index in range(len(lines)):
        for key in ("payload", "timestamp", "type"):
            mutated = [dict(line) for line in lines]
            mutated[index][key] = odd
            check("rollout.jsonl", "\n".join(json.dumps(line) for line in mutated).encode())
        payload = dict(lines[index]["payload"])
        for key in list(payload):
            mutated = [dict(line) for line in lines]
            mutated[index]["payload"] = {**payload, key: odd}
            check("rollout.jsonl", "\n".join(json.dumps(line) for line in mutated).encode())
