"""LLM-written handoffs against a loopback OpenAI-compatible server: chunking, merging the
deterministic record back, checking answers, and falling back without ever failing."""
from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest

from handoff.builder import build_handoff
from handoff.types import ProjectIn, SessionIn, TurnIn
from llm.client import ChatClient, ClientSettings
from llm.tokens import estimate_tokens
from llm.writer import LLMSettings, check_answer, write_handoff
from tests.fake_llm_server import FakeLLMServer, Reply, fake_model, ok

PROJECT = ProjectIn("Shop", "FastAPI backend")


def session(n_turns: int = 4) -> SessionIn:
    base = [
        TurnIn("user", "Rina", "forwarded", "We must keep Python 3.12. Run `pytest -q` please."),
        TurnIn("assistant", "GPT", "forwarded",
               "Created app/routers/cart.py. Error was KeyError: 'price'; fixed by a default."),
        TurnIn("user", "Rina", "forwarded", "Next, add checkout on port 8000 (issue #12)."),
        TurnIn("assistant", "GPT", "forwarded", "See https://docs.stripe.com/payments for it."),
    ]
    filler = [TurnIn("assistant" if i % 2 else "user", "x", "pasted",
                     f"Step {i}: edited src/module_{i}.py and ran `make test-{i}` " + "word " * 40)
              for i in range(max(0, n_turns - len(base)))]
    return SessionIn(number=1, turns=base + filler)


@pytest.fixture
async def http() -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient() as client:
        yield client


def client_for(http: httpx.AsyncClient, server: FakeLLMServer, **kw: Any) -> ChatClient:
    async def no_sleep(_: float) -> None:
        return None

    settings = ClientSettings(base_url=server.base_url, model="test/model-1", api_key="k",
                              **{"timeout_s": 2.0, "max_retries": 1, **kw})
    return ChatClient(http, settings, sleep=no_sleep)


async def test_model_answer_with_record_merged_back(http: httpx.AsyncClient) -> None:
    s = session()
    with FakeLLMServer() as server:
        handoff, gen = await write_handoff(client_for(http, server), LLMSettings(), PROJECT, s, None)
    extractive = build_handoff(PROJECT, s, None)
    assert gen.generator == "test/model-1" and gen.calls == 1 and gen.fallback_reason is None
    assert gen.tokens_in > 0 and not gen.estimated
    md = handoff.markdown
    assert md.startswith("# Shop — handoff after session 1")
    assert "You are continuing this project with me" in md  # the model's own words
    # the model left these out; the deterministic record puts them back
    for artifact in ("app/routers/cart.py", "pytest -q", "KeyError",
                     "https://docs.stripe.com/payments", "#12"):
        assert artifact in md
    assert handoff.artifacts_total == extractive.artifacts_total
    assert handoff.artifacts_kept == handoff.artifacts_total
    assert "Python 3.12" in md and "## Latest exchange" in md and "## Session log" in md
    assert md.rstrip().endswith(f"keeps {handoff.artifacts_kept} of {handoff.artifacts_total} "
                                f"key artifacts (100%)_")
    assert "· test/model-1 ·" in md


@pytest.mark.parametrize("script, reason", [
    (lambda r, n: Reply(500, {"error": "boom"}), "the model endpoint failed (500)"),
    (lambda r, n: Reply(429, {"error": "rate limit exceeded"}, {"Retry-After": "0"}),
     "the model is rate-limited"),
    (lambda r, n: Reply(200, "{broken"), "the model sent a malformed answer"),
    (lambda r, n: ok(r, ""), "the model sent an empty answer"),
    (lambda r, n: ok(r, "I'm sorry, I can't help with that."), "the model refused"),
    (lambda r, n: ok(r, "## Master prompt\nhi\n" + '{"error": "upstream"}'),
     "the model answered with error text"),
    (lambda r, n: ok(r, "Here is a summary without any headings."),
     "the model's answer lacked the handoff sections"),
], ids=["500", "429", "malformed", "empty", "refusal", "error-text", "no-sections"])
async def test_failures_fall_back_to_extractive(http: httpx.AsyncClient, script: Any,
                                                reason: str) -> None:
    s = session()
    with FakeLLMServer(script) as server:
        handoff, gen = await write_handoff(client_for(http, server), LLMSettings(), PROJECT, s, None)
    assert gen.fallback_reason == reason
    assert handoff.generator == "extractive"
    assert handoff.markdown == build_handoff(PROJECT, s, None).markdown
    for junk in ("boom", "upstream", "I'm sorry", "rate limit exceeded", "{broken"):
        assert junk not in handoff.markdown


async def test_slow_model_times_out_and_falls_back(http: httpx.AsyncClient) -> None:
    with FakeLLMServer(latency_s=0.6) as server:
        handoff, gen = await write_handoff(client_for(http, server, timeout_s=0.2, max_retries=0),
                                           LLMSettings(), PROJECT, session(), None)
    assert gen.fallback_reason == "the model timed out" and handoff.generator == "extractive"


async def test_bad_answer_is_retried_once_with_a_stricter_instruction(http: httpx.AsyncClient) -> None:
    def script(request: dict[str, Any], n: int) -> Reply:
        return ok(request, "Sure! Here you go.") if n == 0 else ok(request)

    with FakeLLMServer(script) as server:
        handoff, gen = await write_handoff(client_for(http, server), LLMSettings(), PROJECT,
                                           session(), None)
    assert gen.fallback_reason is None and gen.calls == 2
    assert "was rejected" in server.requests[1]["messages"][0]["content"]
    assert "was rejected" not in server.requests[0]["messages"][0]["content"]


async def test_long_session_is_chunked_and_every_request_fits(http: httpx.AsyncClient) -> None:
    settings = LLMSettings(context_tokens=4096, max_output_tokens=1500)
    s = session(1000)
    seen: list[tuple[int, int]] = []

    async def progress(done: int, total: int) -> None:
        seen.append((done, total))

    previous = build_handoff(PROJECT, SessionIn(0, [TurnIn("user", "R", "typed", "Use `uv.lock` pins.")]),
                             None).markdown
    def script(request: dict[str, Any], n: int) -> Reply:
        if request["messages"][0]["content"].startswith("You take notes"):  # wordy notes
            return ok(request, "## Done\n" + "\n".join(f"- finished step {i}" for i in range(40)))
        return ok(request)

    with FakeLLMServer(script) as server:
        handoff, gen = await write_handoff(client_for(http, server), settings, PROJECT,
                                           s, previous, budget_words=1000, progress=progress)
    assert gen.fallback_reason is None, gen.fallback_reason
    maps = [r for r in server.requests if r["messages"][0]["content"].startswith("You take notes")]
    merges = [r for r in server.requests if r["messages"][0]["content"].startswith("You merge")]
    assert len(maps) == gen.chunks >= 20 and merges
    for request in server.requests:
        used = sum(estimate_tokens(m["content"]) for m in request["messages"])
        assert used + request["max_tokens"] <= settings.context_tokens
    assert gen.largest_request <= settings.context_tokens
    assert seen[-1] == (gen.chunks, gen.chunks) and len(seen) == gen.chunks
    # whatever the extractive document kept, from anywhere in the session, is kept too
    extractive = build_handoff(PROJECT, s, previous, budget_words=1000)
    kept = [a for a in extractive.record if a.value in extractive.markdown]
    assert kept and all(a.value in handoff.markdown for a in kept)
    assert "uv.lock" in handoff.markdown  # from the previous handoff
    assert extractive.artifacts_kept <= handoff.artifacts_kept
    assert handoff.artifacts_total == extractive.artifacts_total
    assert gen.calls == len(server.requests)


async def test_concurrency_is_capped(http: httpx.AsyncClient) -> None:
    settings = LLMSettings(context_tokens=2048, max_output_tokens=600)
    with FakeLLMServer(latency_s=0.05) as server:
        _, gen = await write_handoff(client_for(http, server, max_concurrency=3), settings,
                                     PROJECT, session(300), None, budget_words=400)
    assert gen.fallback_reason is None and gen.chunks > 6
    assert server.max_active == 3


async def test_without_a_client_it_is_extractive() -> None:
    handoff, gen = await write_handoff(None, LLMSettings(), PROJECT, session(), None)
    assert handoff.generator == "extractive" and gen.calls == 0 and gen.model is None


def test_check_answer_budget() -> None:
    long_answer = fake_model({"messages": [{"content": "final"}, {"content": "x"}]}) + "word " * 500
    assert check_answer(long_answer, 100) == "the model's answer was over budget"
    assert check_answer(long_answer, 2000) is None


async def test_two_generations_at_once_share_the_client(http: httpx.AsyncClient) -> None:
    with FakeLLMServer(latency_s=0.2) as server:
        client = client_for(http, server)
        results = await asyncio.gather(
            write_handoff(client, LLMSettings(), PROJECT, session(), None),
            write_handoff(client, LLMSettings(), ProjectIn("Other"), session(), None))
    assert all(g.fallback_reason is None for _, g in results)
    assert server.max_active == 2  # served side by side, not in series


async def test_window_too_small_falls_back(http: httpx.AsyncClient) -> None:
    with FakeLLMServer() as server:
        handoff, gen = await write_handoff(client_for(http, server),
                                           LLMSettings(context_tokens=1200, max_output_tokens=600),
                                           PROJECT, session(200), None)
    assert handoff.generator == "extractive" and gen.fallback_reason is not None
    assert "window" in gen.fallback_reason


async def test_previous_handoff_too_big_for_the_window_is_read_as_notes(
        http: httpx.AsyncClient) -> None:
    settings = LLMSettings(context_tokens=4096, max_output_tokens=1500)
    previous = build_handoff(PROJECT, session(3000), None, budget_words=5000).markdown
    with FakeLLMServer() as server:
        handoff, gen = await write_handoff(client_for(http, server), settings, PROJECT,
                                           session(), previous, budget_words=1000)
    assert gen.fallback_reason is None, gen.fallback_reason
    # the maps run in parallel, so the chunk holding it need not arrive first
    assert any("[note · previous handoff]" in r["messages"][1]["content"]
               for r in server.requests)
    final = server.requests[-1]["messages"][1]["content"]
    assert "read as the first part of the notes" in final
    for request in server.requests:
        used = sum(estimate_tokens(m["content"]) for m in request["messages"])
        assert used + request["max_tokens"] <= settings.context_tokens


async def test_a_group_projects_team_is_named_to_the_model(http: httpx.AsyncClient) -> None:
    team = ProjectIn("Team Site", "", team=("Ana", "Ben"))
    with FakeLLMServer() as server:
        _, gen = await write_handoff(client_for(http, server), LLMSettings(), team, session(), None)
        asked = "\n".join(m["content"] for r in server.requests for m in r["messages"])
    assert gen.fallback_reason is None
    assert "Team: Ana, Ben (the Master prompt says the assistant works with the Team Site team" in asked
