"""People own their data: /export, /sessions, /rename and /forget; /deleteproject and /cancel,
which ask first, are in handlers.confirm_commands (re-exported here for the wiring).

Each parses the update, calls its use case (service.export, service.session_admin,
service.chat_projects, service.forgetting) and words the answer.
"""
from __future__ import annotations

import os
import tempfile
from datetime import UTC, datetime

from telegram import InputFile, Update

from handlers.common import chat_id, command_args, no_project, thread_id
from handlers.confirm_commands import CONFIRM_PREFIX, cancel, confirm_button, delete_project, plural
from handlers.context import Context
from handlers.permissions import GROUPS_ONLY_ADMINS, forgetter_check, manager_check
from handlers.replies import MAX_TEXT, esc, reply
from handlers.sink import forget_target
from service import chat_projects, forgetting, session_admin
from service.export import write_export
from service.session_admin import SessionEntry

__all__ = ["CONFIRM_PREFIX", "cancel", "confirm_button", "delete_project", "export", "forget",
           "list_sessions", "rename"]

UPLOAD_LIMIT_BYTES = 50 * 1024 * 1024  # the largest file a bot may send
SESSIONS_TEXT_CHARS = MAX_TEXT - 200  # /sessions stays one message, with room to spare
SESSION_SUMMARY_CHARS = 80  # objectives or notes shown per session
OUTCOME_WORDS = {"active": "open", "completed": "completed", "cancelled": "cancelled"}


# --- /export ----------------------------------------------------------------------------

async def export(update: Update, context: Context) -> None:
    message = update.effective_message
    assert message is not None
    chat = chat_id(update)
    with tempfile.TemporaryFile() as spool:
        summary = await write_export(context.bot_data.database, chat, spool)
        if summary.projects == 0:
            await reply(update, "This chat has no projects to export yet.")
            return
        size = os.fstat(spool.fileno()).st_size
        if size > UPLOAD_LIMIT_BYTES:
            await reply(update, f"The export is {size / 2**20:.0f} MB, more than the 50 MB a bot "
                                f"may send: run <code>baton export --db FILE --chat {chat}</code> "
                                "where the bot runs instead.")
            return
        spool.seek(0)
        day = datetime.now(UTC).strftime("%Y-%m-%d")
        caption = (f"Your data: {plural(summary.projects, 'project')}, "
                   f"{plural(summary.sessions, 'session')}, {plural(summary.turns, 'turn')}, "
                   f"{plural(summary.handoffs, 'handoff')}. Each project is a folder with "
                   "project.json, turns.jsonl and its handoffs as .md.")
        await message.reply_document(document=InputFile(spool, filename=f"baton-export-{day}.zip"),
                                     caption=caption, do_quote=False)


# --- /rename ----------------------------------------------------------------------------

async def rename(update: Update, context: Context) -> None:
    done = await chat_projects.rename_active(context.bot_data.database, chat_id(update),
                                             command_args(update), manager_check(update, context),
                                             thread_id(update))
    match done.outcome:
        case "no_project":
            text = no_project(thread_id(update))
        case "no_name":
            text = "Give the new name, like <code>/rename Shop API v2</code>."
        case "name_too_long":
            text = (f"That name is {len(done.new)} characters long; keep it to "
                    f"{done.limit} or fewer.")
        case "has_separator":
            text = "A project name cannot contain “|” (it starts the description in /newproject)."
        case "not_allowed":
            text = GROUPS_ONLY_ADMINS
        case "duplicate":
            text = f"This chat already has a project called <b>{esc(done.new)}</b>; pick another name."
        case "renamed":
            forget_target(context.chat_data)
            text = f"Renamed <b>{esc(done.old)}</b> to <b>{esc(done.new)}</b>."
    await reply(update, text)


# --- /sessions --------------------------------------------------------------------------

def _clip(text: str, limit: int) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[:limit - 1].rstrip() + "…"


def session_line(entry: SessionEntry) -> str:
    started, ended = entry.started_at[:10], (entry.completed_at or "")[:10]
    dates = started if not ended or ended == started else f"{started} → {ended}"
    outcome = OUTCOME_WORDS.get(entry.status, entry.status)
    if entry.has_handoff:
        outcome += ", handoff"
    line = f"<b>#{entry.number}</b> · {dates} · {outcome} · {plural(entry.turns, 'turn')}"
    return line + (f" · {esc(_clip(entry.about, SESSION_SUMMARY_CHARS))}" if entry.about.strip() else "")


async def list_sessions(update: Update, context: Context) -> None:
    listed = await session_admin.list_sessions(context.bot_data.database, chat_id(update),
                                               thread_id(update))
    if listed.outcome == "no_project":
        await reply(update, no_project(thread_id(update)))
        return
    project, summaries = esc(listed.project), listed.sessions
    if not summaries:
        await reply(update, f"<b>{project}</b> has no sessions yet: start one with /startsession.")
        return
    lines = [f"<b>{project}</b> — {plural(len(summaries), 'session')}, newest first"]
    used = len(lines[0])
    shown = 0
    for summary in reversed(summaries):
        line = session_line(summary)
        if used + len(line) + 1 > SESSIONS_TEXT_CHARS:
            break
        lines.append(line)
        used += len(line) + 1
        shown += 1
    if shown < len(summaries):
        lines.append(f"… and {plural(len(summaries) - shown, 'earlier session')}: /export has them all.")
    await reply(update, "\n".join(lines))


# --- /forget ----------------------------------------------------------------------------

async def forget(update: Update, context: Context) -> None:
    message = update.effective_message
    assert message is not None
    target = message.reply_to_message
    if target is not None and target.forum_topic_created is not None:
        target = None  # in a forum topic every message "replies" to the topic's first one
    if target is None:
        await reply(update, "Reply /forget to the message you want me to forget.")
        return
    done = await forgetting.forget_message(
        context.bot_data.database, chat_id(update), target.message_id,
        target.text or target.caption or "", context.bot_data.capture.max_paste_parts,
        forgetter_check(update, context, target))
    if done.outcome == "nothing_stored":
        await reply(update, "Nothing was stored for that message.")
        return
    if done.outcome == "not_allowed":
        await reply(update, "In a group, only the message's sender, the admins and the "
                            "project's creator can make me forget it.")
        return
    text = (f"Forgot that message: {plural(done.removed, 'turn')} removed from session "
            f"{done.number} of <b>{esc(done.project)}</b>.")
    if done.quoted:
        text += (f" {plural(done.quoted, 'stored handoff')} still quote it; /deleteproject removes "
                 "those too.")
    await reply(update, text)
