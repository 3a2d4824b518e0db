"""Test double of realbench's scorer interface (``load_labels``, ``score_text``,
``normalize``, ``TYPES``), written for Baton's tests: plain substring or ``/regex/``
anchors, the same result shape, no word boundaries and no ceiling."""
import json
import re

TYPES = ["goal", "constraint", "decision", "file", "command", "error", "fix",
         "identifier", "open_problem", "next_step", "completed"]


def normalize(text):
    return re.sub(r"\s+", " ", re.sub("[`'\"]", "", text.casefold())).strip()


def load_labels(path):
    with open(path, encoding="utf-8") as f:
        return json.load(f)["transcripts"]


def _hit(fact, norm):
    return any(re.search(a[1:-1], norm) if len(a) > 1 and a[0] == a[-1] == "/"
               else normalize(a) in norm for a in fact["any_of"])


def _recall(facts, text):
    norm = normalize(text)
    rows = [{"id": f["id"], "type": f["type"], "depth": f["depth"], "hit": _hit(f, norm)}
            for f in facts]
    hits = sum(r["hit"] for r in rows)
    return {"kfr": hits / len(rows), "hits": hits, "n_facts": len(rows), "facts": rows}


def score_text(tid, transcript, handoff, labels, budget=None, detail=True):
    facts = labels[tid]["facts"]
    budget = len(handoff) if budget is None else budget
    head = int(budget * 0.3)
    cuts = {"headtail": transcript if budget >= len(transcript) else
            transcript[:head] + "\n[...]\n" + transcript[len(transcript) - (budget - head):],
            "tail": transcript[-budget:] if budget else ""}
    return {"id": tid, "transcript_chars": len(transcript), "budget_chars": budget,
            "size_share": budget / len(transcript), "handoff_chars": len(handoff),
            "handoff": _recall(facts, handoff),
            "baselines": {k: _recall(facts, v) for k, v in cuts.items()}}
