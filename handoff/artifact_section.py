"""The artifact record inside a handoff: grouping, code-span rendering, parsing, merging.

Both builders share this so an LLM-written handoff can be topped up with every
deterministically extracted artifact it dropped (:func:`merge_artifacts`).
"""
from __future__ import annotations

import re
from collections.abc import Iterable

from handoff.artifacts import Artifact, Kind, extract_artifacts
from handoff.document import ARTIFACTS, parse_items, parse_markdown, render_markdown

GROUPS: tuple[str, ...] = ("Files", "Commands", "URLs", "Errors", "Env", "Identifiers")
_GROUP_KIND: dict[str, Kind] = {"files": "path", "paths": "path", "commands": "command",
                                "urls": "url", "links": "url", "errors": "error",
                                "env": "identifier", "identifiers": "identifier"}
_ENV_NAME = re.compile(r"\$?\{?[A-Z][A-Z0-9]*(?:_[A-Z0-9]+)+\}?|\$\{?[A-Z][A-Z0-9_]*\}?")
_CODE = re.compile(r"(?<!`)(`+)(?!`)(.+?)(?<!`)\1(?!`)")


def group_of(a: Artifact) -> str:
    """Display group; env vars are identifiers but deserve their own line."""
    if a.kind == "identifier":
        return "Env" if _ENV_NAME.fullmatch(a.value) else "Identifiers"
    return {"path": "Files", "command": "Commands", "url": "URLs", "error": "Errors"}[a.kind]


def code(value: str) -> str:
    """Inline code span holding ``value`` verbatim, even if it contains backticks."""
    if "`" not in value:
        return f"`{value}`"
    longest = max((len(r) for r in re.findall(r"`+", value)), default=0)
    fence = "`" * (longest + 1)
    pad = " " if value.startswith("`") or value.endswith("`") else ""
    return f"{fence}{pad}{value}{pad}{fence}"


def span_values(text: str) -> list[str]:
    """Contents of the code spans in ``text`` (inverse of :func:`code`)."""
    out = []
    for m in _CODE.finditer(text):
        v = m.group(2)
        if len(v) >= 2 and v.startswith(" ") and v.endswith(" ") and v.strip():
            v = v[1:-1]
        out.append(v)
    return out


def format_artifacts(artifacts: Iterable[Artifact]) -> list[str]:
    """Bullet lines grouped as Files, Commands, URLs, Errors, Env, Identifiers."""
    groups: dict[str, list[str]] = {g: [] for g in GROUPS}
    seen: set[str] = set()
    for a in artifacts:
        if a.value not in seen:
            seen.add(a.value)
            groups[group_of(a)].append(code(a.value))
    return [f"- {g}: {', '.join(v)}" for g, v in groups.items() if v]


def parse_artifacts_section(body: str) -> list[Artifact]:
    """Artifacts recorded in a previous handoff: labelled code spans plus loose text."""
    out: list[Artifact] = []
    seen: set[str] = set()
    for item in parse_items(body):
        label, sep, rest = item.partition(":")
        kind = _GROUP_KIND.get(label.strip().lower()) if sep else None
        text = rest if kind else item
        for v in span_values(text):
            if v not in seen:
                seen.add(v)
                out.append(Artifact(kind or _guess(v), v))
        loose = _CODE.sub(" ", text)
        for a in extract_artifacts(loose):
            if a.value not in seen:
                seen.add(a.value)
                out.append(a)
    return out


def _guess(value: str) -> Kind:
    found = extract_artifacts(f"`{value}`") if "`" not in value else []
    return found[0].kind if found and found[0].value == value else "identifier"


def merge_artifacts(markdown: str, artifacts: Iterable[Artifact]) -> str:
    """Append every artifact not present verbatim in ``markdown`` to its Artifacts section.

    Lets an LLM phrase the handoff while the deterministic record guarantees that no
    file path, command or error silently disappears.
    """
    missing: list[Artifact] = []
    seen: set[str] = set()
    for a in artifacts:
        if a.value not in seen and a.value not in markdown:
            seen.add(a.value)
            missing.append(a)
    if not missing:
        return markdown
    doc = parse_markdown(markdown)
    body = doc.get(ARTIFACTS)
    lines = format_artifacts(missing)
    doc.set(ARTIFACTS, (body + "\n" if body else "") + "\n".join(lines))
    return render_markdown(doc)
