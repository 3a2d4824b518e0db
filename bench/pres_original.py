"""Part 1, from the original files: each realbench session as its tool exported it
(``sessions/<id>.orig.*``, what a user would upload) against its plain transcript, at the
same sizes. Reading the original should keep at least as many key facts as reading the
transcript rendered from it (issue 12); a format Baton does not read yet is reported as
such, not scored.
"""
from __future__ import annotations

import asyncio
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, TextIO

from service.offline import handoff_from_file
from transcripts.model import TranscriptError

Result = dict[str, Any]
Run = Callable[[list[tuple[Callable[..., Any], tuple[Any, ...]]], int], list[Any]]


def original_of(root: Path, session_id: str) -> Path | None:
    found = sorted((root / "sessions").glob(f"{session_id}.orig.*"))
    return found[0] if found else None


def from_original(path: str, percent: float | None) -> str | None:
    """``baton handoff ORIGINAL [--budget P%]``'s markdown; None when Baton cannot read it."""
    try:
        return asyncio.run(handoff_from_file(Path(path), budget_percent=percent,
                                             project=Path(path).name.split(".", 1)[0])
                           ).handoff.markdown
    except TranscriptError:
        return None


def _label(size: float | None) -> str:
    return "default" if size is None else f"{size:g}%"


def _mean(xs: Sequence[float]) -> float | None:
    return sum(xs) / len(xs) if xs else None


def print_originals(root: Path, score: Any, labels: Any, ids: list[str],
                    transcripts: dict[str, str], results: dict[float | None, dict[str, Result]],
                    sizes: Sequence[float | None], run_all: Run, jobs: int,
                    out: TextIO) -> tuple[str, bool | None]:
    """Build and score every session from its original file; print the comparison and
    return the summary line and whether the original kept at least as much at every size."""
    originals = {i: p for i in ids if (p := original_of(root, i)) is not None}
    calls: list[tuple[Callable[..., Any], tuple[Any, ...]]] = [
        (from_original, (str(originals[i]), s)) for s in sizes for i in originals]
    done = iter(run_all(calls, jobs))
    kfr: dict[float | None, dict[str, float]] = {s: {} for s in sizes}
    unread: set[str] = set()
    for s in sizes:
        for i in originals:
            markdown = next(done)
            if markdown is None:
                unread.add(i)
                continue
            kfr[s][i] = score.score_text(i, transcripts[i], markdown, labels)["handoff"]["kfr"]
    read = sorted(set(originals) - unread)
    print(f"\nfrom the original files ({len(read)} of {len(ids)} sessions read; "
          f"scored against the same labels and transcript):", file=out)
    if unread:
        print(f"  not read yet: {', '.join(sorted(unread))}", file=out)
    print("  size      original  transcript  sessions where the original keeps less", file=out)
    held = bool(read)
    for s in sizes:
        orig = _mean([kfr[s][i] for i in read])
        plain = _mean([results[s][i]["handoff"]["kfr"] for i in read])
        worse = [f"{i} {kfr[s][i]:.2f}<{results[s][i]['handoff']['kfr']:.2f}" for i in read
                 if kfr[s][i] < results[s][i]["handoff"]["kfr"]]
        held = held and orig is not None and plain is not None and orig >= plain
        print(f"  {_label(s):8}  {orig or 0:8.2f}  {plain or 0:10.2f}  "
              f"{', '.join(worse) or '-'}", file=out)
    means = "/".join(f"{_mean([kfr[s][i] for i in read]) or 0:.2f}" for s in sizes)
    line = (f"realbench from the original files ({len(read)} of {len(ids)} read): KFR at "
            f"5/10/20%/default {means}; at least the transcript's at every size -> "
            f"{'MET' if held else 'NOT MET'}")
    return line, (held if read else None)
