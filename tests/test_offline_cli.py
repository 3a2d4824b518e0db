"""Issue 3: `baton handoff FILE` builds the handoff exactly as the bot would, offline."""
from __future__ import annotations

import asyncio
import zipfile
from pathlib import Path

import pytest

from bot.cli import main
from tests.harness import Harness

TRANSCRIPT = ("You said:\nOur CI fails with ModuleNotFoundError: No module named 'app'\n"
              "ChatGPT said:\nSet `PYTHONPATH=.` in .github/workflows/ci.yml, then run `pytest -q`.\n"
              "You said:\nGreat, that fixed it. Next, add a /health endpoint on port 8000.\n")


async def test_cli_output_matches_the_bot(baton: Harness, tmp_path: Path,
                                          capsys: pytest.CaptureFixture[str]) -> None:
    await baton.send("/newproject Shop")
    await baton.send("/startsession")
    await baton.send_document("chat.txt", TRANSCRIPT.encode())
    calls = await baton.send("/complete")
    [doc] = [c for c in calls if c.method == "sendDocument"]
    bot_markdown = doc.document[1]  # type: ignore[index]
    path = tmp_path / "chat.txt"
    path.write_text(TRANSCRIPT, encoding="utf-8")
    # the CLI runs its own event loop, so call it from a worker thread here
    assert await asyncio.to_thread(main, ["handoff", str(path), "--project", "Shop"]) == 0
    captured = capsys.readouterr()
    assert captured.out == bot_markdown
    assert "3 turns read" in captured.err


def test_previous_handoff_and_output_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    first = tmp_path / "s1.txt"
    first.write_text(TRANSCRIPT, encoding="utf-8")
    out1 = tmp_path / "shop-handoff-s1.md"
    assert main(["handoff", str(first), "--project", "Shop", "-o", str(out1)]) == 0
    second = tmp_path / "s2.md"
    second.write_text("User: add /health\nAssistant: added app/health.py, `curl :8000/health` works",
                      encoding="utf-8")
    out2 = tmp_path / "shop-handoff-s2.md"
    assert main(["handoff", str(second), "--previous", str(out1), "-o", str(out2)]) == 0
    text = out2.read_text(encoding="utf-8")
    assert text.startswith("# Shop — handoff after session 2")  # project name from PREV.md
    assert ".github/workflows/ci.yml" in text and "app/health.py" in text
    assert "sessions 1–2" in text
    assert capsys.readouterr().out == ""  # written to the file, not stdout


@pytest.mark.samples
def test_multi_conversation_export_picks_newest_or_named(sample_data: Path, tmp_path: Path,
                                                          capsys: pytest.CaptureFixture[str]) -> None:
    raw = (sample_data / "exports/chatgpt/ai_chat_md_export_minimal.json").read_bytes()
    archive = tmp_path / "export.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        zf.writestr("conversations.json", raw)
    assert main(["handoff", str(archive)]) == 0
    captured = capsys.readouterr()
    assert "holds 2 conversations; used the newest" in captured.err
    assert main(["handoff", str(archive), "--conversation", "math question"]) == 0
    assert capsys.readouterr().out.startswith("# Math Question — handoff after session 1")


def test_small_multi_conversation_export_picks_newest_or_named(tmp_path: Path,
                                                                capsys: pytest.CaptureFixture[str]) -> None:
    """The same on a tiny invented export, so it runs without the real samples."""
    raw = (Path(__file__).parent / "data" / "samples" / "chatgpt_two_conversations.json").read_bytes()
    archive = tmp_path / "export.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        zf.writestr("conversations.json", raw)
    assert main(["handoff", str(archive)]) == 0
    captured = capsys.readouterr()
    assert "holds 2 conversations; used the newest" in captured.err
    assert captured.out.startswith("# Deploy plan — handoff after session 1")
    assert main(["handoff", str(archive), "--conversation", "checkout bug"]) == 0
    assert capsys.readouterr().out.startswith("# Checkout bug — handoff after session 1")


@pytest.mark.parametrize("content, fragment", [
    (b"\x00\x01\x02binary" * 100, "binary"),
    (b'{"not": "an export"}', "not a ChatGPT"),
])
def test_bad_input_is_one_line_and_exit_2(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                         content: bytes, fragment: str) -> None:
    path = tmp_path / "bad.json"
    path.write_bytes(content)
    assert main(["handoff", str(path)]) == 2
    err = capsys.readouterr().err
    assert fragment in err and err.count("\n") == 1 and "Traceback" not in err


def test_missing_file(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["handoff", "/nonexistent/file.txt"]) == 2
    assert "Cannot read" in capsys.readouterr().err


def test_help_documents_the_command(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as done:
        main(["handoff", "--help"])
    assert done.value.code == 0
    out = capsys.readouterr().out
    for option in ("--previous", "--project", "--conversation", "-o OUT.md", "conversations.json"):
        assert option in out


def test_llm_flag_uses_the_configured_endpoint(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                               capsys: pytest.CaptureFixture[str]) -> None:
    from tests.fake_llm_server import FakeLLMServer

    path = tmp_path / "chat.txt"
    path.write_text(TRANSCRIPT, encoding="utf-8")
    with FakeLLMServer() as server:
        config = tmp_path / "config.toml"
        config.write_text(f'[llm]\nbase_url = "{server.base_url}"\nmodel = "test/m"\n'
                          'api_key_env = "BATON_CLI_TEST_KEY"\n', encoding="utf-8")
        monkeypatch.setenv("BATON_CLI_TEST_KEY", "k")
        assert main(["handoff", str(path), "--llm", "--config", str(config)]) == 0
        out = capsys.readouterr().out
        assert "· test/m ·" in out and ".github/workflows/ci.yml" in out
        assert len(server.requests) == 1
        assert main(["handoff", str(path), "--config", str(config)]) == 0  # no --llm
        assert "· extractive ·" in capsys.readouterr().out and len(server.requests) == 1
        monkeypatch.delenv("BATON_CLI_TEST_KEY")
        assert main(["handoff", str(path), "--llm", "--config", str(config)]) == 2
        assert "BATON_CLI_TEST_KEY" in capsys.readouterr().err


def _work_transcript(turns: int = 60) -> str:
    """An invented working session with some variety, ~18,000 characters at 60 turns."""
    topics = ["the cart service", "the billing worker", "the search index", "the login page",
              "the nightly export", "the image resizer"]
    blocks = []
    for i in range(turns):
        topic = topics[i % len(topics)]
        if i % 2 == 0:
            blocks.append(f"User:\nStep {i}: please look at {topic} again. It still fails when "
                          f"two requests arrive together, and the log in logs/run_{i}.txt shows "
                          "a timeout after thirty seconds. We must keep the public API as it is.")
        else:
            blocks.append(f"Assistant:\nI read src/module_{i}.py and found that {topic} opens a "
                          "new connection for every request instead of reusing the pool. I "
                          f"changed it to share one pool, added a test in tests/test_module_{i}.py "
                          "and ran `pytest -q`, which now passes. The remaining risk is that the "
                          "pool size is fixed at ten, which may be too small under heavy load, "
                          "so we should measure it before the release next week.")
    return "\n\n".join(blocks) + "\n"


def _handoff(path: Path, budget: str, capsys: pytest.CaptureFixture[str]) -> str:
    assert main(["handoff", str(path), "--budget", budget]) == 0
    return capsys.readouterr().out


def test_budget_as_share_of_the_session(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from handoff.sizes import words_for_share
    from service.offline import read_transcript, session_chars
    from transcripts.model import Limits

    path = tmp_path / "work.md"
    path.write_text(_work_transcript(), encoding="utf-8")
    chars = len(path.read_text(encoding="utf-8"))
    tenth, third = _handoff(path, "10%", capsys), _handoff(path, "30%", capsys)
    assert tenth.startswith("# ") and third.startswith("# ")
    assert len(tenth) < len(third)
    assert len(tenth) <= 0.10 * chars + 300  # about 10% of the session, plus a small slack
    # the share is the session's characters (its parsed turns' text) expressed in words
    transcript, _ = read_transcript(path, None, Limits())
    words = words_for_share(session_chars(transcript), 10)
    assert _handoff(path, str(words), capsys) == tenth
    assert _handoff(path, " 10 % ", capsys) == tenth and _handoff(path, "10.0%", capsys) == tenth


def test_budget_in_words(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from handoff.sizes import DEFAULT_BUDGET_WORDS

    path = tmp_path / "work.md"
    path.write_text(_work_transcript(), encoding="utf-8")
    small = _handoff(path, "150", capsys)
    assert len(small.split()) <= 150
    assert len(small) < len(_handoff(path, "1500", capsys))
    assert main(["handoff", str(path)]) == 0
    default = capsys.readouterr().out
    assert _handoff(path, str(DEFAULT_BUDGET_WORDS), capsys) == default


@pytest.mark.parametrize("value", ["0", "-5", "abc", "0%", "150%", "%", "1.5", "", "10%%"])
def test_bad_budget_is_one_sentence_and_exit_2(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                              value: str) -> None:
    path = tmp_path / "chat.txt"
    path.write_text(TRANSCRIPT, encoding="utf-8")
    assert main(["handoff", str(path), "--budget", value]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err.count("\n") == 1 and "Traceback" not in captured.err
    assert captured.err.startswith("baton handoff: --budget") and captured.err.rstrip().endswith(".")


def test_help_documents_both_budget_forms(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        main(["handoff", "--help"])
    out = capsys.readouterr().out
    assert "WORDS|P%" in out and "10%" in out
