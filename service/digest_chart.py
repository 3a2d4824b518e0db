"""The digest's chart: turns per day in the period, stacked by member, as a small PNG.

Drawn with matplotlib's object API on an Agg canvas: no pyplot, so no global figure
state is shared between calls (or threads), and nothing needs closing."""
from __future__ import annotations

import io
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from storage.digest_schedules import Period, ProjectActivity

CHART_INCHES = (6.0, 3.0)
CHART_DPI = 100  # 600 x 300 pixels: readable on a phone, a few kB
MAX_MEMBERS = 6  # more members than this share one "others" bar segment
OTHERS = "others"
MAX_CHART_DAYS = 31  # a longer period (the bot was down for weeks) charts its last month


def top_members(per_member: dict[str, list[int]]) -> dict[str, list[int]]:
    """The MAX_MEMBERS busiest members, the rest summed as OTHERS."""
    ranked = sorted(per_member, key=lambda name: (-sum(per_member[name]), name))
    if len(ranked) <= MAX_MEMBERS:
        return {name: per_member[name] for name in ranked}
    kept = {name: per_member[name] for name in ranked[:MAX_MEMBERS - 1]}
    rest = [per_member[name] for name in ranked[MAX_MEMBERS - 1:]]
    kept[OTHERS] = [sum(day) for day in zip(*rest, strict=True)]
    return kept


def activity_chart(days: list[date], per_member: dict[str, list[int]], title: str) -> bytes:
    """A PNG of turns per day (one bar per day in `days`), stacked by member; each list in
    `per_member` holds one count per day."""
    figure = Figure(figsize=CHART_INCHES, dpi=CHART_DPI)
    FigureCanvasAgg(figure)
    axes = figure.add_subplot()
    positions = list(range(len(days)))
    bottom = [0] * len(days)
    for name, counts in top_members(per_member).items():
        axes.bar(positions, counts, bottom=bottom, label=name)
        bottom = [b + c for b, c in zip(bottom, counts, strict=True)]
    step = max(1, len(days) // 10)  # at most ten date labels
    axes.set_xticks(positions[::step], [d.strftime("%a %d") for d in days[::step]])
    axes.set_ylabel("turns")
    axes.set_title(title)
    axes.legend(loc="upper left", fontsize="small", frameon=False)
    for side in ("top", "right"):
        axes.spines[side].set_visible(False)
    figure.tight_layout()
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png")
    return buffer.getvalue()


def chart_data(activities: list[ProjectActivity], period: Period,
               zone: ZoneInfo) -> tuple[list[date], dict[str, list[int]]]:
    """Turns per local day of the period (its last MAX_CHART_DAYS days), per member."""
    last = period.until.astimezone(zone).date()
    first = max(period.since.astimezone(zone).date(), last - timedelta(days=MAX_CHART_DAYS - 1))
    days = [first + timedelta(days=i) for i in range((last - first).days + 1)]
    per_member: dict[str, list[int]] = {}
    for activity in activities:
        for (author, hour), n in activity.by_author_hour.items():
            day = datetime.fromisoformat(f"{hour}:00:00+00:00").astimezone(zone).date()
            if first <= day <= last:
                counts = per_member.setdefault(author or "someone", [0] * len(days))
                counts[(day - first).days] += n
    return days, per_member
