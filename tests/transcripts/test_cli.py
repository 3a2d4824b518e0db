"""The `python -m transcripts` summary command."""
from __future__ import annotations

from pathlib import Path

import pytest

from transcripts.__main__ import main


@pytest.mark.samples
def test_single_and_choice(sample_data: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main([str(sample_data / "exports/claude/claude_chat_viewer_bakery_chat.json")]) == 0
    assert capsys.readouterr().out == (
        "claude: Interactive Bakery Comparison Visualization — user 2, assistant 2\n"
    )
    assert main([str(sample_data / "transcripts/openhands_resolver_output.jsonl")]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[0] == "openhands: 2 conversations (newest first)"
    assert out[1].split() == ["#0", "8", "turns", "neubig/pr-viewer#5:", "Add", "MIT", "license"]


def test_errors_go_to_stderr(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text('{"x": 1}')
    assert main([str(bad)]) == 1
    assert capsys.readouterr().err == (
        "error: That JSON is not a ChatGPT, Claude, Telegram or agent export I know.\n"
    )
    assert main([]) == 2
