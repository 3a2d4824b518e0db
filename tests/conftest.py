from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from tests.harness import Harness, make_config


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    return tmp_path / "baton.db"


@pytest.fixture
async def baton(db_path: Path) -> AsyncIterator[Harness]:
    harness = Harness(make_config(db_path))
    await harness.start()
    try:
        yield harness
    finally:
        await harness.stop()
        assert not harness.api.errors, harness.api.errors
