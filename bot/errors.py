"""The error handler: full traceback to the log, one calm sentence to the user."""
from __future__ import annotations

import logging

from telegram import Update
from telegram.error import Forbidden, NetworkError

from handlers.context import Context

log = logging.getLogger(__name__)
SORRY = "Sorry, something went wrong on my side; what you sent before is safe, please try again."


async def on_error(update: object, context: Context) -> None:
    log.error("error while handling an update", exc_info=context.error)
    if isinstance(context.error, (Forbidden, NetworkError)):
        return  # the user blocked us or Telegram is unreachable: a reply would fail too
    if isinstance(update, Update) and update.effective_chat is not None:
        try:
            await context.bot.send_message(update.effective_chat.id, SORRY)
        except Exception:  # noqa: BLE001 - never raise from the error handler
            log.warning("could not tell the user about the error", exc_info=True)
