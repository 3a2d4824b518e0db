"""Telling errors apart: a bug is logged with the request that failed and answered in one
sentence; a chat that blocked or removed the bot is marked unreachable and left alone; a
network hiccup is one warning line. Only what nobody expected gets a traceback."""
from __future__ import annotations

import logging
import time
from collections.abc import Callable, Coroutine
from typing import Any

from telegram import InputFile, Update
from telegram.error import BadRequest, Forbidden, NetworkError, RetryAfter, TelegramError
from telegram.ext import BaseRateLimiter

from handlers.context import Context

log = logging.getLogger(__name__)
SORRY = "Sorry, something went wrong on my side; what you sent before is safe, please try again."
BUG = ("Sorry, Telegram refused my answer because of a bug on my side (it is logged); "
       "what you sent before is safe.")
BUTTON_FAILED = "Sorry, that did not work; please try again."
SHOWN_PARAM_CHARS = 80  # how much of each request parameter a BadRequest log line shows
# BadRequests that are not bugs: a late or repeated button answer, an edit that changes nothing.
HARMLESS_BAD_REQUESTS = ("query is too old", "query id is invalid", "message is not modified")
# Libraries whose INFO lines are chatter (APScheduler: two per job run; httpx: every request
# URL, and Bot API URLs contain the token). The rate limiter logs a RetryAfter it gives up on
# with a traceback; the error handler reports that in one line instead.
QUIET_LOGGERS: dict[str, int] = {
    "httpx": logging.WARNING,
    "apscheduler": logging.WARNING,
    "telegram.ext.AIORateLimiter": logging.CRITICAL,
}


def quiet_noisy_loggers() -> None:
    """Raise the level of the loggers in QUIET_LOGGERS; `run_bot` calls it once."""
    for name, level in QUIET_LOGGERS.items():
        logging.getLogger(name).setLevel(level)


class ChatUnreachable(Forbidden):
    """Raised instead of sending to a chat that blocked or removed the bot."""


class Blocked(Forbidden):
    """Telegram's 403 for a send, with the chat it was for (the update's chat may differ,
    e.g. in a job), so the error handler marks the right one."""

    def __init__(self, message: str, chat_id: int) -> None:
        super().__init__(message)
        self.chat_id = chat_id

    def __reduce__(self) -> tuple[type, tuple[str, int]]:  # type: ignore[override]
        return type(self), (self.message, self.chat_id)


def describe_request(endpoint: str, data: dict[str, Any]) -> str:
    """`sendMessage(chat_id=1, text='…' (12000 chars))`: enough to find the bug, short."""
    shown = []
    for key, value in data.items():
        if isinstance(value, InputFile):
            text = f"<file {value.filename}>"
        elif isinstance(value, str) and len(value) > SHOWN_PARAM_CHARS:
            text = f"{value[:SHOWN_PARAM_CHARS]!r}… ({len(value)} chars)"
        else:
            text = repr(value)
            if len(text) > SHOWN_PARAM_CHARS:
                text = f"{text[:SHOWN_PARAM_CHARS]}…"
        shown.append(f"{key}={text}")
    return f"{endpoint}({', '.join(shown)})"


def _chat_of(data: dict[str, Any]) -> int | None:
    try:
        return int(data["chat_id"])
    except (KeyError, TypeError, ValueError):
        return None  # no chat, or a channel's @username


class Reach(BaseRateLimiter[Any]):
    """Every Bot API call but getUpdates passes through the bot's rate limiter, so this is
    the one place that sees each send: it refuses sends to chats marked unreachable, names
    the chat in a 403, labels a 400 with the request that caused it, and logs an outage
    (sends failing with network errors) once when it starts and once when it ends. It wraps
    the real rate limiter (or none). The error handler sets the marks, and the access gate
    clears them, in BotData's set, which this shares."""

    def __init__(self, inner: BaseRateLimiter[Any] | None = None) -> None:
        self.inner = inner
        self.unreachable: set[int] = set()  # replaced by BotData's set once the app exists
        self.outage_since: float | None = None  # monotonic time of the first failed send
        self.outage_failures = 0

    async def initialize(self) -> None:
        if self.inner is not None:
            await self.inner.initialize()

    async def shutdown(self) -> None:
        if self.inner is not None:
            await self.inner.shutdown()

    async def process_request(
        self,
        callback: Callable[..., Coroutine[Any, Any, Any]],
        args: Any,
        kwargs: dict[str, Any],
        endpoint: str,
        data: dict[str, Any],
        rate_limit_args: Any,
    ) -> Any:
        chat = _chat_of(data)
        if chat is not None and chat in self.unreachable:
            raise ChatUnreachable(f"not sending {endpoint} to chat {chat}: it blocked or "
                                  "removed the bot")
        try:
            if self.inner is None:
                result = await callback(*args, **kwargs)
            else:
                result = await self.inner.process_request(callback, args, kwargs, endpoint,
                                                          data, rate_limit_args)
        except Forbidden as exc:
            self._answered()
            if chat is None or isinstance(exc, Blocked):
                raise
            raise Blocked(exc.message, chat) from exc
        except BadRequest as exc:  # before NetworkError, which it subclasses
            self._answered()
            exc.add_note(describe_request(endpoint, data))
            raise
        except NetworkError as exc:
            self._failed(endpoint, exc)
            raise
        except RetryAfter:
            self._answered()
            raise
        self._answered()
        return result

    def _failed(self, endpoint: str, error: NetworkError) -> None:
        self.outage_failures += 1
        if self.outage_since is None:
            self.outage_since = time.monotonic()
            log.warning("Telegram unreachable (%s: %s); further failures are not logged until "
                        "it answers again", endpoint, error.message)

    def _answered(self) -> None:
        if self.outage_since is not None:
            log.info("Telegram answers again after %.0f s (%d requests failed)",
                        time.monotonic() - self.outage_since, self.outage_failures)
            self.outage_since = None
            self.outage_failures = 0


def _request_of(error: BaseException) -> str:
    notes = getattr(error, "__notes__", None)
    return notes[-1] if notes else "a request"


async def _tell(update: object, context: Context, text: str, button_text: str) -> None:
    """Answer a pressed button (so it stops spinning) and say `text` in the chat."""
    if not isinstance(update, Update):
        return
    try:
        if update.callback_query is not None:
            await update.callback_query.answer(button_text)
        elif update.effective_chat is not None:
            await context.bot.send_message(update.effective_chat.id, text)
    except TelegramError as exc:  # blocked, already answered, unreachable: nothing to add
        log.info("could not tell the user about the error: %s", exc)
    except Exception:  # noqa: BLE001 - never raise from the error handler
        log.exception("could not tell the user about the error")


async def on_error(update: object, context: Context) -> None:
    error = context.error
    if isinstance(error, ChatUnreachable):
        log.debug("%s", error)  # the mark was logged when Telegram refused the first send
    elif isinstance(error, Blocked):
        unreachable = context.bot_data.unreachable
        if error.chat_id not in unreachable:  # concurrent sends may all fail: one line
            unreachable.add(error.chat_id)
            log.warning("chat %s is unreachable (%s); sending it nothing until it writes "
                        "again", error.chat_id, error.message)
    elif isinstance(error, Forbidden):
        log.warning("Telegram refused a request: %s", error.message)
    elif isinstance(error, BadRequest):  # before NetworkError: BadRequest subclasses it
        if any(harmless in error.message.lower() for harmless in HARMLESS_BAD_REQUESTS):
            log.info("Telegram ignored %s: %s", _request_of(error), error.message)
            return
        log.error("Telegram refused %s: %s", _request_of(error), error.message, exc_info=error)
        await _tell(update, context, BUG, BUTTON_FAILED)
    elif isinstance(error, RetryAfter):
        log.warning("Telegram flood limit: %s; the answer was dropped", error.message)
    elif isinstance(error, NetworkError):  # TimedOut, 5xx, a dropped connection
        reach = context.bot.rate_limiter
        if isinstance(reach, Reach) and reach.outage_since is not None:
            log.debug("Telegram unreachable: %s", error.message)  # Reach logged the outage
        else:
            log.warning("Telegram unreachable: %s", error.message)
    else:
        log.error("error while handling an update", exc_info=error)
        await _tell(update, context, SORRY, BUTTON_FAILED)
