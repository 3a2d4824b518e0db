"""What groups capture and how they are told: private chats keep every message and get
one reply per burst; groups keep what `[capture] groups` says and are acknowledged as
`[capture] group_ack` says, so a busy team chat is not filled with "✓ Saved" replies."""
from __future__ import annotations

import time
from typing import Literal

from service.capture import CaptureState

AckStyle = Literal["reply", "reaction", "summary", "none"]


def is_group(chat_id: int) -> bool:
    """Telegram gives users positive ids, groups and supergroups negative ones."""
    return chat_id < 0


def keeps(chat_id: int, groups: str, *, forwarded: bool, to_bot: bool) -> bool:
    """Whether a text message is captured: everything in a private chat; in a group,
    with `[capture] groups = "forwards"`, only forwards and replies to the bot (documents
    and /note are kept by their own handlers), with "all" everything."""
    return not is_group(chat_id) or groups == "all" or forwarded or to_bot


def ack_style(chat_id: int, group_ack: str) -> AckStyle:
    """How a burst is acknowledged: one reply in a private chat; in a group, as
    `[capture] group_ack` says (a reaction per message, a summary, or nothing)."""
    if not is_group(chat_id):
        return "reply"
    if group_ack == "reaction":
        return "reaction"
    return "summary" if group_ack == "summary" else "none"


def ack_delay(state: CaptureState, style: AckStyle, quiet_s: float, every_s: float,
              now: float | None = None) -> float:
    """Seconds until the burst is acknowledged: once it has been quiet for `quiet_s`, and
    a group's summary no sooner than `every_s` after its previous one."""
    if style != "summary" or state.summarized_at is None:
        return quiet_s
    now = time.monotonic() if now is None else now
    return max(quiet_s, state.summarized_at + every_s - now)


def summarized(state: CaptureState, now: float | None = None) -> None:
    """A group's summary was sent: the next waits `group_ack_every_s` from now."""
    state.summarized_at = time.monotonic() if now is None else now



def continues_paste(state: CaptureState, thread_id: int | None, user_id: int,
                    message_id: int) -> bool:
    """The next part of a paste being kept: Telegram splits a long reply to the bot into
    several messages, and only the first of them is a reply."""
    buffer = state.pastes.get((thread_id or 0, user_id))
    return buffer is not None and buffer.continues_with(message_id)
