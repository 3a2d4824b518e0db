"""Issue 3: `baton handoff FILE` builds the handoff exactly as the bot would, offline."""
from __future__ import annotations

import asyncio
import zipfile
from pathlib import Path

import pytest

from bot.cli import main
from tests.harness import Harness

DATA = Path(__file__).resolve().parents[2] / "shared" / "data"
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


@pytest.mark.skipif(not DATA.is_dir(), reason="shared/data is not beside the repo")
def test_multi_conversation_export_picks_newest_or_named(tmp_path: Path,
                                                          capsys: pytest.CaptureFixture[str]) -> None:
    raw = (DATA / "exports/chatgpt/ai_chat_md_export_minimal.json").read_bytes()
    archive = tmp_path / "export.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        zf.writestr("conversations.json", raw)
    assert main(["handoff", str(archive)]) == 0
    captured = capsys.readouterr()
    assert "holds 2 conversations; used the newest" in captured.err
    assert main(["handoff", str(archive), "--conversation", "math question"]) == 0
    assert capsys.readouterr().out.startswith("# Math Question — handoff after session 1")


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
