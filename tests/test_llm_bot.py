"""Issue 5 in the chat: model-written handoffs, progress, fallback preview, accounting,
concurrency, all through the real Application and a loopback model server."""
from __future__ import annotations

import asyncio
import logging
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from bot.config import LLMConfig
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
            assert any("no open session" in t for t in texts(calls))
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
