"""Run a job once, a quiet interval after the *last* of a burst of calls.

Removing and re-adding a JobQueue job per message costs more than storing the message;
instead one job per name stays scheduled, and when it fires early (more calls came in)
it reschedules itself for the rest of the interval.
"""
from __future__ import annotations

import time
from typing import Any

from telegram.ext import JobQueue

from handlers.context import Callback, ChatData, Context, Debounced

DUE_SLACK_S = 0.001  # a job firing this close to its deadline runs rather than waits again


def _pending(chat_data: ChatData | None) -> dict[str, Debounced]:
    assert chat_data is not None
    return chat_data.debounced


def debounce(chat_data: ChatData | None, job_queue: JobQueue[Any] | None, name: str,
             delay: float, chat_id: int, callback: Callback, data: Any) -> None:
    """Call `callback(context, data)` once `delay` seconds pass with no new call for `name`.

    Takes the chat's data and the job queue rather than a context, so code that runs
    outside a handler (the turn writer's hook) can use it too."""
    pending = _pending(chat_data)
    deadline = time.monotonic() + delay
    entry = pending.get(name)
    if entry is not None:
        entry.deadline, entry.callback, entry.data = deadline, callback, data
        return
    pending[name] = Debounced(deadline, callback, data)
    assert job_queue is not None, "install python-telegram-bot[job-queue]"
    job_queue.run_once(_fire, delay, chat_id=chat_id, name=name)


def cancel(context: Context, name: str) -> None:
    """Forget a pending call (its job, when it fires, finds nothing to do)."""
    _pending(context.chat_data).pop(name, None)


async def _fire(context: Context) -> None:
    job = context.job
    assert job is not None and job.name is not None and context.job_queue is not None
    pending = _pending(context.chat_data)
    entry = pending.get(job.name)
    if entry is None:
        return
    remaining = entry.deadline - time.monotonic()
    if remaining > DUE_SLACK_S:
        context.job_queue.run_once(_fire, remaining, chat_id=job.chat_id, name=job.name)
        return
    del pending[job.name]
    await entry.callback(context, entry.data)
