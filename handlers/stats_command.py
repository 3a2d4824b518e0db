"""/stats: measured numbers for the active project, formatted for a phone screen."""
from __future__ import annotations

from datetime import UTC, datetime

from telegram import Update

from handlers.common import chat_id, no_project, thread_id
from handlers.context import Context
from handlers.replies import esc, reply
from service.stats_report import StatsReport, active_project_stats

MAX_MEMBER_LINES = 10  # a phone screen's worth; the rest are counted in one line


def ago(iso: str, now: datetime) -> str:
    seconds = max(0, int((now - datetime.fromisoformat(iso)).total_seconds()))
    for unit, size in (("d", 86400), ("h", 3600), ("min", 60)):
        if seconds >= size:
            return f"{seconds // size} {unit} ago"
    return "just now"


def _counts(counts: dict[str, int]) -> str:
    return ", ".join(f"{name} {n:,}" for name, n in sorted(counts.items(), key=lambda kv: -kv[1]))


def _plural(n: int, noun: str) -> str:
    return f"{n:,} {noun}{'' if n == 1 else 's'}"


def member_lines(report: StatsReport) -> list[str]:
    """One line per member (the first MAX_MEMBER_LINES), most turns first."""
    members = report.members
    lines = ["Members:"]
    for m in members[:MAX_MEMBER_LINES]:
        lines.append(f"• {esc(m.name)}: {_plural(m.turns, 'turn')}, {_plural(m.words, 'word')}; "
                     f"sessions {m.started} started, {m.completed} completed")
    if len(members) > MAX_MEMBER_LINES:
        lines.append(f"• and {len(members) - MAX_MEMBER_LINES} more")
    return lines


def format_stats(report: StatsReport, now: datetime) -> str:
    stats, usage = report.numbers, report.usage
    lines = [f"📊 <b>{esc(report.project)}</b>",
             f"Sessions: {stats.sessions_completed} completed, {stats.sessions_active} active"]
    if stats.turns:
        lines.append(f"Turns: {stats.turns:,} ({_counts(stats.turns_by_role)})")
        lines.append(f"Sources: {_counts(stats.turns_by_source)}")
    else:
        lines.append("Turns: none captured yet")
    lines.append(f"Words captured: {stats.words:,}")
    if report.members:
        lines += member_lines(report)
    lines.append(f"Handoffs: {stats.handoffs_final} final, {stats.handoffs_draft} draft")
    if stats.avg_handoff_words is not None and stats.avg_source_words:
        share = 100 * stats.avg_handoff_words / stats.avg_source_words
        lines.append(f"Average handoff: {stats.avg_handoff_words:,.0f} words for "
                     f"{stats.avg_source_words:,.0f}-word sessions ({share:.0f}%)")
    if usage is not None and usage.generations:
        approx = " (some estimated)" if usage.estimated else ""
        fell = f"; {usage.fallbacks} fell back to extractive" if usage.fallbacks else ""
        lines.append(f"Model: {usage.calls:,} calls, {usage.tokens_in:,} tokens in, "
                     f"{usage.tokens_out:,} out{approx} over {usage.generations} handoffs{fell}")
    if stats.last_activity:
        lines.append(f"Last session activity: {ago(stats.last_activity, now)}")
    return "\n".join(lines)


async def stats(update: Update, context: Context) -> None:
    report = await active_project_stats(context.bot_data.database, chat_id(update), thread_id(update))
    await reply(update, no_project(thread_id(update)) if report is None
                else format_stats(report, datetime.now(UTC)))
