"""Issue 9 point 7 against a loopback server that enforces its window with a stricter token
count than Baton's: context-length 400s are recognised and the input is split again until
every request fits; every request carries `max_tokens`; a looping model stops early."""
from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from handoff.builder import build_handoff
from handoff.types import ProjectIn, SessionIn, TurnIn
from llm.client import ChatClient, ClientSettings, ContextOverflow, LLMError
from llm.writer import (
    MAX_SPLITS,
    STRICT_SHARE,
    LLMSettings,
    answer_tokens,
    answer_words,
    check_answer,
    write_handoff,
)
from tests.fake_llm_server import (
    LOOP_LINE,
    OVERFLOW_STYLES,
    FakeLLMServer,
    Reply,
    looping,
    ok,
    overflow_reply,
)

PROJECT = ProjectIn("Billing", "invoice worker")
DATA = Path(__file__).parent / "data"
CODE = [(DATA / n).read_text(encoding="utf-8") for n in
        ("python_code.txt", "shell_output.txt", "diff_paths.txt", "ts_code.txt")]
WINDOW = 4096
MESSAGES = [{"role": "system", "content": "be brief"}, {"role": "user", "content": "hello"}]


def code_session(turns: int) -> SessionIn:
    """A coding session: requests in prose, answers full of code and shell output."""
    out: list[TurnIn] = []
    for i in range(turns):
        if i % 2 == 0:
            out.append(TurnIn("user", "Rina", "forwarded",
                              f"Step {i}: please fix the totals in src/billing/step_{i}.py"))
        else:
            out.append(TurnIn("assistant", "GPT", "forwarded",
                              f"Ran `pytest -k step_{i}`:\n{CODE[i % len(CODE)]}"))
    return SessionIn(number=1, turns=out)


@pytest.fixture
async def http() -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient() as client:
        yield client


def client_for(http: httpx.AsyncClient, server: FakeLLMServer, **kw: Any) -> ChatClient:
    async def no_sleep(_: float) -> None:
        return None

    settings = ClientSettings(base_url=server.base_url, model="local", api_key="k",
                              **{"timeout_s": 5.0, "max_retries": 1, **kw})
    return ChatClient(http, settings, sleep=no_sleep)


def every_success_fits(server: FakeLLMServer) -> None:
    done = server.succeeded()
    assert done, "nothing went through"
    assert all(server.fits(r) for r in done)
    assert all(isinstance(r.get("max_tokens"), int) and r["max_tokens"] > 0
               for r in server.requests)


def kind(request: dict[str, Any]) -> str:
    return request["messages"][0]["content"].split()[1]  # take / merge / write


@pytest.mark.parametrize("style", OVERFLOW_STYLES)
async def test_client_recognises_context_length_errors(http: httpx.AsyncClient,
                                                       style: str) -> None:
    reply = overflow_reply(style, 5000, 1000, WINDOW)
    with FakeLLMServer(lambda r, n: reply) as server:
        with pytest.raises(ContextOverflow) as err:
            await client_for(http, server, max_retries=3).complete(
                MESSAGES, max_tokens=5, temperature=0)
    assert len(server.requests) == 1  # not retried as it is: it needs splitting
    assert err.value.reason == "the request was too long for the model's window"


async def test_other_400s_and_413(http: httpx.AsyncClient) -> None:
    with FakeLLMServer(lambda r, n: Reply(400, {"error": {"message": "unknown model 'x'"}})) as s:
        with pytest.raises(LLMError) as err:
            await client_for(http, s).complete(MESSAGES, max_tokens=5, temperature=0)
    assert not isinstance(err.value, ContextOverflow)
    assert err.value.reason == "the model endpoint rejected the request (400)"
    with FakeLLMServer(lambda r, n: Reply(413, "Request Entity Too Large")) as s:
        with pytest.raises(ContextOverflow):
            await client_for(http, s).complete(MESSAGES, max_tokens=5, temperature=0)


@pytest.mark.parametrize("style", OVERFLOW_STYLES)
async def test_pipeline_resplits_until_every_request_fits(http: httpx.AsyncClient,
                                                          style: str) -> None:
    settings = LLMSettings(context_tokens=WINDOW)
    session = code_session(60)
    with FakeLLMServer(context_tokens=WINDOW, chars_per_token=1.2, style=style) as server:
        handoff, gen = await write_handoff(client_for(http, server), settings, PROJECT, session,
                                           None, budget_words=800)
    assert gen.fallback_reason is None, gen.fallback_reason
    assert handoff.generator == "local"
    assert 400 in server.statuses or 422 in server.statuses  # the server did refuse some
    every_success_fits(server)
    assert kind(server.succeeded()[-1]) == "write"
    maps = [r for r in server.succeeded() if kind(r) == "take"]
    assert len(maps) > gen.chunks  # refused chunks were read again in halves
    extractive = build_handoff(PROJECT, session, None, budget_words=800)
    assert handoff.artifacts_kept >= extractive.artifacts_kept


async def test_one_request_refused_is_read_in_parts(http: httpx.AsyncClient) -> None:
    """A session our estimate says fits one request, refused by a stricter server."""
    settings = LLMSettings(context_tokens=WINDOW)
    session = code_session(4)
    with FakeLLMServer(context_tokens=WINDOW, chars_per_token=1.2) as server:
        _, gen = await write_handoff(client_for(http, server), settings, PROJECT, session, None,
                                     budget_words=600)
    assert kind(server.requests[0]) == "write" and server.statuses[0] == 400
    assert gen.fallback_reason is None, gen.fallback_reason
    assert gen.chunks >= 2
    every_success_fits(server)


async def test_final_request_refused_gets_its_notes_merged_smaller(
        http: httpx.AsyncClient) -> None:
    settings = LLMSettings(context_tokens=WINDOW)
    finals: list[int] = []

    def script(request: dict[str, Any], n: int) -> Reply:
        if kind(request) in ("take", "merge"):  # wordy notes: a few of them fill the room
            return ok(request, "## Done\n" + "\n".join(f"- finished part {i} of the work"
                                                       for i in range(70)))
        if kind(request) == "write":
            finals.append(n)
            if len(finals) == 1:
                return overflow_reply("llamacpp", WINDOW + 1, request["max_tokens"], WINDOW)
        return ok(request)

    with FakeLLMServer(script) as server:
        _, gen = await write_handoff(client_for(http, server), settings, PROJECT,
                                     code_session(80), None, budget_words=800)
    assert gen.fallback_reason is None, gen.fallback_reason
    first, second = finals
    assert any(kind(r) == "merge" for r in server.requests[first + 1:second])
    assert (len(server.requests[second]["messages"][1]["content"])
            < len(server.requests[first]["messages"][1]["content"]))


async def test_a_window_that_never_fits_falls_back_without_endless_splitting(
        http: httpx.AsyncClient) -> None:
    settings = LLMSettings(context_tokens=WINDOW)
    session = code_session(40)
    with FakeLLMServer(context_tokens=WINDOW, chars_per_token=0.1) as server:
        handoff, gen = await write_handoff(client_for(http, server), settings, PROJECT, session,
                                           None, budget_words=800)
    assert gen.fallback_reason == "the request was too long for the model's window"
    assert handoff.markdown == build_handoff(PROJECT, session, None, budget_words=800).markdown
    assert not server.succeeded()
    # each refused chunk is split at most MAX_SPLITS times: 1 + 2 + ... + 2**MAX_SPLITS
    assert len(server.requests) <= 1 + gen.chunks * (2 ** (MAX_SPLITS + 1) - 1)


async def test_every_answer_is_bounded_by_what_its_budget_needs(http: httpx.AsyncClient) -> None:
    """A small model that loops: both the answer and the stricter retry stop at a limit set
    by the words the handoff may have, the retry at half of it."""
    settings = LLMSettings(context_tokens=WINDOW)
    with FakeLLMServer(lambda r, n: looping(r)) as server:
        handoff, gen = await write_handoff(client_for(http, server), settings, PROJECT,
                                           code_session(4), None, budget_words=2000)
    assert gen.fallback_reason == "the model repeated itself"
    assert handoff.generator == "extractive"
    first, retry = server.requests
    words = answer_words(settings, 2000)
    assert first["max_tokens"] == answer_tokens(settings, words) <= settings.output_tokens
    assert settings.output_tokens == 1536  # 3/8 of a 4,096-token window
    assert retry["max_tokens"] <= first["max_tokens"] * STRICT_SHARE + 1
    assert gen.tokens_out == first["max_tokens"] + retry["max_tokens"]
    assert "was rejected" in retry["messages"][0]["content"]


def test_check_answer_spots_a_loop() -> None:
    head = "## Master prompt\nGo on.\n## Goal\n- g\n## Done\n- d\n## Next steps\n"
    assert check_answer(head + LOOP_LINE * 6, 2000) == "the model repeated itself"
    assert check_answer(head + LOOP_LINE * 3, 2000) is None
    assert check_answer(head + "- short\n" * 20, 2000) is None  # short bullets may repeat


def test_answer_room_follows_the_window() -> None:
    assert LLMSettings().output_tokens == 3000  # the old default for 8,192 tokens
    assert LLMSettings(context_tokens=128_000).output_tokens == 3000
    small = LLMSettings(context_tokens=WINDOW)
    assert small.output_tokens == 1536
    assert answer_tokens(small, answer_words(small, 2000)) <= small.output_tokens
    assert LLMSettings(context_tokens=WINDOW, max_output_tokens=900).output_tokens == 900
