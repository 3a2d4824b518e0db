"""Shared fixtures: the real sample exports under /work/shared/data."""
from __future__ import annotations

from pathlib import Path

import pytest

DATA_DIR = Path(__file__).resolve().parents[3] / "shared" / "data"


@pytest.fixture
def data_dir() -> Path:
    """The sample-data directory; tests using it skip when it is absent."""
    if not DATA_DIR.is_dir():
        pytest.skip(f"sample data not found at {DATA_DIR}")
    return DATA_DIR


def read_sample(data_dir: Path, relative: str) -> bytes:
    """Bytes of one sample file, skipping the test if that file is missing."""
    path = data_dir / relative
    if not path.is_file():
        pytest.skip(f"sample {relative} not found")
    return path.read_bytes()
