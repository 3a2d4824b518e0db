"""Reply helpers: HTML escaping, splitting under Telegram's limit, sending documents."""
from __future__ import annotations

import asyncio
import html
import logging
import re
import unicodedata
import warnings
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import timedelta

from telegram import InputFile, Message, Update
from telegram.constants import MessageLimit, ParseMode
from telegram.error import BadRequest, NetworkError, RetryAfter, TelegramError
from telegram.warnings import PTBDeprecationWarning

MAX_TEXT = MessageLimit.MAX_TEXT_LENGTH  # 4096


def esc(text: object) -> str:
    return html.escape(str(text), quote=False)


def split_message(text: str, limit: int = MAX_TEXT) -> list[str]:
    """Split at line boundaries so no part exceeds `limit`; a single over-long line is cut."""
    parts: list[str] = []
    current = ""
    for line in text.split("\n"):
        while len(line) > limit:
            if current:
                parts.append(current)
                current = ""
            parts.append(line[:limit])
            line = line[limit:]
        candidate = f"{current}\n{line}" if current else line
        if len(candidate) > limit:
            parts.append(current)
            current = line
        else:
            current = candidate
    if current or not parts:
        parts.append(current)
    return parts


async def reply(update: Update, text: str) -> Message | None:
    """Reply in HTML (the caller escapes user text) in as many messages as needed."""
    message = update.effective_message
    if message is None:
        return None
    sent: Message | None = None
    for part in split_message(text):
        sent = await message.reply_text(part, parse_mode=ParseMode.HTML,
                                        disable_web_page_preview=True, do_quote=False)
    return sent


def slug(name: str) -> str:
    ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    cleaned = re.sub(r"[^a-z0-9]+", "-", ascii_name.lower()).strip("-")
    return cleaned[:40].strip("-") or "project"


SEND_ATTEMPTS = 5  # tries in all for one document: 4 waits of 1 + 2 + 4 + 8 s at most
BACKOFF_BASE_S = 1.0  # the first wait after a 5xx or a dropped connection; doubles each time
BACKOFF_MAX_S = 30.0  # no single wait is longer
RETRY_AFTER_MAX_S = 60.0  # a 429 asking for longer than this is not waited out in a handler

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Backoff:
    """How a document send is retried. Held on BotData so tests can record the waits
    (`sleep`) instead of sleeping them."""

    attempts: int = SEND_ATTEMPTS
    base_s: float = BACKOFF_BASE_S
    max_s: float = BACKOFF_MAX_S
    retry_after_max_s: float = RETRY_AFTER_MAX_S
    sleep: Callable[[float], Awaitable[None]] = asyncio.sleep

    def wait_s(self, error: TelegramError, failures: int) -> float | None:
        """Seconds to wait after the `failures`-th transient failure, or None: give up."""
        if failures >= self.attempts:
            return None
        if isinstance(error, RetryAfter):
            asked = _retry_after_s(error)
            return asked if asked <= self.retry_after_max_s else None
        return min(self.base_s * 2 ** (failures - 1), self.max_s)


def _retry_after_s(error: RetryAfter) -> float:
    with warnings.catch_warnings():  # PTB 22 warns that the int form will become a timedelta
        warnings.simplefilter("ignore", PTBDeprecationWarning)
        value = error.retry_after
    return value.total_seconds() if isinstance(value, timedelta) else float(value)


def is_transient(error: TelegramError) -> bool:
    """5xx, 429 and dropped or timed-out connections pass; a 400 (BadRequest subclasses
    NetworkError) is a bug that sending again would repeat."""
    return isinstance(error, RetryAfter) or (
        isinstance(error, NetworkError) and not isinstance(error, BadRequest))


async def send_document(update: Update, filename: str, content: str | bytes, caption: str,
                        *, backoff: Backoff | None = None) -> bool:
    """Send document-like output as a file with a short HTML preview as its caption.

    Transient failures are retried per `backoff`; False when they outlasted it, so the
    caller can say how to get the file later. Other errors (400, 403) propagate. A timeout
    after the upload may mean Telegram got the file: it is sent again rather than lost."""
    message = update.effective_message
    if message is None:
        return False
    policy = backoff or Backoff()
    data = content.encode("utf-8") if isinstance(content, str) else content
    failures = 0
    while True:
        try:
            await message.reply_document(
                document=InputFile(data, filename=filename),
                caption=caption,
                parse_mode=ParseMode.HTML,
                do_quote=False,
            )
            return True
        except TelegramError as error:
            if not is_transient(error):
                raise
            failures += 1
            wait = policy.wait_s(error, failures)
            if wait is None:
                log.warning("could not send %s to chat %s after %d attempts: %s",
                            filename, message.chat_id, failures, error)
                return False
            log.debug("sending %s failed (%s); retrying in %.1f s", filename, error, wait)
            await policy.sleep(wait)
