"""Run a job once, a quiet interval after the *last* of a burst of calls.

Removing and re-adding a JobQueue job per message costs more than storing the message;
instead one job per name stays scheduled, and when it fires early (more calls came in)
it reschedules itself for the rest of the interval.
"""
from __future__ import annotations

import time
from typing import Any, Awaitable, Callable

from handlers.context import Context

Callback = Callable[[Context, Any], Awaitable[None]]
_KEY = "debounce"  # chat_data[_KEY][name] = [deadline, callback, data]


def _pending(context: Context) -> dict[str, list[Any]]:
    assert context.chat_data is not None
    return context.chat_data.setdefault(_KEY, {})


def debounce(context: Context, name: str, delay: float, chat_id: int, callback: Callback,
             data: Any) -> None:
    """Call `callback(context, data)` once `delay` seconds pass with no new call for `name`."""
    pending = _pending(context)
    deadline = time.monotonic() + delay
    entry = pending.get(name)
    if entry is not None:
        entry[0], entry[1], entry[2] = deadline, callback, data
        return
    pending[name] = [deadline, callback, data]
    assert context.job_queue is not None, "install python-telegram-bot[job-queue]"
    context.job_queue.run_once(_fire, delay, chat_id=chat_id, name=name)


def cancel(context: Context, name: str) -> None:
    """Forget a pending call (its job, when it fires, finds nothing to do)."""
    _pending(context).pop(name, None)


async def _fire(context: Context) -> None:
    job = context.job
    assert job is not None and job.name is not None and context.job_queue is not None
    pending = _pending(context)
    entry = pending.get(job.name)
    if entry is None:
        return
    remaining = entry[0] - time.monotonic()
    if remaining > 0.001:
        context.job_queue.run_once(_fire, remaining, chat_id=job.chat_id, name=job.name)
        return
    del pending[job.name]
    await entry[1](context, entry[2])
