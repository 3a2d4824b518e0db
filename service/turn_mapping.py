"""The one mapping from a turn as stored or parsed to the builders' `TurnIn`.

The transcript parsers hold role as a plain string; the builders take the `Role` and
`Source` literals, the same values storage's (`tests/test_stored_values.py` keeps them
equal), so storage's guards narrow them here, once.
"""
from __future__ import annotations

from datetime import datetime

from handoff.types import TurnIn
from storage.models import is_role, is_source


def turn_in(role: str, author: str, source: str, text: str,
            created_at: datetime | None) -> TurnIn:
    """A `TurnIn` for the builders. A role they don't know (a parser's own label) becomes a
    note, as the offline CLI always did; a source they don't know cannot come from the
    database (its CHECK refuses it), so it is a bug and raises."""
    if not is_source(source):
        raise ValueError(f"unknown turn source {source!r}")
    return TurnIn(role=role if is_role(role) else "note", author=author, source=source,
                  text=text, created_at=created_at)
