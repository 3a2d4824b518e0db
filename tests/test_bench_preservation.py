"""Smoke test: the preservation benchmark runs end to end on a tiny corpus."""
from __future__ import annotations

import io

from bench.preservation import main


def test_preservation_runs_on_tiny_input() -> None:
    out = io.StringIO()
    assert main(["--sizes", "40", "--chains", "1", "--no-real"], out=out) == 0
    text = out.getvalue()
    assert "recall (type avg)" in text and "extractive" in text and "== summary ==" in text
