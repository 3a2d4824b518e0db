"""Reply helpers: HTML escaping, splitting under Telegram's limit, sending documents."""
from __future__ import annotations

import html
import re
import unicodedata

from telegram import InputFile, Message, Update
from telegram.constants import MessageLimit, ParseMode

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


async def send_document(update: Update, filename: str, content: str, caption: str) -> None:
    """Send document-like output as a file with a short HTML preview as its caption."""
    message = update.effective_message
    if message is None:
        return
    await message.reply_document(
        document=InputFile(content.encode("utf-8"), filename=filename),
        caption=caption,
        parse_mode=ParseMode.HTML,
        do_quote=False,
    )
