"""Smoke tests: the preservation benchmark runs end to end, on realbench when it is beside
the repository (one short session), on tiny invented sessions with a test double of
realbench's scorer, and on a tiny synthetic corpus."""
from __future__ import annotations

import io
import json
from pathlib import Path

import pytest

from bench.pres_realbench import (
    SIZES,
    load_scorer,
    render_transcript,
    run_realbench,
    size_name,
    split_turns,
)
from bench.preservation import main
from service.offline import read_transcript
from transcripts.model import Limits

TINY = Path(__file__).parent / "data" / "realbench_tiny"


def test_preservation_runs_on_tiny_input() -> None:
    out = io.StringIO()
    assert main(["--sizes", "40", "--chains", "1", "--no-real"], out=out) == 0
    text = out.getvalue()
    assert "recall (type avg)" in text and "extractive" in text and "== summary ==" in text
    assert "part 2: synthetic corpus" in text and "realbench" not in text


@pytest.mark.realbench
def test_realbench_part_on_one_short_real_session(realbench: Path) -> None:
    out = io.StringIO()
    labels = json.loads((realbench / "labels.json").read_text(encoding="utf-8"))["transcripts"]
    shortest = min(labels, key=lambda i: labels[i]["chars"])
    assert main(["--realbench", str(realbench), "--only", shortest, "--no-synthetic", "--jobs", "1"],
                out=out) == 0
    text = out.getvalue()
    assert "part 1: realbench: 1 session," in text
    assert shortest in text and "== targets (realbench) ==" in text and "== summary ==" in text
    assert "synthetic" not in text


def test_split_turns_keeps_order_and_balances_characters(tmp_path: Path) -> None:
    path = TINY / "sessions" / "tiny-cli-rename.md"
    transcript, _ = read_transcript(path, None, Limits())
    turns = list(transcript.turns)
    parts = split_turns(turns, 3)
    assert len(parts) == 3 and all(parts) and [t for p in parts for t in p] == turns
    sizes = [sum(len(t.text) for t in p) for p in parts]
    longest = max(len(t.text) for t in turns)
    assert max(sizes) - min(sizes) <= 2 * longest  # as equal as turn boundaries allow
    # a part written back is read as the same turns, in the realbench .md block format
    again = tmp_path / "part.md"
    again.write_text(render_transcript(parts[1]), encoding="utf-8")
    reread, _ = read_transcript(again, None, Limits())
    assert [(t.role, t.text) for t in reread.turns] == [(t.role, t.text) for t in parts[1]]
    assert split_turns(turns[:2], 3) == [[turns[0]], [turns[1]]]


@pytest.mark.parametrize("jobs", [1, 2])
def test_realbench_part_with_chains_on_tiny_sessions(jobs: int) -> None:
    """Tiny invented sessions and a test double of the scorer; a low threshold makes both
    sessions 'long', so the chains and every table are exercised."""
    assert load_scorer(TINY) is not None
    out = io.StringIO()
    summary = run_realbench(TINY, out, jobs=jobs, short_chars=1000)
    text = out.getvalue()
    assert summary and summary[0].startswith("realbench (2 sessions): KFR at 5/10/20%/default")
    assert "8 handoffs" in text and "2 chains of 3" in text
    for sid in ("tiny-cli-rename", "tiny-flaky-cache"):
        [line] = [ln for ln in text.splitlines() if ln.strip().startswith(sid)]
        assert len(line.split()) == 1 + 2 + len(SIZES) + 2  # id chars facts, sizes, chain, ratio
        assert line.split()[-1].startswith("x")
    for size in SIZES:
        assert any(ln.split()[:1] == [size_name(size)] for ln in text.splitlines())
    assert "KFR by fact type" in text and "KFR by depth fifth" in text
    assert "open_problem" in text and "mean KFR chain" in text
    targets = text.split("== targets (realbench) ==")[1].strip().splitlines()
    assert len(targets) == 12
    assert all(t.split()[0] in ("MET", "NOT", "n/a") for t in targets)
    assert "no session under 1,000 chars" in text


def test_tiny_realbench_through_the_command_and_a_missing_one(tmp_path: Path) -> None:
    out = io.StringIO()
    assert main(["--realbench", str(TINY), "--only", "tiny-flaky-cache", "--no-synthetic",
                 "--jobs", "1"], out=out) == 0
    text = out.getvalue()
    assert "sessions < 40,000 chars, reported apart (1: tiny-flaky-cache)" in text
    assert "chains: no session over 40,000 chars" in text and "tiny-cli-rename" not in text
    assert "n/a" in text  # the chain target has nothing to judge
    out = io.StringIO()
    assert main(["--realbench", str(tmp_path / "nowhere"), "--sizes", "40", "--chains", "1"],
                out=out) == 0
    text = out.getvalue()
    [line] = [ln for ln in text.splitlines() if "realbench not found" in ln]
    assert "synthetic corpus only" in line and "part 2: synthetic corpus" in text
    with pytest.raises(SystemExit):
        main(["--realbench", str(TINY), "--only", "no-such-id", "--no-synthetic"], out=out)
