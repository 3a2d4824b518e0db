"""What survives a tight budget: stated facts over generated noise, and the cues behind them."""
from __future__ import annotations

from handoff.artifacts import Artifact, extract_artifacts
from handoff.old_budget import artifact_rank, series_sizes
from handoff.document import CONSTRAINTS, DECISIONS, DONE, PROBLEMS, parse_markdown
from handoff.old_extract import classify
from handoff.old_extractive import build_handoff
from handoff.types import SessionIn, TurnIn
from tests.llm.samples import PROJECT, TODAY, assistant, user


def test_prose_command_with_a_single_flag() -> None:
    found = [a.value for a in extract_artifacts("then run pytest -x to check, please")]
    assert found == ["pytest -x"]
    found = [a.value for a in extract_artifacts("Repro: npm run build -- --mode staging — slow.")]
    assert found == ["npm run build -- --mode staging"]


def test_memo_leads_and_no_difference_cues() -> None:
    label = classify("Before I forget: timestamps are stored in UTC.", "user")
    assert label is not None and label.section == CONSTRAINTS
    label = classify("Remember timestamps are stored in UTC and shown in local time.", "user")
    assert label is not None and label.section == CONSTRAINTS
    label = classify("Remember to push the branch.", "user")  # a to-do, not a rule
    assert label is None or label.section != CONSTRAINTS
    label = classify("Disabling SSL verification made no difference.", "assistant")
    assert label is not None and label.section == PROBLEMS


def test_announced_decision_is_kept() -> None:
    turns = [user("Right, that settles it. The importer will stream the CSV in chunks of "
                  "5,000 rows. Moving on.")]
    h = build_handoff(PROJECT, SessionIn(1, turns), None, today=TODAY)
    doc = parse_markdown(h.markdown)
    assert "chunks of 5,000 rows" in doc.get(DECISIONS)
    assert "settles it" not in doc.get(DONE)


def test_series_and_focus_in_rank() -> None:
    sizes = series_sizes(["src/mod1/f1.py", "src/mod2/f2.py", "src/mod3/f3.py",
                          "src/mod4/f4.py", "src/app.py"])
    assert sizes["src/mod1/f1.py"] == 4 and sizes["src/app.py"] == 1
    issue = Artifact("identifier", "#482")
    path = Artifact("path", "src/mod1/f1.py")
    stated = artifact_rank(issue, 1, True, False, mentions=1, focus=True)
    listed = artifact_rank(path, 30, False, False, mentions=2, focus=True, series=4)
    assert stated > listed


def test_stated_identifiers_beat_scrolling_tool_output() -> None:
    turns: list[TurnIn] = [user("The goal is a ledger sync for the shop.")]
    for i in range(400):
        listing = "\n".join(f"tests/unit/mod{j}/case{i}_{j}_test.py::test_{j} PASSED"
                            for j in range(12))
        turns.append(TurnIn("tool", "shell", "pasted", f"$ pytest -q\n{listing}"))
        turns.append(assistant(f"You can try `pip install rich==1.{i}.0` with "
                               f"`lib/mod{i}/entry{i}.py` as the entry point."))
        if i == 200:
            turns.append(user("Quick note. This is tracked in issue #482. Back to work."))
            turns.append(assistant("For reference: Set LEDGER_SYNC_BATCH=500 before running it."))
    h = build_handoff(PROJECT, SessionIn(1, turns), None, budget_words=300, today=TODAY)
    assert "#482" in h.markdown and "LEDGER_SYNC_BATCH" in h.markdown
    assert h.words <= 300
