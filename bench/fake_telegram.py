"""A loopback fake of the Telegram Bot API over real HTTP, for running the bot *process*.

`tests/fake_bot_api.py` replaces PTB's request layer inside one process; this server is
what a separately started bot (`python -m bot`) talks to through `[telegram] base_url`, so
a soak can SIGKILL and restart it. It queues the updates a driver injects, serves them by
long polling with Telegram's offset rule (an update is *confirmed*, i.e. acknowledged to
Telegram, once a later getUpdates passes an offset above its id), answers the methods the
bot uses with Telegram-shaped JSON, serves uploaded files, and records every call.
Standard library only; binds 127.0.0.1.
"""
from __future__ import annotations

import email.parser
import email.policy
import itertools
import json
import re
import sys
import threading
import time
import urllib.parse
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Self

BOT_ID = 7000002
BOT_USERNAME = "baton_soak_bot"
FIRST_MESSAGE_ID = 1
MAX_POLL_S = 10.0  # longest a getUpdates waits, whatever timeout the bot asks for
DEFAULT_LIMIT = 100  # Telegram's default and maximum getUpdates batch
WAIT_STEP_S = 0.02  # how often wait_for looks again

_API_PATH = re.compile(r"^/bot(?P<token>[^/]+)/(?P<method>[A-Za-z]+)$")
_FILE_PATH = re.compile(r"^/file/bot(?P<token>[^/]+)/(?P<path>.+)$")


class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request: Any, client_address: Any) -> None:
        if isinstance(sys.exc_info()[1], OSError):
            return  # a killed bot drops its connections: expected, not worth a traceback
        super().handle_error(request, client_address)


@dataclass
class Call:
    """One request the bot made: parameters as sent (strings), uploads as (name, bytes)."""

    method: str
    params: dict[str, Any]
    files: dict[str, tuple[str, bytes]] = field(default_factory=dict)
    run: int = 0  # which start of the bot process made it (the driver sets FakeTelegram.run)
    at: float = 0.0  # time.monotonic() on arrival
    status: int = 200

    @property
    def chat_id(self) -> int | None:
        value = self.params.get("chat_id")
        try:
            return int(value) if value is not None else None
        except (TypeError, ValueError):
            return None


class FakeTelegram:
    """The server and its state; every public method is thread-safe."""

    def __init__(self, token: str, host: str = "127.0.0.1", port: int = 0) -> None:
        self.token = token
        self.host = host
        self.run = 0
        self._lock = threading.Condition()
        self._updates: list[dict[str, Any]] = []  # every update ever queued, by update_id
        self._update_ids = itertools.count(1)
        self._confirmed = 0  # updates with update_id < this are confirmed
        self._message_ids: dict[int, itertools.count[int]] = {}
        self._files: dict[str, bytes] = {}
        self._sent_files = itertools.count(1)
        self._calls: list[Call] = []
        self._delivered: set[int] = set()
        self._closed = False
        self.last_activity = time.monotonic()  # last call other than getUpdates
        self._server = _Server((host, port), self._handler_class())
        self._thread = threading.Thread(target=self._server.serve_forever, name="fake-telegram",
                                        daemon=True)

    # --- lifecycle -------------------------------------------------------------------
    def start(self) -> Self:
        self._thread.start()
        return self

    def close(self) -> None:
        with self._lock:
            self._closed = True
            self._lock.notify_all()  # long polls return at once
        self._server.shutdown()
        self._server.server_close()

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.close()

    @property
    def base_url(self) -> str:
        return f"http://{self.host}:{self._server.server_port}/bot"

    @property
    def base_file_url(self) -> str:
        return f"http://{self.host}:{self._server.server_port}/file/bot"

    # --- what a driver does ----------------------------------------------------------
    def message_ids(self, chat_id: int, count: int = 1) -> list[int]:
        """`count` consecutive message ids in the chat (shared with the bot's own messages,
        as in a real private chat), taken at once so nothing lands between them."""
        with self._lock:
            counter = self._message_ids.setdefault(chat_id, itertools.count(FIRST_MESSAGE_ID))
            return [next(counter) for _ in range(count)]

    def push(self, update: dict[str, Any]) -> int:
        """Queue an update (without update_id); returns the id it was given."""
        with self._lock:
            update_id = next(self._update_ids)
            self._updates.append({"update_id": update_id, **update})
            self._lock.notify_all()
            return update_id

    def add_file(self, file_id: str, content: bytes) -> None:
        with self._lock:
            self._files[file_id] = content

    def calls(self, method: str | None = None) -> list[Call]:
        with self._lock:
            return [c for c in self._calls if method is None or c.method == method]

    @property
    def confirmed_offset(self) -> int:
        """The highest offset the bot has passed: every update below it is confirmed."""
        with self._lock:
            return self._confirmed

    @property
    def last_update_id(self) -> int:
        with self._lock:
            return self._updates[-1]["update_id"] if self._updates else 0

    def all_confirmed(self) -> bool:
        with self._lock:
            return not self._updates or self._confirmed > self._updates[-1]["update_id"]

    def delivered(self) -> set[int]:
        """Ids of the updates getUpdates returned at least once."""
        with self._lock:
            return set(self._delivered)

    def wait_for(self, predicate: Callable[[], bool], timeout: float) -> bool:
        deadline = time.monotonic() + timeout
        while not predicate():
            if time.monotonic() > deadline:
                return False
            time.sleep(WAIT_STEP_S)
        return True

    # --- the Bot API -----------------------------------------------------------------
    def _record(self, call: Call) -> None:
        with self._lock:
            call.run, call.at = self.run, time.monotonic()
            self._calls.append(call)
            if call.method != "getUpdates":
                self.last_activity = call.at

    def _get_updates(self, params: dict[str, Any]) -> list[dict[str, Any]]:
        offset = int(params.get("offset") or 0)
        limit = min(int(params.get("limit") or DEFAULT_LIMIT), DEFAULT_LIMIT)
        wait = min(float(params.get("timeout") or 0), MAX_POLL_S)
        deadline = time.monotonic() + wait
        with self._lock:
            if offset < 0:  # the last -offset updates; everything before them is forgotten
                keep = self._updates[offset:] if self._updates else []
                offset = keep[0]["update_id"] if keep else self._confirmed
            self._confirmed = max(self._confirmed, offset)
            while True:
                start = max(offset, self._confirmed)
                # update ids are 1, 2, 3...: the one with id `start` sits at index start - 1
                pending = self._updates[max(start - 1, 0):][:limit]
                remaining = deadline - time.monotonic()
                if pending or self._closed or remaining <= 0:
                    break
                self._lock.wait(remaining)
            self._delivered.update(u["update_id"] for u in pending)
            return pending

    def _bot_message(self, chat_id: int, **extra: Any) -> dict[str, Any]:
        chat: dict[str, Any] = ({"id": chat_id, "type": "private", "first_name": "soak"}
                                if chat_id > 0 else
                                {"id": chat_id, "type": "supergroup", "title": "soak"})
        return {"message_id": self.message_ids(chat_id)[0], "date": int(time.time()),
                "chat": chat, "from": {"id": BOT_ID, "is_bot": True, "first_name": "Baton",
                                       "username": BOT_USERNAME}, **extra}

    def _answer(self, method: str, params: dict[str, Any],
                files: dict[str, tuple[str, bytes]]) -> Any:
        chat_id = Call(method, params).chat_id or 0
        if method == "getMe":
            return {"id": BOT_ID, "is_bot": True, "first_name": "Baton",
                    "username": BOT_USERNAME, "can_join_groups": True,
                    "can_read_all_group_messages": False, "supports_inline_queries": False}
        if method == "getUpdates":
            return self._get_updates(params)
        if method == "sendMessage":
            return self._bot_message(chat_id, text=params.get("text", ""))
        if method == "editMessageText":
            message = self._bot_message(chat_id, text=params.get("text", ""))
            if params.get("message_id"):
                message["message_id"] = int(params["message_id"])
            return message
        if method == "sendDocument":
            name = files.get("document", ("document", b""))[0]
            file_id = f"sent-{next(self._sent_files)}"
            return self._bot_message(chat_id, caption=params.get("caption", ""), document={
                "file_id": file_id, "file_unique_id": f"u-{file_id}", "file_name": name,
                "file_size": len(files.get("document", ("", b""))[1])})
        if method == "getFile":
            file_id = str(params.get("file_id", ""))
            with self._lock:
                size = len(self._files.get(file_id, b""))
            return {"file_id": file_id, "file_unique_id": f"u-{file_id}", "file_size": size,
                    "file_path": f"documents/{file_id}"}
        return True  # deleteWebhook, setMyCommands, sendChatAction, deleteMessage, ...

    def _handler_class(self) -> type[BaseHTTPRequestHandler]:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"  # keep-alive, as httpx expects

            def log_message(self, format: str, *args: Any) -> None:
                return None  # the soak prints numbers, not request lines

            def do_GET(self) -> None:
                self._serve()

            def do_POST(self) -> None:
                self._serve()

            def _reply(self, status: int, body: bytes,
                       content_type: str = "application/json") -> None:
                try:
                    self.send_response(status)
                    self.send_header("Content-Type", content_type)
                    self.send_header("Content-Length", str(len(body)))
                    self.end_headers()
                    self.wfile.write(body)
                except OSError:
                    pass  # the bot was killed while it waited: nobody to answer

            def _error(self, status: int, description: str) -> None:
                self._reply(status, json.dumps({"ok": False, "error_code": status,
                                                "description": description}).encode())

            def _serve(self) -> None:
                path, _, query = self.path.partition("?")
                path = urllib.parse.unquote(path)  # PTB quotes the token's colon in file URLs
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                found = _FILE_PATH.match(path)
                if found and found["token"] == fake.token:
                    file_id = found["path"].rsplit("/", 1)[-1]
                    fake._record(Call("downloadFile", {"file_id": file_id}))
                    with fake._lock:
                        content = fake._files.get(file_id)
                    if content is None:
                        self._error(404, "Not Found")
                    else:
                        self._reply(200, content, "application/octet-stream")
                    return
                found = _API_PATH.match(path)
                if not found or found["token"] != fake.token:
                    self._error(404, "Not Found")
                    return
                params, files = parse_body(self.headers.get("Content-Type", ""), body, query)
                call = Call(found["method"], params, files)
                fake._record(call)
                result = fake._answer(call.method, params, files)
                self._reply(200, json.dumps({"ok": True, "result": result}).encode())

        return Handler


def parse_body(content_type: str, body: bytes,
               query: str = "") -> tuple[dict[str, Any], dict[str, tuple[str, bytes]]]:
    """Parameters and uploads of a Bot API request: form-encoded, multipart or JSON."""
    params: dict[str, Any] = {k: v[0] for k, v in urllib.parse.parse_qs(query).items()}
    files: dict[str, tuple[str, bytes]] = {}
    kind = content_type.split(";", 1)[0].strip().lower()
    if kind == "application/x-www-form-urlencoded":
        params.update({k: v[0] for k, v in
                       urllib.parse.parse_qs(body.decode("utf-8"), keep_blank_values=True).items()})
    elif kind == "application/json" and body:
        params.update(json.loads(body))
    elif kind == "multipart/form-data":
        head = f"Content-Type: {content_type}\r\nMIME-Version: 1.0\r\n\r\n".encode()
        message = email.parser.BytesParser(policy=email.policy.HTTP).parsebytes(head + body)
        for part in message.iter_parts():
            name = part.get_param("name", header="content-disposition")
            if not isinstance(name, str):
                continue
            payload = part.get_payload(decode=True)
            if not isinstance(payload, bytes):
                payload = b""
            filename = part.get_filename()
            if filename is not None:
                files[name] = (filename, payload)
            else:
                params[name] = payload.decode("utf-8")
    return params, files
