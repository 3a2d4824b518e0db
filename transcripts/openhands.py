"""OpenHands agent trajectories: an event array, or JSONL runs with a `history`.

Two event schemas occur: the current one (`source`, `args`, `extras`) and the
older resolver one with action fields at top level and no `source`. Actions
become assistant turns quoting the command; observations become short "tool"
turns, because a handoff needs what was done, not every byte of output.
"""
from __future__ import annotations

import json
from dataclasses import replace
from typing import Any

from ._util import (
    as_dict,
    as_list,
    as_number,
    as_str,
    head_and_tail,
    head_lines,
    iso_timestamp,
    newest_first,
    utc_from_iso,
)
from .model import ConversationInfo, ParsedTurn, Transcript

FORMAT = "openhands"
AGENT = "agent"
# Bookkeeping events with nothing for a reader.
_SKIP_ACTIONS = frozenset({"system", "recall", "change_agent_state", "null", "condensation"})
_SKIP_OBSERVATIONS = frozenset({"null", "agent_state_changed", "recall", "think", "message"})


def matches(data: Any) -> bool:
    """True for an event array, a run object with `history`, or a list of runs."""
    return bool(conversations(data))


def conversations(data: Any) -> list[Any]:
    """Runs (objects with `history`) or one bare event list, in file order."""
    if isinstance(data, dict):
        return [data] if isinstance(data.get("history"), list) else []
    items = as_list(data)
    runs = [item for item in items if isinstance(as_dict(item).get("history"), list)]
    if runs:
        return runs
    return [items] if any(_is_event(e) for e in _events(items)[:50]) else []


def _is_event(event: Any) -> bool:
    event = as_dict(event)
    return isinstance(event.get("action"), str) or isinstance(event.get("observation"), str)


def list_conversations(data: Any) -> list[ConversationInfo]:
    """Non-empty runs, latest first."""
    return newest_first(conversations(data), parse_conversation, _update_time)


def parse_conversation(obj: Any) -> Transcript:
    """Turns for one run or event list."""
    run = as_dict(obj)
    events = _events(run.get("history") if run else obj)
    turns: list[ParsedTurn] = []
    agent_started = False
    for event in events:
        turn = _turn(event, agent_started)
        agent_started = agent_started or (turn is not None and turn.role != "user")
        if turn is not None:
            turns.append(replace(turn, at=utc_from_iso(event.get("timestamp"))))
    error = as_str(run.get("error")).strip()
    if error:
        turns.append(ParsedTurn("note", "", f"The run stopped with an error: {head_lines(error, 5, 500)}"))
    return Transcript(_title(run), tuple(turns), FORMAT)


def _events(history: Any) -> list[dict[str, Any]]:
    """Flat event list; very old histories store [action, observation] pairs."""
    events: list[dict[str, Any]] = []
    for item in as_list(history):
        if isinstance(item, list):
            events.extend(e for e in item if isinstance(e, dict))
        elif isinstance(item, dict):
            events.append(item)
    return events


def _title(run: dict[str, Any]) -> str:
    issue = as_dict(run.get("issue"))
    if issue:
        where = "/".join(filter(None, [as_str(issue.get("owner")), as_str(issue.get("repo"))]))
        number = as_number(issue.get("number"))
        ref = f"{where}#{int(number)}" if number is not None else where
        return ": ".join(filter(None, [ref, as_str(issue.get("title")).strip()]))
    instance = as_dict(run.get("instance"))
    name = as_str(run.get("instance_id")) or as_str(instance.get("instance_id"))
    problem = as_str(instance.get("problem_statement")).strip().split("\n", 1)[0].strip()
    return ": ".join(filter(None, [name, problem[:120]]))


def _update_time(obj: Any) -> float | None:
    for event in reversed(_events(as_dict(obj).get("history") if isinstance(obj, dict) else obj)):
        moment = iso_timestamp(event.get("timestamp"))
        if moment is not None:
            return moment
    return None


def _turn(event: dict[str, Any], agent_started: bool) -> ParsedTurn | None:
    action = as_str(event.get("action"))
    if action:
        return _action_turn(action, event, agent_started)
    observation = as_str(event.get("observation"))
    if observation and observation not in _SKIP_OBSERVATIONS:
        return _observation_turn(observation, event)
    return None


def _action_turn(action: str, event: dict[str, Any], agent_started: bool) -> ParsedTurn | None:
    if action in _SKIP_ACTIONS:
        return None
    args = as_dict(event.get("args")) or event  # the old schema has no `args`
    thought = as_str(args.get("thought")).strip()
    if action == "message":
        text = (as_str(args.get("content")) or as_str(event.get("message"))).strip()
        source = as_str(event.get("source"))
        from_user = source == "user" or (not source and not agent_started)
        if not text:
            return None
        return ParsedTurn("user", "user", text) if from_user else ParsedTurn("assistant", AGENT, text)
    if action == "finish":
        final = as_str(args.get("final_thought")).strip() or as_str(args.get("content")).strip()
        parts = [thought] if thought else []
        if final and final not in thought:
            parts.append(final)
        text = "\n\n".join(parts) or as_str(event.get("message")).strip() or "(finished)"
        return ParsedTurn("assistant", AGENT, text)
    if action == "think":
        return ParsedTurn("assistant", AGENT, thought) if thought else None
    step = _describe(action, args, event)
    return ParsedTurn("assistant", AGENT, "\n\n".join(filter(None, [thought, step])))


def _describe(action: str, args: dict[str, Any], event: dict[str, Any]) -> str:
    """The action itself, verbatim where it is a command or code."""
    if action == "run":
        return f"$ {as_str(args.get('command'))}"
    if action == "run_ipython":
        return f"```python\n{as_str(args.get('code')).strip()}\n```"
    path = as_str(args.get("path"))
    if action == "read":
        return f"Read {path}"
    if action == "edit":
        command = as_str(args.get("command"))
        return f"Edit {path}" + (f" ({command})" if command else "")
    if action in ("browse", "browse_interactive"):
        target = as_str(args.get("url")) or as_str(args.get("browser_actions"))
        return f"Browse {target}".strip()
    details = {
        key: value for key, value in args.items()
        if key not in ("thought", "action") and value not in (None, "", [], {})
    }
    try:
        rendered = json.dumps(details, ensure_ascii=False, default=str)[:300]
    except (TypeError, ValueError):
        rendered = ""
    return f"[{action}] {rendered}".strip() or as_str(event.get("message"))


def _observation_turn(observation: str, event: dict[str, Any]) -> ParsedTurn | None:
    extras = as_dict(event.get("extras"))
    content = as_str(event.get("content")).strip()
    text = head_and_tail(content) if content else as_str(event.get("message")).strip()
    if observation in ("run", "run_ipython"):
        code = as_number(as_dict(extras.get("metadata")).get("exit_code"))
        if code is None:
            code = as_number(event.get("exit_code"))
        if code is not None and observation == "run":
            text = f"{text}\n[exit code {int(code)}]" if content else f"(no output, exit code {int(code)})"
    return ParsedTurn("tool", observation, text) if text else None
