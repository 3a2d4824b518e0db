"""Members of a group's projects: who started and who completed each session, recorded
around the commands that do it, since the session loop knows only the chat.

`/startsession` runs to its end before the next handler group, so its starter is named
right after it (`started`); `/complete` writes its handoff in the background, so its
completer is named on the open session just before (`completing`)."""
from __future__ import annotations

import copy

from service import capture as capture_service
from service.capture import CaptureState, Target
from service.runtime import Runtime
from storage import member_totals as member_store


async def started(rt: Runtime, chat_id: int, user_id: int, name: str) -> None:
    """`user_id`, who Telegram shows as `name`, may have just started a session here."""
    await member_store.name_starter(rt.db, chat_id, user_id, name)


async def completing(rt: Runtime, state: CaptureState, chat_id: int, thread_id: int | None,
                     user_id: int, name: str) -> None:
    """`/complete` from `user_id` is about to close the open session of the place (chat or
    topic), if there is one: it is completed by them."""
    nudged = copy.copy(state.nudged)  # finding the place's session is not telling anyone
    target = await capture_service.find_target(rt, state, chat_id, thread_id)
    state.nudged = nudged
    if isinstance(target, Target):
        await member_store.name_completer(rt.db, target.session_id, user_id, name)
