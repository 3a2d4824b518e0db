"""Word budget, ranking and coverage on a large synthetic session."""
from __future__ import annotations

import pytest

from handoff.artifacts import extract_artifacts
from handoff.document import parse_markdown
from handoff.old_extractive import build_handoff
from handoff.types import ProjectIn, SessionIn, TurnIn

from tests.llm.samples import TODAY

PROJECT = ProjectIn("Tenants", "multi-tenant billing service")
PLANTED = ("KeyError: 'tenant_id'", "services/billing/tenant_lookup.py",
           "pytest tests/test_tenant.py -k lookup", "TENANT_CACHE_TTL")


def big_session(n: int = 5000) -> SessionIn:
    turns: list[TurnIn] = []
    for i in range(n):
        if i % 2:
            turns.append(TurnIn("assistant", "AI", "typed",
                                f"I added a helper in src/mod{i}/file{i}.py; run `make target{i}` "
                                f"to check it. See https://example.com/docs/{i} for details."))
        else:
            turns.append(TurnIn("user", "Ann", "typed", "ok, continue with the next part"))
    mid = n // 2
    turns[mid] = TurnIn("user", "Ann", "typed",
                        "The crash is `KeyError: 'tenant_id'` in services/billing/tenant_lookup.py; "
                        "run `pytest tests/test_tenant.py -k lookup` to reproduce.")
    turns[mid + 1] = TurnIn("assistant", "AI", "typed",
                            "Confirmed: KeyError: 'tenant_id' in services/billing/tenant_lookup.py. "
                            "Setting TENANT_CACHE_TTL to 0 hides it.")
    turns[mid + 2] = TurnIn("user", "Ann", "typed",
                            "We decided to use UUIDv7 keys instead of serial ids. Never log tenant "
                            "emails. TENANT_CACHE_TTL must stay configurable.")
    return SessionIn(7, turns)


@pytest.fixture(scope="module")
def big() -> SessionIn:
    return big_session()


@pytest.mark.parametrize("budget", [2000, 800, 300])
def test_budget_respected_and_middle_survives(big: SessionIn, budget: int) -> None:
    h = build_handoff(PROJECT, big, None, budget_words=budget, today=TODAY)
    assert h.words <= budget
    assert h.artifacts_total > 7000  # the filler really competes for space
    for value in PLANTED:
        assert value in h.markdown, (budget, value)
    if budget >= 800:
        assert "UUIDv7" in h.markdown and "Never log tenant emails" in h.markdown


def test_coverage_matches_independent_count(big: SessionIn) -> None:
    h = build_handoff(PROJECT, big, None, budget_words=1200, today=TODAY)
    source = {a.value for t in big.turns for a in extract_artifacts(t.text)}
    body = h.markdown.rsplit("\n---\n", 1)[0]
    kept = sum(1 for v in source if v in body)
    assert (h.artifacts_kept, h.artifacts_total) == (kept, len(source))
    assert 0 < h.artifacts_kept < h.artifacts_total
    assert f"keeps {kept} of {len(source)} extracted artifacts" in h.markdown


def test_coverage_counts_previous_handoff_artifacts() -> None:
    first = build_handoff(PROJECT, SessionIn(1, [TurnIn("user", "Ann", "typed",
                                                        "Edit `app/x.py` and run `make a`.")]),
                          None, today=TODAY)
    second = build_handoff(PROJECT, SessionIn(2, [TurnIn("user", "Ann", "typed",
                                                         "Now `make b` too.")]),
                           first.markdown, today=TODAY)
    assert (first.artifacts_kept, first.artifacts_total) == (2, 2)
    assert (second.artifacts_kept, second.artifacts_total) == (3, 3)


def test_older_sessions_are_compressed_more(big: SessionIn) -> None:
    prev = None
    for n in range(1, 6):
        text = (f"Session {n} done: implemented the feature number {n} with a long and detailed "
                "explanation of every single step we took along the way, including the many "
                "small refactors and the renamed helpers and the extra logging we added there.")
        prev = build_handoff(PROJECT, SessionIn(n, [TurnIn("user", "Ann", "typed", text)],
                                                notes=text), prev, today=TODAY).markdown
    done = dict(parse_markdown(prev).sections)["Done"].splitlines()
    newest = next(d for d in done if d.startswith("- S5:"))
    oldest = next(d for d in done if d.startswith("- S1:"))
    assert len(oldest.split()) < len(newest.split())
