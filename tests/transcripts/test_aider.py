"""aider chat histories: one conversation per run, `#### ` is the user, `> ` is aider's output."""
from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from service.offline import handoff_from_file
from transcripts import aider
from transcripts.detect import parse_file
from transcripts.model import Choice, Transcript, TranscriptError

SMALL = Path(__file__).parent.parent / "data" / "samples" / "shop.aider.chat.history.md"
NAME = ".aider.chat.history.md"


def small() -> bytes:
    return SMALL.read_bytes()


def test_several_runs_are_a_choice_all_runs_first_then_latest() -> None:
    result = parse_file(NAME, small())
    assert isinstance(result, Choice) and result.format == "aider"
    assert [(c.title, c.message_count) for c in result.conversations] == [
        ("All 2 aider runs, 2026-03-02 to 2026-03-03", 14),
        ("2026-03-03 14:40 /ask how is VAT rounded in app/invoice.py? how is VAT round…", 4),
        ("2026-03-02 09:15 /add app/cart.py", 9),
    ]  # the third run only printed ^C: nothing to choose


def test_a_run_by_its_date_roles_and_prefixes() -> None:
    result = parse_file(NAME, small(), choose="2026-03-02")
    assert isinstance(result, Transcript) and result.title == "2026-03-02 09:15 /add app/cart.py"
    assert [(t.role, t.author) for t in result.turns] == [
        ("tool", "aider"), ("user", "user"), ("tool", "aider"), ("user", "user"),
        ("assistant", "anthropic/claude-sonnet-4"), ("tool", "aider"), ("user", "user"),
        ("tool", "aider"), ("assistant", "anthropic/claude-sonnet-4"),
    ]
    turns = result.turns
    assert turns[3].text == "The cart total is off by a cent.\nUse Decimal, not float."  # one message
    assert turns[4].text.startswith("I'll switch `app/cart.py` to `Decimal`:\n\n```python\napp/cart.py")
    assert turns[5].text.endswith("Applied edit to app/cart.py\nCommit 3f2a9c1 fix: compute the cart total "
                                  "with Decimal")  # kept whole, trailing spaces gone
    assert turns[0].at == datetime(2026, 3, 2, 9, 15, 4, tzinfo=UTC)
    assert all(t.at is None for t in turns[1:])  # later turns take the run's time


def test_a_command_and_the_question_it_sent_are_one_message() -> None:
    result = parse_file(NAME, small(), choose="2026-03-03")
    assert isinstance(result, Transcript)
    assert result.turns[1].text == "/ask how is VAT rounded in app/invoice.py?\n\nhow is VAT rounded in app/invoice.py?"


def test_all_runs_keep_each_runs_start_and_time() -> None:
    result = parse_file(NAME, small(), choose="all")
    assert isinstance(result, Transcript)
    starts = [t for t in result.turns if t.text.startswith("aider chat started at")]
    assert [t.at for t in starts] == [datetime(2026, 3, d, h, m, s, tzinfo=UTC)
                                      for d, h, m, s in ((2, 9, 15, 4), (3, 14, 40, 0), (4, 8, 0, 0))]
    assert result.turns[-1].text.endswith("^C KeyboardInterrupt")


def test_one_run_parses_directly() -> None:
    one = small().split(b"# aider chat started at 2026-03-03")[0]
    result = parse_file("chat.md", one)
    assert isinstance(result, Transcript) and len(result.turns) == 9


def test_long_output_is_shortened_but_commits_and_errors_stay() -> None:
    noise = "".join(f"> line {n} of the test output  \n" for n in range(200))
    text = (f"# aider chat started at 2026-03-02 09:15:04\n\n#### run the tests\n\n{noise}"
            "> Commit 0badc0de fix: the last one\n> Error: something broke\n")
    [turn] = [t for t in aider.parse_conversation(aider.conversations(text)[0]).turns if t.role == "tool"]
    lines = turn.text.split("\n")
    assert len(lines) == aider.TOOL_HEAD_LINES + 3
    assert lines[-3:] == ["Commit 0badc0de fix: the last one", "Error: something broke", "… (160 more lines)"]


def test_unknown_run_is_refused_in_one_sentence() -> None:
    with pytest.raises(TranscriptError, match="No conversation called 'yesterday'"):
        parse_file(NAME, small(), choose="yesterday")


def test_only_the_header_is_no_messages() -> None:
    with pytest.raises(TranscriptError, match="no messages"):
        parse_file(NAME, b"# aider chat started at 2026-03-02 09:15:04\n\n> Aider v0.84.0\n")


def test_text_that_merely_mentions_aider_is_a_note() -> None:
    result = parse_file("notes.md", b"We tried aider.\n# aider chat started at 2026-03-02\n#### hi\n")
    assert isinstance(result, Transcript) and result.format == "text"


@pytest.mark.realbench
@pytest.mark.parametrize("session", ["aider-afi-core", "aider-ecommerce-intel-tool", "aider-exa-js",
                                     "aider-mmm-miku", "aider-monochromatic", "aider-opengpts-monorepo",
                                     "aider-vigint"])
async def test_real_histories_give_turns_and_a_handoff(realbench: Path, session: str) -> None:
    path = realbench / "sessions" / f"{session}.orig.aider.chat.history.md"
    result = parse_file(path.name, path.read_bytes(), choose="#0")
    assert isinstance(result, Transcript) and result.format == "aider"
    counts = result.counts()
    assert counts["user"] >= 5 and counts["assistant"] >= 5 and counts["tool"] >= 5
    assert result.turns[0].at is not None
    offline = await handoff_from_file(path, budget_words=600)
    assert offline.transcript.turns and "## " in offline.handoff.markdown
