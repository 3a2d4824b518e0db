"""service.turn_mapping.turn_in is the one narrowing of stored and parsed turns to TurnIn."""
from __future__ import annotations

from datetime import UTC, datetime

import pytest

from service.turn_mapping import turn_in
from storage.models import ROLES, SOURCES


def test_known_roles_and_sources_are_kept_as_they_are() -> None:
    at = datetime(2026, 1, 2, tzinfo=UTC)
    for role in ROLES:
        for source in SOURCES:
            turn = turn_in(role, "a", source, "t", at)
            assert (turn.role, turn.source, turn.created_at) == (role, source, at)


def test_a_role_the_builders_do_not_know_becomes_a_note() -> None:
    assert turn_in("function", "a", "file", "t", None).role == "note"


def test_a_source_the_database_would_refuse_is_a_bug() -> None:
    with pytest.raises(ValueError, match="unknown turn source"):
        turn_in("user", "a", "carrier-pigeon", "t", None)
