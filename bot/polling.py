"""Running the bot: long polling that confirms an update to Telegram only once what it
carried is stored, and a stop (SIGTERM, SIGINT) that stores everything pending.

PTB's own `run_polling` fetches the next batch while the last one is still being handled,
and the next getUpdates offset confirms the earlier updates whatever became of them: a
crash then loses messages Telegram was told had arrived. Here a batch is handled, the
turn writer drained (typed fragments are stored by their handler), and only then does
the offset move past it.
"""
from __future__ import annotations

import asyncio
import logging
import signal
import time
from typing import Any

from telegram import Update
from telegram.error import BadRequest, InvalidToken, NetworkError, TelegramError

from handlers.context import BatonApp

log = logging.getLogger(__name__)
POLL_TIMEOUT_S = 30  # Telegram holds a getUpdates call open this long when there is nothing
READ_SLACK_S = 10.0  # the HTTP read waits this much longer than the long poll itself
RETRY_FIRST_S = 1.0  # after a failed getUpdates; doubles up to RETRY_MAX_S
RETRY_MAX_S = 30.0


class Outage:
    """One log line when Telegram becomes unreachable and one when it is back, however
    many calls fail in between."""

    def __init__(self, first_s: float = RETRY_FIRST_S) -> None:
        self.since: float | None = None
        self.first_s = first_s
        self.delay = first_s

    def failed(self, exc: Exception) -> float:
        """Note a failure; returns how long to wait before the next try."""
        if self.since is None:
            self.since = time.monotonic()
            log.warning("Telegram unreachable (%s); retrying quietly", exc)
        delay = self.delay
        self.delay = min(self.delay * 2, RETRY_MAX_S)
        return delay

    def ok(self) -> None:
        if self.since is not None:
            log.warning("Telegram reachable again after %.0f s", time.monotonic() - self.since)
        self.since = None
        self.delay = self.first_s


async def _wait(stop: asyncio.Event, seconds: float) -> None:
    try:
        await asyncio.wait_for(stop.wait(), seconds)
    except TimeoutError:
        pass


async def _fetch(app: BatonApp, offset: int | None, stop: asyncio.Event,
                 timeout: int) -> tuple[Update, ...] | None:
    """The next batch, or None when the stop came first (nothing fetched is confirmed)."""
    fetch = asyncio.ensure_future(app.bot.get_updates(
        offset=offset, timeout=timeout, allowed_updates=Update.ALL_TYPES,
        read_timeout=timeout + READ_SLACK_S))
    stopped = asyncio.ensure_future(stop.wait())
    try:
        await asyncio.wait({fetch, stopped}, return_when=asyncio.FIRST_COMPLETED)
    finally:
        stopped.cancel()
    if not fetch.done():
        fetch.cancel()
        await asyncio.gather(fetch, return_exceptions=True)
        return None
    return fetch.result()


async def poll(app: BatonApp, stop: asyncio.Event, timeout: int = POLL_TIMEOUT_S,
               retry_s: float = RETRY_FIRST_S) -> None:
    """Fetch, handle and store batches until `stop` is set; then confirm what was handled."""
    offset: int | None = None
    outage = Outage(retry_s)
    while not stop.is_set():
        try:
            updates = await _fetch(app, offset, stop, timeout)
        except InvalidToken:
            raise
        except BadRequest as exc:  # a request of ours Telegram refuses: a bug, not an outage
            log.error("getUpdates refused: %s", exc)
            await _wait(stop, outage.failed(exc))
            continue
        except TelegramError as exc:  # NetworkError, TimedOut, RetryAfter, Conflict
            await _wait(stop, outage.failed(exc))
            continue
        if updates is None:
            break
        outage.ok()
        for update in updates:
            await app.process_update(update)
        runtime = app.bot_data.runtime
        if runtime is not None:
            await runtime.drain()
        if updates:
            offset = updates[-1].update_id + 1
    if offset is not None:  # pass the offset once more so the last batch is not redelivered
        try:
            await app.bot.get_updates(offset=offset, timeout=0, limit=1)
        except (NetworkError, TelegramError) as exc:
            log.warning("could not confirm the last updates (%s); they may come again", exc)


async def serve(app: BatonApp, stop: asyncio.Event | None = None,
                retry_s: float = RETRY_FIRST_S) -> None:
    """Start the Application, poll until SIGTERM/SIGINT (or until the caller's `stop`),
    then stop cleanly: what is pending is stored before the process ends."""
    if stop is None:
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, stop.set)
    await app.initialize()
    try:
        if app.post_init:
            await app.post_init(app)
        await app.bot.delete_webhook()
        await app.start()
        await poll(app, stop, retry_s=retry_s)
    finally:
        await _shut(app)


async def _shut(app: Any) -> None:
    if app.running:
        await app.stop()
    if app.post_shutdown:
        await app.post_shutdown(app)
    await app.shutdown()
