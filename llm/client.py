"""One client for every OpenAI-compatible endpoint (`POST {base_url}/chat/completions`).

Retries what is worth retrying (429 honouring Retry-After, 5xx, timeouts, connection
errors) with exponential backoff and jitter, and nothing else. The API key goes only into
the Authorization header: it never appears in an exception, a log line or a message.
"""
from __future__ import annotations

import asyncio
import email.utils
import logging
import random
import re
import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Any

import httpx

from bot.config import LLMConfig
from llm.tokens import estimate_tokens

log = logging.getLogger(__name__)
MAX_BACKOFF_S = 30.0
CONTEXT_STATUSES = (400, 413, 422)  # 422: text-generation-inference's input validation
# How OpenAI, vLLM, llama.cpp, TGI and others word "the request is longer than the window".
CONTEXT_ERROR = re.compile(
    r"context_length_exceeded|exceed_context_size|maximum context length|context length"
    r"|context window|context size|too many tokens|prompt is too long|input is too long"
    r"|must be <= \d+|reduce the length", re.IGNORECASE)
ERROR_BODY_CHARS = 4000  # enough of an error body to find the words above
_CONFIG_DEFAULTS = LLMConfig()  # frozen: read for ClientSettings' defaults, never changed


class LLMError(Exception):
    """A failed completion; `reason` is a few words fit for a user-facing preview line."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class ContextOverflow(LLMError):
    """The server counted more tokens than its window holds: the same input, split
    smaller, may still go through, so the writer re-splits instead of giving up."""

    def __init__(self) -> None:
        super().__init__("the request was too long for the model's window")


@dataclass(frozen=True, slots=True)
class Completion:
    text: str
    tokens_in: int
    tokens_out: int
    estimated: bool  # True when the endpoint sent no `usage`


@dataclass(frozen=True, slots=True)
class ClientSettings:
    """Where and how to call the model; the defaults shared with `[llm]` are read from
    `LLMConfig`, their one owner."""

    base_url: str
    model: str
    api_key: str
    timeout_s: float = _CONFIG_DEFAULTS.timeout_s
    max_retries: int = _CONFIG_DEFAULTS.max_retries
    max_concurrency: int = _CONFIG_DEFAULTS.max_concurrency
    backoff_s: float = 1.0

    @classmethod
    def from_config(cls, config: LLMConfig, api_key: str) -> ClientSettings:
        return cls(base_url=config.base_url, model=config.model, api_key=api_key,
                   timeout_s=config.timeout_s, max_retries=config.max_retries,
                   max_concurrency=config.max_concurrency)


def retry_after_seconds(value: str | None, now: float | None = None) -> float | None:
    """Retry-After is either delta-seconds or an HTTP date."""
    if not value:
        return None
    value = value.strip()
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, when.timestamp() - (time.time() if now is None else now))


class ChatClient:
    """Shared by all chats: the semaphore caps concurrent requests to the endpoint."""

    def __init__(self, http: httpx.AsyncClient, settings: ClientSettings, *,
                 sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
                 rng: random.Random | None = None) -> None:
        self.http = http
        self.settings = settings
        self._sleep = sleep
        self._rng = rng or random.Random()
        self._gate = asyncio.Semaphore(max(1, settings.max_concurrency))
        self.calls = 0  # requests actually sent, retries included

    @property
    def url(self) -> str:
        return self.settings.base_url.rstrip("/") + "/chat/completions"

    def _backoff(self, attempt: int, retry_after: float | None) -> float:
        if retry_after is not None:
            return min(retry_after, MAX_BACKOFF_S * 2)
        base: float = self.settings.backoff_s * (2 ** attempt)
        return min(MAX_BACKOFF_S, base * (0.5 + float(self._rng.random())))

    async def complete(self, messages: Sequence[dict[str, str]], *, max_tokens: int,
                       temperature: float) -> Completion:
        payload: dict[str, Any] = {"model": self.settings.model, "messages": list(messages),
                                   "max_tokens": max_tokens, "temperature": temperature,
                                   "stream": False}
        headers = {"Authorization": f"Bearer {self.settings.api_key}"}
        reason = "no answer"
        for attempt in range(self.settings.max_retries + 1):
            retry_after: float | None = None
            try:
                async with self._gate:
                    self.calls += 1
                    response = await self.http.post(self.url, json=payload, headers=headers,
                                                    timeout=self.settings.timeout_s)
            except httpx.TimeoutException:
                reason = "the model timed out"
            except httpx.TransportError:
                reason = "the model endpoint is unreachable"
            else:
                status = response.status_code
                if status == 200:
                    return self._parse(response, messages)
                if status == 429:
                    reason = "the model is rate-limited"
                    retry_after = retry_after_seconds(response.headers.get("retry-after"))
                elif status >= 500:
                    reason = f"the model endpoint failed ({status})"
                elif is_context_overflow(status, response.text[:ERROR_BODY_CHARS]):
                    raise ContextOverflow()
                else:
                    raise LLMError(_client_error(status))
            if attempt < self.settings.max_retries:
                delay = self._backoff(attempt, retry_after)
                log.info("LLM request failed (%s); retry %d in %.1fs", reason, attempt + 1, delay)
                await self._sleep(delay)
        raise LLMError(reason)

    @staticmethod
    def _parse(response: httpx.Response, messages: Sequence[dict[str, str]]) -> Completion:
        try:
            data = response.json()
            text = data["choices"][0]["message"]["content"]
        except (ValueError, KeyError, IndexError, TypeError):
            raise LLMError("the model sent a malformed answer") from None
        if not isinstance(text, str) or not text.strip():
            raise LLMError("the model sent an empty answer")
        usage = data.get("usage") if isinstance(data, dict) else None
        if isinstance(usage, dict) and isinstance(usage.get("prompt_tokens"), int) \
                and isinstance(usage.get("completion_tokens"), int):
            return Completion(text, usage["prompt_tokens"], usage["completion_tokens"], False)
        tokens_in = sum(estimate_tokens(m.get("content", "")) for m in messages)
        return Completion(text, tokens_in, estimate_tokens(text), True)


def is_context_overflow(status: int, body: str) -> bool:
    """A 4xx saying the request does not fit the window (413 always means too large)."""
    return status == 413 or (status in CONTEXT_STATUSES and CONTEXT_ERROR.search(body) is not None)


def _client_error(status: int) -> str:
    if status in (401, 403):
        return f"the model endpoint refused the key ({status})"
    if status == 404:
        return "the model or endpoint was not found (404)"
    return f"the model endpoint rejected the request ({status})"
