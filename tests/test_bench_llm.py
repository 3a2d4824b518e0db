"""Smoke test: the LLM pipeline benchmark runs end to end on a tiny input."""
from __future__ import annotations

import pytest

from bench.llm_pipeline import main


def test_llm_pipeline_bench_smoke(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--tokens", "3000,20000", "--latency", "0.001"]) == 0
    out = capsys.readouterr().out
    assert "wall/(calls*lat/conc)" in out
    rows = [line.split() for line in out.splitlines()[2:]]
    assert [r[1] for r in rows] == ["map+merge", "refine", "map+merge", "refine"]
    assert all(int(r[3].replace(",", "")) <= 8192 for r in rows)  # largest request fits


def test_llm_pipeline_bench_against_a_stricter_server(capsys: pytest.CaptureFixture[str]) -> None:
    """The server enforces the window counting 2.5 characters a token: some requests are
    refused, split again, and the run still ends with a model-written handoff."""
    assert main(["--tokens", "20000", "--latency", "0.001", "--no-refine",
                 "--server-chars-per-token", "2.5"]) == 0
    [row] = [line.split() for line in capsys.readouterr().out.splitlines()[2:]]
    assert row[1] == "map+merge" and int(row[-1]) > 0
