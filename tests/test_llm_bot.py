"""Issue 5 in the chat: model-written handoffs, progress, fallback preview, accounting,
concurrency, all through the real Application and a loopback model server."""
from __future__ import annotations

import asyncio
import logging
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from bot.config import ConfigError, LLMConfig, load_config
from llm.writer import LLMSettings
from tests.fake_llm_server import FakeLLMServer, Reply
from tests.harness import GROUP_CHAT, Harness, make_config, texts

KEY_ENV = "BATON_TEST_LLM_KEY"


def llm_harness(db_path: Path, server: FakeLLMServer, **llm: Any) -> Harness:
    config = make_config(db_path, open=True)
    settings = {"base_url": server.base_url, "model": "test/model-1", "api_key_env": KEY_ENV,
                "max_retries": 0, "timeout_s": 2.0, **llm}
    return Harness(replace(config, llm=LLMConfig(**settings)), env={KEY_ENV: "secret-key-xyz"})


async def session_with_turns(h: Harness, chat_id: int, turns: int) -> None:
    await h.send("/newproject Shop", chat_id=chat_id)
    await h.send("/startsession", chat_id=chat_id)
    for i in range(turns):
        await h.send(f"Step {i}: changed src/mod_{i}.py and ran `make t{i}` " + "word " * 60,
                     chat_id=chat_id, settle=False, forward_origin={
                         "type": "user", "date": 1,
                         "sender_user": {"id": 9, "is_bot": True, "first_name": "GPT"}})
    await h.settle()


async def test_model_writes_the_handoff_with_progress(db_path: Path) -> None:
    with FakeLLMServer(latency_s=0.01) as server:
        h = llm_harness(db_path, server, context_tokens=2048, max_output_tokens=600)
        await h.start()
        try:
            await session_with_turns(h, 1001, 60)
            calls = await h.send("/complete")
            [doc] = [c for c in calls if c.method == "sendDocument"]
            name, content = doc.document  # type: ignore[misc]
            assert "You are continuing this project with me" in content
            assert "· test/model-1 ·" in content and "src/mod_59.py" in content
            assert "Paste its master prompt" in doc.text
            progress = [c for c in calls if c.method == "sendMessage" and "Reading part" in c.text]
            assert len(progress) == 1  # one message, edited in place
            assert any(c.method == "deleteMessage" for c in calls)
            assert any(c.method == "sendChatAction" for c in calls)
            [stats] = texts(await h.send("/stats"))
            assert f"Model: {len(server.requests)} calls" in stats
            assert all(r.get("Authorization") == "Bearer secret-key-xyz" for r in server.headers)
        finally:
            await h.stop()


async def test_fallback_preview_says_why(db_path: Path) -> None:
    with FakeLLMServer(lambda r, n: Reply(503, {"error": "down for maintenance"})) as server:
        h = llm_harness(db_path, server)
        await h.start()
        try:
            await session_with_turns(h, 1001, 3)
            calls = await h.send("/complete")
            [doc] = [c for c in calls if c.method == "sendDocument"]
            assert "Written without the model: the model endpoint failed (503)." in doc.text
            assert "maintenance" not in doc.document[1]  # type: ignore[index]
            assert "· extractive ·" in doc.document[1]  # type: ignore[index]
            [stats] = texts(await h.send("/stats"))
            assert "1 fell back to extractive" in stats
        finally:
            await h.stop()


async def test_two_chats_complete_at_once_and_no_double_generation(db_path: Path) -> None:
    with FakeLLMServer(latency_s=0.3) as server:
        h = llm_harness(db_path, server)
        await h.start()
        try:
            await session_with_turns(h, 1001, 2)
            await session_with_turns(h, GROUP_CHAT, 2)
            before = len(h.api.calls)
            await asyncio.gather(
                h.send("/complete", settle=False),
                h.send("/complete", chat_id=GROUP_CHAT, settle=False),
                h.send("/complete", settle=False))
            calls = h.api.calls[before:]
            docs = [c for c in calls if c.method == "sendDocument"]
            assert sorted(c.params["chat_id"] for c in docs) == [GROUP_CHAT, 1001]
            assert len(server.requests) == 2  # the repeated /complete started nothing
            assert server.max_active == 2  # both generations were in flight at once
            # the repeated /complete is answered (the wording belongs to the delivery work)
            assert any("no open session" in t or "being written" in t for t in texts(calls))
        finally:
            await h.stop()


async def test_without_key_handoffs_are_extractive_said_once(db_path: Path,
                                                            caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO)
    h = Harness(make_config(db_path, open=True))
    await h.start()
    try:
        assert caplog.text.count("No HF_TOKEN in the environment: handoffs are extractive") == 1
        await session_with_turns(h, 1001, 1)
        [doc] = [c for c in await h.send("/complete") if c.method == "sendDocument"]
        assert "· extractive ·" in doc.document[1]  # type: ignore[index]
        assert "Written without the model" not in doc.text
    finally:
        await h.stop()


def window_config(tmp_path: Path, server: FakeLLMServer, extra: str = "") -> Path:
    """A config whose [llm] sets only the endpoint, the key's variable and the window."""
    path = tmp_path / "config.toml"
    path.write_text(f'[llm]\nbase_url = "{server.base_url}"\nmodel = "local"\n'
                    f'api_key_env = "{KEY_ENV}"\ncontext_tokens = 4096\n{extra}',
                    encoding="utf-8")
    return path


def test_a_4096_window_alone_loads_and_derives_the_answer_room(tmp_path: Path) -> None:
    with FakeLLMServer() as server:
        config = load_config(window_config(tmp_path, server), env={}, require_token=False)
        assert config.llm.context_tokens == 4096 and config.llm.max_output_tokens == 0
        assert LLMSettings.from_config(config.llm).output_tokens == 1536
        set_ = load_config(window_config(tmp_path, server, "max_output_tokens = 1000\n"),
                           env={}, require_token=False)
        assert LLMSettings.from_config(set_.llm).output_tokens == 1000
        with pytest.raises(ConfigError, match="at most half of context_tokens"):
            load_config(window_config(tmp_path, server, "max_output_tokens = 3000\n"),
                        env={}, require_token=False)


async def test_handoff_in_a_4096_window_through_the_bot(db_path: Path, tmp_path: Path) -> None:
    """The config above, a server that enforces 4,096 tokens counting more strictly than
    Baton, and a session of code and shell output: the model writes the handoff and every
    request the server took fitted its window."""
    with FakeLLMServer(context_tokens=4096, chars_per_token=1.2) as server:
        loaded = load_config(window_config(tmp_path, server), env={}, require_token=False)
        h = Harness(replace(make_config(db_path, open=True), llm=loaded.llm),
                    env={KEY_ENV: "secret-key-xyz"})
        await h.start()
        try:
            await h.send("/newproject Billing")
            await h.send("/startsession")
            for i in range(24):
                await h.send(f"Ran `pytest -k step_{i}` in src/billing/step_{i}.py:\n"
                             + "E       AssertionError: assert 0.30000000000000004 == 0.3\n" * 8
                             + f"$ ls -la /var/log/billing/step_{i}/\n"
                             + "-rw-r-----  1 billing adm  811203 Nov 30 23:59 worker.log\n" * 8,
                             settle=False, forward_origin={
                                 "type": "user", "date": 1,
                                 "sender_user": {"id": 9, "is_bot": True, "first_name": "GPT"}})
            await h.settle()
            calls = await h.send("/complete")
            [doc] = [c for c in calls if c.method == "sendDocument"]
            assert "Written without the model" not in doc.text
            assert "· local ·" in doc.document[1]  # type: ignore[index]
            assert "src/billing/step_23.py" in doc.document[1]  # type: ignore[index]
            assert 400 in server.statuses  # it did refuse requests our estimate let through
            assert all(server.fits(r) for r in server.succeeded())
            assert all(0 < r["max_tokens"] <= 1536 for r in server.requests)
        finally:
            await h.stop()
