"""A loopback OpenAI-compatible server (real HTTP on 127.0.0.1) with scriptable answers.

With `context_tokens` set it enforces a window as a real server does, counting tokens its
own, stricter way (`strict_tokens`: `chars_per_token` characters a token, less than Baton's
estimate allows) and answering a request whose prompt plus `max_tokens` does not fit with
the 400 that OpenAI, vLLM, llama.cpp or text-generation-inference would send.
"""
from __future__ import annotations

import json
import math
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from llm.tokens import estimate_tokens


@dataclass
class Reply:
    status: int = 200
    body: Any = None  # dict -> JSON; str/bytes -> sent as is
    headers: dict[str, str] = field(default_factory=dict)
    delay_s: float = 0.0


MESSAGE_TOKENS = 4  # the chat template's tokens around each message
POLL_S = 0.02  # how often serve_forever looks for shutdown: keeps each test fast


def strict_tokens(messages: list[dict[str, Any]], chars_per_token: float) -> int:
    """The prompt as a stricter tokenizer than Baton's estimate would count it."""
    return sum(math.ceil(len(m.get("content") or "") / chars_per_token) + MESSAGE_TOKENS
               for m in messages)


def overflow_reply(style: str, prompt: int, max_tokens: int, window: int) -> Reply:
    """The "too long for the window" answer, worded as each kind of server words it."""
    if style == "openai":
        return Reply(400, {"error": {
            "message": f"This model's maximum context length is {window} tokens. However, you "
                       f"requested {prompt + max_tokens} tokens ({prompt} in the messages, "
                       f"{max_tokens} in the completion). Please reduce the length of the "
                       "messages or completion.",
            "type": "invalid_request_error", "param": "messages",
            "code": "context_length_exceeded"}})
    if style == "llamacpp":
        return Reply(400, {"error": {
            "code": 400, "type": "exceed_context_size_error", "n_prompt_tokens": prompt,
            "n_ctx": window,
            "message": "the request exceeds the available context size, try increasing it"}})
    if style == "vllm":
        return Reply(400, {"object": "error", "type": "BadRequestError", "code": 400,
                           "message": f"This model's maximum context length is {window} tokens."
                                      f" However, you requested {prompt + max_tokens} tokens."})
    if style == "tgi":
        return Reply(422, {"error_type": "validation",
                           "error": f"Input validation error: `inputs` tokens + "
                                    f"`max_new_tokens` must be <= {window}. Given: {prompt} "
                                    f"`inputs` tokens and {max_tokens} `max_new_tokens`"})
    raise ValueError(f"unknown server style {style!r}")


OVERFLOW_STYLES = ("openai", "llamacpp", "vllm", "tgi")


def fake_model(request: dict[str, Any]) -> str:
    """A stand-in model: notes for map/merge prompts, a sectioned handoff for the final one."""
    system = request["messages"][0]["content"]
    user = request["messages"][-1]["content"]
    if system.startswith("You take notes"):
        return f"## Done\n- read a part of {len(user)} characters\n"
    if system.startswith("You merge"):
        return "## Done\n- merged notes\n## Next steps\n1. continue the work\n"
    return ("## Master prompt\nYou are continuing this project with me. Start with the first "
            "next step; the rest is reference.\n\n## Goal and scope\n- Ship the feature\n\n"
            "## Current state\n- Work in progress\n\n## Done\n- S1: wrote the model answer\n\n"
            "## Next steps\n1. Keep going\n")


def ok(request: dict[str, Any], text: str | None = None, usage: bool = True) -> Reply:
    content = fake_model(request) if text is None else text
    body: dict[str, Any] = {"id": "x", "object": "chat.completion", "model": request.get("model"),
                            "choices": [{"index": 0, "finish_reason": "stop",
                                         "message": {"role": "assistant", "content": content}}]}
    if usage:
        body["usage"] = {"prompt_tokens": sum(estimate_tokens(m["content"])
                                              for m in request["messages"]),
                         "completion_tokens": estimate_tokens(content)}
    return Reply(200, body)


LOOP_LINE = "- run the tests again and check the output of the tests\n"


def looping(request: dict[str, Any], chars_per_token: float = 4.0) -> Reply:
    """A small model stuck in a loop: one line over and over until `max_tokens` stops it."""
    limit = int(request.get("max_tokens") or 0)
    text = "## Master prompt\nContinue the work.\n\n## Next steps\n"
    text += LOOP_LINE * max(1, int(limit * chars_per_token) // len(LOOP_LINE))
    body = ok(request, text).body
    body["choices"][0]["finish_reason"] = "length"
    body["usage"]["completion_tokens"] = limit
    return Reply(200, body)


class FakeLLMServer:
    """`script(request, n)` decides the n-th reply (n counts from 0); default: `ok`.
    `statuses[n]` is the status the n-th request got."""

    def __init__(self, script: Callable[[dict[str, Any], int], Reply] | None = None,
                 latency_s: float = 0.0, *, context_tokens: int | None = None,
                 chars_per_token: float = 2.0, style: str = "openai") -> None:
        self.script = script or (lambda request, n: ok(request))
        self.latency_s = latency_s
        self.context_tokens = context_tokens
        self.chars_per_token = chars_per_token
        self.style = style
        self.requests: list[dict[str, Any]] = []
        self.headers: list[dict[str, str]] = []
        self.statuses: list[int | None] = []  # None until the reply is decided
        self._lock = threading.Lock()
        self.active = 0
        self.max_active = 0
        server = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:  # keep test output clean
                return None

            def do_POST(self) -> None:  # noqa: N802 - http.server API
                length = int(self.headers.get("content-length", "0"))
                request = json.loads(self.rfile.read(length) or b"{}")
                with server._lock:
                    n = len(server.requests)
                    server.requests.append(request)
                    server.statuses.append(None)
                    server.headers.append(dict(self.headers))
                    server.active += 1
                    server.max_active = max(server.max_active, server.active)
                try:
                    reply = server.overflow(request) or server.script(request, n)
                    with server._lock:
                        server.statuses[n] = reply.status
                    time.sleep(server.latency_s + reply.delay_s)
                    body = reply.body
                    raw = (json.dumps(body).encode() if isinstance(body, (dict, list))
                           else body.encode() if isinstance(body, str) else body or b"")
                    self.send_response(reply.status)
                    for key, value in reply.headers.items():
                        self.send_header(key, value)
                    self.send_header("content-type", "application/json")
                    self.send_header("content-length", str(len(raw)))
                    self.end_headers()
                    self.wfile.write(raw)
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the client gave up (a timeout test)
                finally:
                    with server._lock:
                        server.active -= 1

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, args=(POLL_S,),
                                        daemon=True)

    def prompt_tokens(self, request: dict[str, Any]) -> int:
        return strict_tokens(request.get("messages") or [], self.chars_per_token)

    def fits(self, request: dict[str, Any]) -> bool:
        """Whether the prompt and the room asked for the answer fit the window."""
        if self.context_tokens is None:
            return True
        return self.prompt_tokens(request) + int(request.get("max_tokens") or 0) \
            <= self.context_tokens

    def overflow(self, request: dict[str, Any]) -> Reply | None:
        if self.context_tokens is None or self.fits(request):
            return None
        return overflow_reply(self.style, self.prompt_tokens(request),
                              int(request.get("max_tokens") or 0), self.context_tokens)

    def succeeded(self) -> list[dict[str, Any]]:
        """The requests that were answered 200."""
        return [r for r, status in zip(self.requests, self.statuses, strict=False) if status == 200]

    @property
    def base_url(self) -> str:
        host, port = self._server.server_address[:2]
        name = host.decode() if isinstance(host, bytes) else host
        return f"http://{name}:{port}/v1"

    def __enter__(self) -> FakeLLMServer:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()


def serve_in_subprocess_main() -> None:
    """`python -m tests.fake_llm_server LATENCY [CONTEXT CHARS_PER_TOKEN]`: serve until
    killed, base URL on stdout; with CONTEXT, enforce that window.

    Benchmarks run the server in its own process so its JSON work does not compete with
    the code under test for the GIL."""
    import sys

    args = sys.argv[1:]
    server = FakeLLMServer(latency_s=float(args[0]) if args else 0.0,
                           context_tokens=int(args[1]) if len(args) > 2 else None,
                           chars_per_token=float(args[2]) if len(args) > 2 else 2.0)
    with server:
        print(server.base_url, flush=True)
        threading.Event().wait()


if __name__ == "__main__":
    serve_in_subprocess_main()
