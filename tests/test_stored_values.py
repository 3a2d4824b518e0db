"""storage.models' Literals own the values a turn, session or handoff may hold: the schema's
CHECKs and the builders' vocabulary (handoff.types) must say the same."""
from __future__ import annotations

import re
from pathlib import Path
from typing import get_args

import handoff.types
from storage import models
from storage.db import Database


def _check(sql: str, column: str) -> set[str]:
    match = re.search(rf"{column}\s+TEXT NOT NULL CHECK \({column} IN \(([^)]*)\)\)", sql)
    assert match is not None, f"no CHECK on {column}"
    return {value.strip().strip("'") for value in match.group(1).split(",")}


async def test_the_schema_checks_the_literals_values(tmp_path: Path) -> None:
    db = await Database.open(tmp_path / "t.db")
    try:
        tables = {str(r["name"]): str(r["sql"])
                  for r in await db.fetchall("SELECT name, sql FROM sqlite_master WHERE type = 'table'")}
    finally:
        await db.close()
    assert _check(tables["turns"], "role") == set(get_args(models.Role))
    assert _check(tables["turns"], "source") == set(get_args(models.Source))
    assert _check(tables["sessions"], "status") == set(get_args(models.SessionStatus))
    assert _check(tables["handoffs"], "kind") == set(get_args(models.HandoffKind))


def test_stored_roles_and_sources_are_the_builders() -> None:
    assert get_args(models.Role) == get_args(handoff.types.Role)
    assert get_args(models.Source) == get_args(handoff.types.Source)
    assert models.ROLES == frozenset(get_args(models.Role))
    assert models.is_role("assistant") and not models.is_role("function")
    assert models.is_source("file") and not models.is_source("carrier-pigeon")
