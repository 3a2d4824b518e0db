"""A loopback OpenAI-compatible server (real HTTP on 127.0.0.1) with scriptable answers."""
from __future__ import annotations

import json
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Callable

from llm.tokens import estimate_tokens


@dataclass
class Reply:
    status: int = 200
    body: Any = None  # dict -> JSON; str/bytes -> sent as is
    headers: dict[str, str] = field(default_factory=dict)
    delay_s: float = 0.0


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


class FakeLLMServer:
    """`script(request, n)` decides the n-th reply (n counts from 0); default: `ok`."""

    def __init__(self, script: Callable[[dict[str, Any], int], Reply] | None = None,
                 latency_s: float = 0.0) -> None:
        self.script = script or (lambda request, n: ok(request))
        self.latency_s = latency_s
        self.requests: list[dict[str, Any]] = []
        self.headers: list[dict[str, str]] = []
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
                    server.headers.append(dict(self.headers))
                    server.active += 1
                    server.max_active = max(server.max_active, server.active)
                try:
                    reply = server.script(request, n)
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
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def base_url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}/v1"

    def __enter__(self) -> "FakeLLMServer":
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()


def serve_in_subprocess_main() -> None:
    """`python -m tests.fake_llm_server LATENCY`: serve until killed, base URL on stdout.

    Benchmarks run the server in its own process so its JSON work does not compete with
    the code under test for the GIL."""
    import sys

    server = FakeLLMServer(latency_s=float(sys.argv[1]) if len(sys.argv) > 1 else 0.0)
    with server:
        print(server.base_url, flush=True)
        threading.Event().wait()


if __name__ == "__main__":
    serve_in_subprocess_main()
