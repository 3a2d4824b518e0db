"""Every format parse_file knows, on tiny invented exports in tests/data/samples: these run in
every clone, with or without the real samples beside the repository."""
from __future__ import annotations

import io
import zipfile
from pathlib import Path

import pytest

from tests.transcripts.test_fuzz import check
from transcripts import Choice, Transcript, parse_file

SMALL = Path(__file__).resolve().parents[1] / "data" / "samples"

# file -> (format, title, counts) for one conversation, (format, None, [titles newest first]) for several
EXPECTED: dict[str, tuple[str, str | None, object]] = {
    "chatgpt_two_conversations.json": ("chatgpt", None, ["Deploy plan", "Checkout bug"]),
    "claude_conversations.json": ("claude", "Invoice layout", {"user": 2, "assistant": 2}),
    "claude_code_session.jsonl": ("claude-code", "Fix the cart total rounding (2026-03-04)",
                                  {"user": 4, "assistant": 6, "tool": 3}),
    "claude_code_project.zip": ("claude-code", None, ["Add the Stripe webhook (2026-03-05)",
                                                      "Fix the cart total rounding (2026-03-04)"]),
    "telegram_result.json": ("telegram", "Release chat", {"user": 2}),
    "openhands_runs.jsonl": ("openhands", None, ["acme__tool-2: Wrong exit code",
                                                 "acme__tool-1: Crash on empty input"]),
    "codex_rollout.jsonl": ("codex", "shop-api", {"user": 2, "assistant": 6, "tool": 4, "system": 1}),
    "gemini_session.json": ("gemini", "The invoice PDF shows the VAT line twice. Fix render_invoice in billing/pdf.py.",
                            {"user": 2, "assistant": 4, "tool": 5, "system": 1}),
    "pasted_chat.txt": ("pasted", "", {"user": 1, "assistant": 1}),
    "shop.aider.chat.history.md": ("aider", None, ["All 2 aider runs, 2026-03-02 to 2026-03-03",
                                                   "2026-03-03 14:40 /ask how is VAT rounded in "
                                                   "app/invoice.py? how is VAT round…",
                                                   "2026-03-02 09:15 /add app/cart.py"]),
    "specstory_cart.md": ("specstory", "Fix the cart rounding (2026-03-05 10:20:00Z)",
                          {"user": 2, "assistant": 5, "tool": 3}),
}


def test_every_small_sample_is_listed() -> None:
    assert {p.name for p in SMALL.iterdir()} == set(EXPECTED)


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_small_samples_parse(name: str) -> None:
    fmt, title, expected = EXPECTED[name]
    result = parse_file(name, (SMALL / name).read_bytes())
    assert result.format == fmt
    if title is None:
        assert isinstance(result, Choice)
        assert [c.title for c in result.conversations] == expected
    else:
        assert isinstance(result, Transcript)
        assert (result.title, result.counts()) == (title, expected)


def test_chatgpt_follows_the_current_branch_and_the_choice_picks_by_title() -> None:
    data = (SMALL / "chatgpt_two_conversations.json").read_bytes()
    result = parse_file("conversations.json", data, choose="deploy")
    assert isinstance(result, Transcript) and result.title == "Deploy plan"
    assert [t.role for t in result.turns] == ["user", "assistant", "user", "assistant"]
    assert "regenerated away" not in " ".join(t.text for t in result.turns)
    picked = parse_file("conversations.json", data, choose="#0")
    assert isinstance(picked, Transcript) and picked.title == "Checkout bug"


def test_openhands_run_keeps_the_command_and_the_final_thought() -> None:
    result = parse_file("output.jsonl", (SMALL / "openhands_runs.jsonl").read_bytes(), choose="#0")
    assert isinstance(result, Transcript)
    text = "\n".join(t.text for t in result.turns)
    assert "pytest -q" in text and "Fixed in src/parse.c." in text


@pytest.mark.parametrize("name, member", [("claude_conversations.json", "conversations.json"),
                                          ("telegram_result.json", "result.json")])
def test_small_samples_inside_an_export_zip(name: str, member: str) -> None:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(member, (SMALL / name).read_bytes())
    result = parse_file("export.zip", buffer.getvalue())
    assert isinstance(result, Transcript) and result.format == EXPECTED[name][0]


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_truncated_small_samples_fail_cleanly(name: str) -> None:
    data = (SMALL / name).read_bytes()
    for cut in range(1, 11):
        check(name, data[: len(data) * cut // 11])
