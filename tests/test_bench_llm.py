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
