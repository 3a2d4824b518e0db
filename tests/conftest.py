from __future__ import annotations

import os
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from tests.harness import Harness, make_config, running

REPO = Path(__file__).resolve().parents[1]


def sample_data_dir() -> Path:
    """Where the big real sample exports are: $BATON_SAMPLE_DATA, else <repo>/../shared/data."""
    return Path(os.environ.get("BATON_SAMPLE_DATA") or REPO.parent / "shared" / "data")


def realbench_dir() -> Path:
    """Where realbench is: $BATON_REALBENCH, else <repo>/../shared/realbench."""
    return Path(os.environ.get("BATON_REALBENCH") or REPO.parent / "shared" / "realbench")


# marker -> (environment variable, where the data is, is it usable, fixture that needs it)
_NEEDS = {
    "samples": ("BATON_SAMPLE_DATA", sample_data_dir, lambda p: p.is_dir(), "sample_data"),
    "realbench": ("BATON_REALBENCH", realbench_dir, lambda p: (p / "score.py").is_file(), "realbench"),
}


@pytest.fixture
def sample_data() -> Path:
    """The real sample exports; a test using this must be marked `samples` and skips without them."""
    path = sample_data_dir()
    if not path.is_dir():
        pytest.skip(f"sample data not found at {path} (set BATON_SAMPLE_DATA)")
    return path


@pytest.fixture
def realbench() -> Path:
    """The realbench corpus; a test using this must be marked `realbench` and skips without it."""
    path = realbench_dir()
    if not (path / "score.py").is_file():
        pytest.skip(f"realbench not found at {path} (set BATON_REALBENCH)")
    return path


def read_sample(sample_data: Path, relative: str) -> bytes:
    """Bytes of one real sample file, skipping the test if that file is missing."""
    path = sample_data / relative
    if not path.is_file():
        pytest.skip(f"sample {relative} not found in {sample_data}")
    return path.read_bytes()


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """A test that uses a real-data fixture must carry its marker, so it is counted in the summary."""
    for item in items:
        for marker, (_, _, _, fixture) in _NEEDS.items():
            uses = fixture in getattr(item, "fixturenames", ())
            if uses and item.get_closest_marker(marker) is None:
                raise pytest.UsageError(f"{item.nodeid} uses the {fixture} fixture, not marked {marker}")


_outcomes: dict[str, dict[str, str]] = {marker: {} for marker in _NEEDS}


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    for marker, seen in _outcomes.items():
        if marker not in report.keywords:
            continue
        if report.skipped:
            seen[report.nodeid] = "skipped"
        elif report.when == "call" or report.failed:
            seen.setdefault(report.nodeid, "ran")


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    """One line per kind of real data: how many tests need it and whether they ran."""
    for marker, (variable, where, usable, _) in _NEEDS.items():
        seen = _outcomes[marker]
        if not seen:
            continue
        ran = sum(1 for outcome in seen.values() if outcome == "ran")
        skipped = len(seen) - ran
        path = where()
        found = "" if usable(path) else " not found"
        counts = ", ".join(part for part in (f"{ran} ran" if ran else "",
                                             f"{skipped} skipped" if skipped else "") if part)
        label = "real samples" if marker == "samples" else marker
        tests = f"{len(seen)} test" + ("s need" if len(seen) != 1 else " needs")
        terminalreporter.write_line(f"{label}: {tests} {variable} ({path}){found}: {counts}")


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    return tmp_path / "baton.db"


@pytest.fixture
async def baton(db_path: Path) -> AsyncIterator[Harness]:
    async with running(Harness(make_config(db_path))) as harness:
        yield harness
