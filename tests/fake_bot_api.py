"""An offline Bot API: a real `BaseRequest` that records every call and answers with
Telegram-shaped JSON, so tests drive the real Application without a network."""
from __future__ import annotations

import asyncio
import itertools
import json
import re
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from telegram.error import NetworkError
from telegram.request import BaseRequest, RequestData

BOT_ID = 7000001
BOT_USERNAME = "baton_test_bot"

_ALLOWED_TAGS = {"b", "strong", "i", "em", "u", "ins", "s", "strike", "del", "span",
                 "tg-spoiler", "a", "code", "pre", "blockquote", "tg-emoji"}
_TOKEN = re.compile(r"<(/?)([a-z-]+)(?:\s[^<>]*)?>|&(?:#\d+|#x[0-9a-fA-F]+|lt|gt|amp|quot);")


def html_problem(text: str) -> str | None:
    """Why Telegram would reject `text` with parse_mode=HTML, or None if it is valid."""
    stack: list[str] = []
    pos = 0
    for match in _TOKEN.finditer(text):
        bare = text[pos:match.start()]
        if any(ch in bare for ch in "<>&"):
            return f"unescaped character in {bare!r}"
        pos = match.end()
        closing, tag = match.group(1), match.group(2)
        if tag is None:
            continue  # an entity
        if tag not in _ALLOWED_TAGS:
            return f"unsupported tag <{tag}>"
        if closing:
            if not stack or stack.pop() != tag:
                return f"unbalanced </{tag}>"
        else:
            stack.append(tag)
    if any(ch in text[pos:] for ch in "<>&"):
        return f"unescaped character in {text[pos:]!r}"
    return f"unclosed <{stack[-1]}>" if stack else None


@dataclass(frozen=True)
class Fault:
    """One failed answer: an HTTP status with Telegram's error JSON, or (status 0) a
    connection that drops before any answer."""

    status: int
    description: str = "Internal Server Error"
    retry_after: int | None = None  # for 429: Telegram's parameters.retry_after


TOO_MANY = Fault(429, "Too Many Requests: retry after 1", retry_after=1)
SERVER_ERROR = Fault(500, "Internal Server Error")
BAD_GATEWAY = Fault(502, "Bad Gateway")
DROPPED = Fault(0, "connection dropped")
BLOCKED = Fault(403, "Forbidden: bot was blocked by the user")


@dataclass
class Call:
    method: str
    params: dict[str, Any]
    files: dict[str, tuple[str, bytes]] = field(default_factory=dict)
    status: int = 200  # what the fake answered; a Fault's status when it failed

    @property
    def text(self) -> str:
        return str(self.params.get("text") or self.params.get("caption") or "")

    @property
    def document(self) -> tuple[str, str] | None:
        """(filename, decoded content) when this call uploaded a document."""
        if "document" not in self.files:
            return None
        name, content = self.files["document"]
        return name, content.decode("utf-8")


class FakeBotAPI(BaseRequest):
    """Records calls; validates HTML and lengths the way Telegram would."""

    def __init__(self) -> None:
        self.calls: list[Call] = []
        self._ids = itertools.count(100_000)
        self.errors: list[str] = []
        self.files: dict[str, bytes] = {}  # file_id -> content, served by getFile + download
        self.faults: dict[str, list[Fault]] = {}  # method -> the next answers, in order
        self.admins: dict[int, set[int]] = {}  # chat id -> admin user ids, for getChatMember
        self.updates: list[dict[str, Any]] = []  # served by getUpdates, Telegram's way
        self.offsets: list[int | None] = []  # the offset of every getUpdates call
        self.on_poll: Callable[[int | None], None] | None = None  # sees each offset first
        self.can_read_all_group_messages = False  # getMe: privacy mode on, as by default

    async def _get_updates(self, params: dict[str, Any]) -> list[dict[str, Any]]:
        """An offset confirms (and drops) every update below it, as Telegram does."""
        offset = params.get("offset")
        offset = int(offset) if offset is not None else None
        self.offsets.append(offset)
        if self.on_poll is not None:
            self.on_poll(offset)
        if offset is not None:
            self.updates = [u for u in self.updates if u["update_id"] >= offset]
        if not self.updates:
            await asyncio.sleep(0.01)  # a long poll with nothing to say, shortened
        limit = int(params.get("limit") or 100)
        return self.updates[:limit]

    def fail(self, method: str, *faults: Fault) -> None:
        """Answer the next calls of `method` with these faults, then normally again."""
        self.faults.setdefault(method, []).extend(faults)

    def ok(self, method: str) -> list[Call]:
        """The calls of `method` that succeeded."""
        return [c for c in self.calls if c.method == method and c.status == 200]

    async def initialize(self) -> None:
        return None

    async def shutdown(self) -> None:
        return None

    @property
    def read_timeout(self) -> float | None:
        return 1.0

    def _message(self, params: dict[str, Any], **extra: Any) -> dict[str, Any]:
        chat_id = int(params.get("chat_id", 0))
        chat_type = "private" if chat_id > 0 else "supergroup"
        return {"message_id": next(self._ids), "date": int(time.time()),
                "chat": {"id": chat_id, "type": chat_type, "title": "t"} if chat_id < 0
                else {"id": chat_id, "type": "private", "first_name": "u"},
                "from": {"id": BOT_ID, "is_bot": True, "first_name": "Baton",
                         "username": BOT_USERNAME}, **self._topic(params), **extra}

    @staticmethod
    def _topic(params: dict[str, Any]) -> dict[str, Any]:
        """A message sent into a forum topic is in that topic, as Telegram answers it."""
        thread = params.get("message_thread_id")
        return {"message_thread_id": int(thread), "is_topic_message": True} if thread else {}

    def _check(self, method: str, params: dict[str, Any]) -> None:
        for key, limit in (("text", 4096), ("caption", 1024)):
            value = params.get(key)
            if value is None:
                continue
            if len(value) > limit:
                self.errors.append(f"{method}: {key} longer than {limit}")
            if params.get("parse_mode") == "HTML":
                problem = html_problem(str(value))
                if problem:
                    self.errors.append(f"{method}: invalid HTML ({problem}) in {value!r}")

    async def do_request(self, url: str, method: str, request_data: RequestData | None = None,
                         read_timeout: Any = None, write_timeout: Any = None,
                         connect_timeout: Any = None, pool_timeout: Any = None,
                         ) -> tuple[int, bytes]:
        if "/file/bot" in url:  # a file download: base_file_url + token + "/" + file_path
            return self._download(url.rsplit("/", 1)[-1])
        api_method = url.rsplit("/", 1)[-1]
        params: dict[str, Any] = dict(request_data.parameters) if request_data else {}
        files: dict[str, tuple[str, bytes]] = {}
        if request_data is not None and request_data.contains_files:
            for name, value in request_data.multipart_data.items():
                filename, content = value[0], value[1]
                files[name] = (filename or name, content if isinstance(content, bytes) else content.read())
        queued = self.faults.get(api_method)
        if queued:
            return self._fault(queued.pop(0), Call(api_method, params, files))
        self.calls.append(Call(api_method, params, files))
        self._check(api_method, params)
        result = await self._result(api_method, params, files)
        return 200, json.dumps({"ok": True, "result": result}).encode()

    def _download(self, file_id: str) -> tuple[int, bytes]:
        self.calls.append(Call("downloadFile", {"file_id": file_id}))
        if file_id not in self.files:
            return 404, b'{"ok": false, "error_code": 404, "description": "Not Found"}'
        return 200, self.files[file_id]

    def _fault(self, fault: Fault, call: Call) -> tuple[int, bytes]:
        call.status = fault.status
        self.calls.append(call)
        if fault.status == 0:
            raise NetworkError(f"httpx.ReadError: {fault.description}")
        body: dict[str, Any] = {"ok": False, "error_code": fault.status,
                                "description": fault.description}
        if fault.retry_after is not None:
            body["parameters"] = {"retry_after": fault.retry_after}
        return fault.status, json.dumps(body).encode()

    async def _result(self, api_method: str, params: dict[str, Any],
                      files: dict[str, tuple[str, bytes]]) -> Any:
        """What Telegram would answer a successful call with."""
        if api_method == "getMe":
            return {"id": BOT_ID, "is_bot": True, "first_name": "Baton",
                    "username": BOT_USERNAME, "can_join_groups": True,
                    "can_read_all_group_messages": self.can_read_all_group_messages,
                    "supports_inline_queries": False}
        if api_method in ("sendMessage", "editMessageText"):
            return self._message(params, text=params.get("text", ""))
        if api_method == "sendDocument":
            name = files.get("document", ("file", b""))[0]
            return self._message(params, document={"file_id": "f1", "file_unique_id": "u1",
                                                   "file_name": name},
                                 caption=params.get("caption", ""))
        if api_method == "sendPhoto":
            return self._message(params, caption=params.get("caption", ""),
                                 photo=[{"file_id": "ph1", "file_unique_id": "phu1",
                                         "width": 600, "height": 300}])
        if api_method == "getChatMember":
            return self._chat_member(int(params["chat_id"]), int(params["user_id"]))
        if api_method == "getFile":
            file_id = str(params["file_id"])
            return {"file_id": file_id, "file_unique_id": f"u-{file_id}",
                    "file_size": len(self.files.get(file_id, b"")),
                    "file_path": f"documents/{file_id}"}
        if api_method == "getUpdates":
            return await self._get_updates(params)
        return True

    def _chat_member(self, chat_id: int, user_id: int) -> dict[str, Any]:
        admin = user_id in self.admins.get(chat_id, set())
        result: dict[str, Any] = {"status": "administrator" if admin else "member",
                                  "user": {"id": user_id, "is_bot": False, "first_name": "u"}}
        if admin:
            result.update(dict.fromkeys((
                "can_be_edited", "is_anonymous", "can_manage_chat", "can_delete_messages",
                "can_manage_video_chats", "can_restrict_members", "can_promote_members",
                "can_change_info", "can_invite_users", "can_post_stories",
                "can_edit_stories", "can_delete_stories"), False))
        return result
