"""Drive the real Baton Application offline: build updates, process them, read replies."""
from __future__ import annotations

import asyncio
import itertools
import sqlite3
import time
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import replace
from pathlib import Path
from typing import Any

from telegram import Update

from bot.app import build_application
from bot.config import (
    AccessConfig,
    CaptureConfig,
    Config,
    StorageConfig,
    TelegramConfig,
)
from handlers.context import BatonApp
from tests.fake_bot_api import BOT_USERNAME, Call, FakeBotAPI

OWNER_ID = 1001
FRIEND_ID = 1002
STRANGER_ID = 6666
PRIVATE_CHAT = OWNER_ID
GROUP_CHAT = -100200300


def make_config(db_path: Path, **access: Any) -> Config:
    access_cfg = AccessConfig(**(access or {"allowed_user_ids": (OWNER_ID, FRIEND_ID)}))
    return Config(
        telegram=TelegramConfig(token="123456:TEST-TOKEN-not-real", rate_limit=False),
        storage=StorageConfig(path=str(db_path)),
        access=access_cfg,
        capture=CaptureConfig(ack_delay_s=0.05, stitch_window_s=0.05),
    )


def user_json(user_id: int, first_name: str = "Rina", is_bot: bool = False,
              last_name: str | None = None) -> dict[str, Any]:
    data: dict[str, Any] = {"id": user_id, "is_bot": is_bot, "first_name": first_name}
    if last_name:
        data["last_name"] = last_name
    return data


class Harness:
    """One running Application on a real SQLite file, with an offline Bot API."""

    def __init__(self, config: Config, env: dict[str, str] | None = None) -> None:
        self.config = config
        self.env = env or {}  # never the real environment: no model key leaks into tests
        self.api = FakeBotAPI()
        self.app: BatonApp | None = None
        self._message_ids = itertools.count(1)
        self._update_ids = itertools.count(1)
        self._baseline_tasks: set[asyncio.Task[Any]] = set()

    async def start(self) -> None:
        self.app = build_application(self.config, request=self.api, updates_request=FakeBotAPI(),
                                     env=self.env)
        await self.app.initialize()
        if self.app.post_init:
            await self.app.post_init(self.app)
        await self.app.start()
        self._baseline_tasks = asyncio.all_tasks()

    async def stop(self) -> None:
        if self.app is None:
            return
        await self.app.stop()
        if self.app.post_shutdown:
            await self.app.post_shutdown(self.app)
        await self.app.shutdown()
        self.app = None

    async def restart(self) -> None:
        await self.stop()
        await self.start()

    # --- building updates -------------------------------------------------------------
    def message_json(self, text: str | None = None, *, chat_id: int = PRIVATE_CHAT,
                     user_id: int = OWNER_ID, first_name: str = "Rina",
                     message_id: int | None = None, caption: str | None = None,
                     forward_origin: dict[str, Any] | None = None,
                     extra: dict[str, Any] | None = None, thread_id: int | None = None,
                     forum: bool = False) -> dict[str, Any]:
        """A message as Telegram sends it; `forum` makes the group a forum supergroup and
        `thread_id` puts the message in that topic (no thread id: the General topic)."""
        chat: dict[str, Any] = (
            {"id": chat_id, "type": "private", "first_name": first_name} if chat_id > 0
            else {"id": chat_id, "type": "supergroup", "title": "Team <b>&"})
        if forum or thread_id is not None:
            chat["is_forum"] = True
        message: dict[str, Any] = {
            "message_id": message_id if message_id is not None else next(self._message_ids),
            "date": int(time.time()), "chat": chat, "from": user_json(user_id, first_name),
        }
        if text is not None:
            message["text"] = text
            if text.startswith("/"):
                command = text.split()[0]
                message["entities"] = [{"type": "bot_command", "offset": 0, "length": len(command)}]
        if caption is not None:
            message["caption"] = caption
            message["photo"] = [{"file_id": "p", "file_unique_id": "pu", "width": 1, "height": 1}]
        if forward_origin is not None:
            message["forward_origin"] = forward_origin
        if thread_id is not None:  # Telegram also makes it a reply to the topic's first message
            message.update(message_thread_id=thread_id, is_topic_message=True, reply_to_message={
                "message_id": thread_id, "date": message["date"], "chat": chat,
                "message_thread_id": thread_id, "is_topic_message": True,
                "forum_topic_created": {"name": f"topic {thread_id}", "icon_color": 7322096}})
        message.update(extra or {})
        return message

    async def process(self, payload: dict[str, Any]) -> list[Call]:
        """Process one update and wait for non-blocking handlers it started; returns new calls."""
        assert self.app is not None
        before_calls = len(self.api.calls)
        before_tasks = asyncio.all_tasks()
        update = Update.de_json({"update_id": next(self._update_ids), **payload}, self.app.bot)
        await self.app.process_update(update)
        spawned = asyncio.all_tasks() - before_tasks - {asyncio.current_task()}
        if spawned:
            await asyncio.gather(*spawned)
        return self.api.calls[before_calls:]

    async def send(self, text: str | None = None, *, settle: bool = True,
                   **kwargs: Any) -> list[Call]:
        """Send a message; with `settle`, also wait until pending paste fragments are stored."""
        before = len(self.api.calls)
        await self.process({"message": self.message_json(text, **kwargs)})
        if settle:
            await self.settle()
        return self.api.calls[before:]

    async def send_document(self, name: str, data: bytes, *, caption: str | None = None,
                            file_size: int | None = None, state_size: bool = True,
                            **kwargs: Any) -> list[Call]:
        """Upload `data` to the fake Bot API and send it as a document message; with
        `state_size=False` the message leaves out file_size, as Telegram sometimes does."""
        file_id = f"doc{len(self.api.files) + 1}"
        self.api.files[file_id] = data
        document = {"file_id": file_id, "file_unique_id": f"u-{file_id}", "file_name": name,
                    "file_size": len(data) if file_size is None else file_size}
        if not state_size:
            del document["file_size"]
        extra = {"document": document, **({"caption": caption} if caption else {})}
        return await self.send(extra=extra, **kwargs)

    async def settle(self) -> None:
        """Wait for the debounce jobs (paste stitching, then the burst acknowledgement) to run."""
        assert self.app is not None and self.app.job_queue is not None
        queue = self.app.job_queue

        def idle() -> bool:
            running = asyncio.all_tasks() - self._baseline_tasks - {asyncio.current_task()}
            pending = any((j.name or "").startswith(("paste:", "ack:")) for j in queue.jobs())
            return not running and not pending

        for _ in range(2):  # idle twice in a row: a job may be between two awaits
            await self.wait_for(idle)
            await asyncio.sleep(0.01)

    async def press(self, data: str, *, chat_id: int = PRIVATE_CHAT,
                    user_id: int = OWNER_ID, thread_id: int | None = None) -> list[Call]:
        message = self.message_json("buttons", chat_id=chat_id, user_id=user_id, thread_id=thread_id)
        message["from"] = {"id": 7000001, "is_bot": True, "first_name": "Baton",
                           "username": BOT_USERNAME}
        return await self.process({"callback_query": {
            "id": str(next(self._update_ids)), "from": user_json(user_id), "chat_instance": "ci",
            "data": data, "message": message}})

    # --- reading what the bot did -----------------------------------------------------
    def sent(self, method: str = "sendMessage") -> list[Call]:
        return [c for c in self.api.calls if c.method == method]

    async def wait_for(self, predicate: Callable[[], bool], timeout: float = 3.0) -> None:
        deadline = time.monotonic() + timeout
        while not predicate():
            if time.monotonic() > deadline:
                raise AssertionError("condition not met in time")
            await asyncio.sleep(0.01)


@asynccontextmanager
async def running(harness: Harness) -> AsyncIterator[Harness]:
    """`harness` started for a fixture to yield; stopped after, and no Bot API call it made
    may have been malformed."""
    await harness.start()
    try:
        yield harness
    finally:
        await harness.stop()
        assert not harness.api.errors, harness.api.errors


def stored_turns(db_path: Path) -> list[tuple[Any, ...]]:
    """(role, author, source, text) of every stored turn, straight from the SQLite file."""
    with sqlite3.connect(db_path) as conn:
        return conn.execute("SELECT role, author, source, text FROM turns ORDER BY id").fetchall()


async def open_session(baton: Harness, chat_id: int = PRIVATE_CHAT, name: str = "Shop") -> None:
    await baton.send(f"/newproject {name}", chat_id=chat_id)
    await baton.send("/startsession", chat_id=chat_id)


def texts(calls: list[Call]) -> list[str]:
    return [c.text for c in calls if c.method in ("sendMessage", "sendDocument", "editMessageText")]


def with_access(config: Config, **access: Any) -> Config:
    return replace(config, access=AccessConfig(**access))
