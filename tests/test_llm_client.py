"""The OpenAI-compatible client against a real loopback HTTP server."""
from __future__ import annotations

import logging
from collections.abc import AsyncIterator

import httpx
import pytest

from llm.client import ChatClient, ClientSettings, LLMError, retry_after_seconds
from tests.fake_llm_server import FakeLLMServer, Reply, ok

KEY = "test-key-0123456789"
MESSAGES = [{"role": "system", "content": "be brief"}, {"role": "user", "content": "hello"}]


@pytest.fixture
async def http() -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient() as client:
        yield client


def make(http: httpx.AsyncClient, server: FakeLLMServer, sleeps: list[float], **kw: float) -> ChatClient:
    async def fake_sleep(seconds: float) -> None:
        sleeps.append(seconds)

    settings = ClientSettings(base_url=server.base_url, model="m-1", api_key=KEY,
                              **{"timeout_s": 2.0, "max_retries": 3, **kw})  # type: ignore[arg-type]
    return ChatClient(http, settings, sleep=fake_sleep)


async def test_normal_answer_with_usage_and_bearer_auth(http: httpx.AsyncClient) -> None:
    with FakeLLMServer(lambda r, n: ok(r, "hi there")) as server:
        answer = await make(http, server, []).complete(MESSAGES, max_tokens=50, temperature=0.1)
    assert answer.text == "hi there" and not answer.estimated and answer.tokens_in > 0
    [request] = server.requests
    assert request["model"] == "m-1" and request["max_tokens"] == 50 and request["messages"] == MESSAGES
    assert server.headers[0]["Authorization"] == f"Bearer {KEY}"


async def test_missing_usage_is_estimated(http: httpx.AsyncClient) -> None:
    with FakeLLMServer(lambda r, n: ok(r, "two words", usage=False)) as server:
        answer = await make(http, server, []).complete(MESSAGES, max_tokens=5, temperature=0)
    assert answer.estimated and answer.tokens_out >= 2


async def test_429_honours_retry_after_then_succeeds(http: httpx.AsyncClient) -> None:
    def script(request: dict, n: int) -> Reply:
        return Reply(429, {"error": "slow down"}, {"Retry-After": "7"}) if n < 2 else ok(request, "done")

    sleeps: list[float] = []
    with FakeLLMServer(script) as server:
        answer = await make(http, server, sleeps).complete(MESSAGES, max_tokens=5, temperature=0)
    assert answer.text == "done" and sleeps == [7.0, 7.0] and len(server.requests) == 3


async def test_5xx_backs_off_exponentially_with_jitter_then_gives_up(http: httpx.AsyncClient) -> None:
    sleeps: list[float] = []
    with FakeLLMServer(lambda r, n: Reply(500, {"error": "boom"})) as server:
        client = make(http, server, sleeps)
        with pytest.raises(LLMError) as err:
            await client.complete(MESSAGES, max_tokens=5, temperature=0)
    assert err.value.reason == "the model endpoint failed (500)"
    assert len(server.requests) == 4 and len(sleeps) == 3
    for attempt, slept in enumerate(sleeps):
        assert 0.5 * 2 ** attempt <= slept <= 1.5 * 2 ** attempt


async def test_other_4xx_is_not_retried(http: httpx.AsyncClient) -> None:
    with FakeLLMServer(lambda r, n: Reply(401, {"error": "bad key"})) as server:
        with pytest.raises(LLMError) as err:
            await make(http, server, []).complete(MESSAGES, max_tokens=5, temperature=0)
    assert len(server.requests) == 1 and "(401)" in err.value.reason
    assert KEY not in err.value.reason


async def test_timeout_is_retried_then_reported(http: httpx.AsyncClient) -> None:
    with FakeLLMServer(lambda r, n: ok(r), latency_s=0.5) as server:
        client = make(http, server, [], timeout_s=0.1, max_retries=1)
        with pytest.raises(LLMError) as err:
            await client.complete(MESSAGES, max_tokens=5, temperature=0)
    assert err.value.reason == "the model timed out" and client.calls == 2


@pytest.mark.parametrize("body, reason", [
    ("{not json", "malformed"),
    ({"choices": []}, "malformed"),
    ({"choices": [{"message": {"content": "   "}}]}, "empty"),
    ({"choices": [{"message": {"content": None}}]}, "empty"),
])
async def test_garbage_answers(http: httpx.AsyncClient, body: object, reason: str) -> None:
    with FakeLLMServer(lambda r, n: Reply(200, body)) as server:
        with pytest.raises(LLMError) as err:
            await make(http, server, []).complete(MESSAGES, max_tokens=5, temperature=0)
    assert reason in err.value.reason


async def test_unreachable_endpoint(http: httpx.AsyncClient) -> None:
    settings = ClientSettings(base_url="http://127.0.0.1:9/v1", model="m", api_key=KEY,
                              max_retries=1)
    sleeps: list[float] = []

    async def fake_sleep(seconds: float) -> None:
        sleeps.append(seconds)

    with pytest.raises(LLMError) as err:
        await ChatClient(http, settings, sleep=fake_sleep).complete(MESSAGES, max_tokens=5,
                                                                    temperature=0)
    assert err.value.reason == "the model endpoint is unreachable" and len(sleeps) == 1


async def test_key_never_logged(http: httpx.AsyncClient, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    with FakeLLMServer(lambda r, n: Reply(503, "down") if n == 0 else ok(r)) as server:
        await make(http, server, []).complete(MESSAGES, max_tokens=5, temperature=0)
    assert KEY not in caplog.text


def test_retry_after_formats() -> None:
    assert retry_after_seconds("3") == 3.0
    assert retry_after_seconds("Wed, 21 Oct 2015 07:28:00 GMT", now=1445412470.0) == 10.0
    assert retry_after_seconds("soon") is None and retry_after_seconds(None) is None
