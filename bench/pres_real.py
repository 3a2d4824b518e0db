"""Real transcripts from ../shared/data with the hand-labelled facts in bench/real_facts.json.

The labels were checked by reading the parsed turns; a fact's position is where its
first anchor first occurs in the transcript text, so recall by position works as for
the synthetic corpus.
"""
from __future__ import annotations

import json
from pathlib import Path

from bench.corpus import Checkpoint, Fact, Scenario
from bench.pres_metrics import norm
from handoff.types import ProjectIn, SessionIn, TurnIn
from transcripts.detect import parse_file
from transcripts.model import Choice

LABELS = Path(__file__).with_name("real_facts.json")
DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data"
_ROLES = ("user", "assistant", "note", "tool", "system")


def load(data_dir: Path = DATA, labels: Path = LABELS) -> list[Scenario]:
    """One single-session scenario per labelled file; files that are missing are skipped."""
    spec = json.loads(labels.read_text(encoding="utf-8"))
    out: list[Scenario] = []
    for entry in spec["files"]:
        path = data_dir / entry["path"]
        if not path.is_file():
            continue
        parsed = parse_file(path.name, path.read_bytes(), choose=entry.get("choose"))
        if isinstance(parsed, Choice):
            continue
        turns = tuple(TurnIn(t.role if t.role in _ROLES else "note", t.author, "file", t.text)
                      for t in parsed.turns)
        text = norm("\n".join(t.text for t in turns))
        facts = []
        for f in entry["facts"]:
            anchors = tuple(f["anchors"])
            pos = text.find(norm(anchors[0]))
            facts.append(Fact(f["kind"], anchors, position=max(pos, 0) / max(len(text), 1)))
        label = f"{Path(entry['path']).stem}{entry.get('choose') or ''}"
        session = SessionIn(1, turns)
        out.append(Scenario(label, ProjectIn(parsed.title or label, ""),
                            (Checkpoint(session, tuple(facts), ()),)))
    return out
