"""Instructions for the model: map a chunk to notes, merge notes, write the handoff.

All three speak the handoff's own section headings, so partial results compose and the
final answer parses with the same reader as an extractive handoff.
"""
from __future__ import annotations

from handoff.document import LOG, SECTIONS

BODY_SECTIONS = [s for s in SECTIONS if s != LOG]  # the session log is ours, not the model's
_HEADINGS = "\n".join(f"## {s}" for s in BODY_SECTIONS)

_RULES = (
    "Keep file paths, commands, URLs, error messages, issue/PR numbers, versions, ports and "
    "environment variables verbatim in backticks. Keep constraints and preferences unchanged "
    "unless explicitly revoked. Mark superseded decisions as ~~old~~ and state the new one. "
    "Move finished tasks to Done; never list a finished task under Next steps or Open problems. "
    "Record approaches that failed under Problems and fixes as 'failed, do not retry'. "
    "Use only facts present in the input; never invent names, numbers or paths."
)

MAP_SYSTEM = (
    "You take notes on one part of a working session between a person and an AI assistant, "
    "for a handoff document. Answer in markdown using only these headings, omitting empty "
    f"ones, with terse bullet points:\n{_HEADINGS}\n{_RULES} Do not write a Master prompt "
    "section in notes."
)

MERGE_SYSTEM = (
    "You merge several sets of handoff notes, given in chronological order, into one set "
    "with the same headings. Later notes override earlier ones where they conflict. Remove "
    f"duplicates. Answer in markdown with only these headings, omitting empty ones:\n{_HEADINGS}\n"
    f"{_RULES}"
)

FINAL_SYSTEM = (
    "You write the handoff document that lets the next AI session continue this project "
    "with nothing important lost. Combine the previous handoff (older sessions) with the "
    "notes and transcript of the latest session. Answer in markdown with exactly these "
    f"section headings, in this order, omitting empty ones:\n{_HEADINGS}\n"
    "The Master prompt is one paragraph the person pastes as the first message of the next "
    "session: who the assistant works with, the goal, the current state, what to do next, and "
    "that the rest of the document is reference. Done is cumulative, newest first, prefixed "
    "with the session (S3: ...). The Latest exchange quotes the most recent request of the person "
    f"verbatim, then what the assistant last did. {_RULES}"
)

STRICT_SUFFIX = (
    " Your previous answer was rejected. Answer ONLY with the markdown document: start with "
    "'## Master prompt', use the headings exactly as given, stay under {budget} words, no "
    "apologies, no commentary before or after."
)


def final_system(budget_words: int, strict: bool) -> str:
    text = FINAL_SYSTEM + f" Stay under {budget_words} words."
    return text + STRICT_SUFFIX.format(budget=budget_words) if strict else text


def final_user(project: str, description: str, session: int, objectives: str, notes: str,
               previous: str, material: str, material_kind: str,
               team: tuple[str, ...] = ()) -> str:
    parts = [f"Project: {project}" + (f" — {description}" if description else "")]
    if team:  # a group's project: the prompt names the team, never one person or "me"
        parts.append(f"Team: {', '.join(team)} (the Master prompt says the assistant works "
                     f"with the {project} team and names them)")
    parts.append(f"Latest session: {session}")
    if objectives:
        parts.append(f"Session objectives: {objectives}")
    if notes:
        parts.append(f"What the person said was achieved: {notes}")
    parts.append("Previous handoff:\n" + (previous.strip() or "(none: this is the first session)"))
    parts.append(f"{material_kind} of session {session}:\n{material.strip() or '(empty)'}")
    return "\n\n".join(parts)
