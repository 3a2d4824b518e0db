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

from telegram import InlineKeyboardMarkup, InputFile, Message, Update
from telegram.constants import MessageLimit, ParseMode
from telegram.error import BadRequest, NetworkError, RetryAfter, TelegramError
from telegram.warnings import PTBDeprecationWarning

MAX_TEXT = MessageLimit.MAX_TEXT_LENGTH  # 4096


def esc(text: object) -> str:
    return html.escape(str(text), quote=False)


_HTML_ATOM = re.compile(r"<[^<>]*>|&#?[0-9A-Za-z]+;")  # a tag or an entity: never cut
_TAG = re.compile(r"<(/?)([A-Za-z][A-Za-z0-9-]*)")
_ANY_TAG = re.compile(r"<[^<>]*>")


def _atoms(line: str) -> list[str]:
    """The line as runs of plain text (cut anywhere) and whole tags and entities."""
    atoms: list[str] = []
    pos = 0
    for match in _HTML_ATOM.finditer(line):
        if match.start() > pos:
            atoms.append(line[pos:match.start()])
        atoms.append(match.group())
        pos = match.end()
    if pos < len(line):
        atoms.append(line[pos:])
    return atoms


def _after(open_tags: list[tuple[str, str]], atom: str) -> list[tuple[str, str]]:
    """The (name, opening tag) stack once `atom` is passed."""
    tag = _TAG.match(atom) if atom.startswith("<") and atom.endswith(">") else None
    if tag is None:
        return open_tags
    closing, name = tag.group(1), tag.group(2).lower()
    if not closing:
        return [*open_tags, (name, atom)]
    for depth in range(len(open_tags) - 1, -1, -1):
        if open_tags[depth][0] == name:
            return open_tags[:depth]
    return open_tags  # a stray closing tag changes nothing


class _Parts:
    """Parts being filled; each closes the tags open at its end and the next reopens them."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self.done: list[str] = []
        self.body = ""
        self.open: list[tuple[str, str]] = []
        self.started = False  # something was added since the part began (a newline is due)
        self.has_content = False  # visible text: a part of bare tags is not sent

    def cost(self, extra: str, open_tags: list[tuple[str, str]]) -> int:
        return len(self.body) + len(extra) + sum(len(name) + 3 for name, _ in open_tags)

    def add(self, text: str, open_tags: list[tuple[str, str]]) -> None:
        self.body += text
        self.open = open_tags
        self.started = self.started or bool(text)
        self.has_content = self.has_content or bool(_ANY_TAG.sub("", text).strip())

    def flush(self) -> None:
        if self.has_content:
            self.done.append(self.body + "".join(f"</{name}>" for name, _ in reversed(self.open)))
        self.body = "".join(tag for _, tag in self.open)
        self.started = self.has_content = False

    def add_atoms(self, line: str) -> None:
        """A line too long for one part, cut between atoms and inside plain runs."""
        for atom in _atoms(line):
            if atom.startswith(("<", "&")) and _HTML_ATOM.fullmatch(atom):
                after = _after(self.open, atom)
                if self.cost(atom, after) > self.limit and self.has_content:
                    self.flush()
                self.add(atom, after)
                continue
            while atom:
                room = self.limit - self.cost("", self.open)
                if room <= 0 and self.has_content:
                    self.flush()
                    continue
                take = max(room, 1)  # always progress, even if reopened tags fill a part
                self.add(atom[:take], self.open)
                atom = atom[take:]


def split_message(text: str, limit: int = MAX_TEXT) -> list[str]:
    """Split HTML at line boundaries so no part exceeds `limit`; an over-long line is cut
    between tags and entities, never inside one. Tags open at a cut are closed at the end
    of the part and reopened at the start of the next, so every part is valid HTML."""
    parts = _Parts(limit)
    for line in text.split("\n"):
        after = parts.open
        for atom in _HTML_ATOM.findall(line):
            after = _after(after, atom)
        sep = "\n" if parts.started else ""
        if parts.cost(sep + line, after) <= limit:
            parts.add(sep + line, after)
            continue
        parts.flush()
        if parts.cost(line, after) <= limit:
            parts.add(line, after)
        else:
            parts.add_atoms(line)
    parts.flush()
    return parts.done or [""]


async def reply(update: Update, text: str,
                reply_markup: InlineKeyboardMarkup | None = None) -> Message | None:
    """Reply in HTML (the caller escapes user text) in as many messages as needed; the
    buttons go with the last one."""
    message = update.effective_message
    if message is None:
        return None
    parts = split_message(text)
    sent: Message | None = None
    for number, part in enumerate(parts, 1):
        sent = await message.reply_text(part, parse_mode=ParseMode.HTML,
                                        disable_web_page_preview=True, do_quote=False,
                                        reply_markup=reply_markup if number == len(parts) else None)
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
