"""build_handoff on hand-written sessions: sections, merging, resolution, supersession."""
from __future__ import annotations

import re

from handoff.artifacts import extract_artifacts
from handoff.document import SECTIONS, parse_markdown, parse_session_log, unquote
from handoff.old_extractive import build_handoff
from handoff.types import Handoff, SessionIn

from tests.llm.samples import PROJECT, TODAY, assistant, first_session, second_session, user

FOOTER = re.compile(r"^_Baton · extractive · sessions? (\d+)(?:–(\d+))?, (\d+) turns · keeps (\d+) "
                    r"of (\d+) extracted artifacts \((\d+)%\)_$")


def sections(h: Handoff) -> dict[str, str]:
    return dict(parse_markdown(h.markdown).sections)


def source_text(*sessions: SessionIn) -> str:
    parts = [PROJECT.name, PROJECT.description]
    for s in sessions:
        parts += [t.text for t in s.turns] + [s.objectives, s.notes]
    return "\n".join(parts)


def build_first() -> Handoff:
    return build_handoff(PROJECT, first_session(), None, today=TODAY)


def test_first_session_has_every_section_in_order() -> None:
    h = build_first()
    lines = h.markdown.splitlines()
    assert lines[0] == "# Shop API — handoff after session 1"
    headings = [ln[3:] for ln in lines if ln.startswith("## ")]
    assert headings == list(SECTIONS)
    assert lines[-2] == "---" and FOOTER.match(lines[-1])


def test_first_session_content() -> None:
    s = sections(build_first())
    assert "Shop API" in s["Master prompt"] and "(Rina)" in s["Master prompt"]
    assert "start with the first item under Next steps" in s["Master prompt"]
    assert "Session 1 objective: cart endpoints and CI" in s["Goal and scope"]
    assert "41 tests pass" in s["Current state"]
    assert "S1: cart endpoints work; CI runs migrations" in s["Done"]
    assert "Redis for carts" in s["Decisions"]
    assert "Python 3.12" in s["Constraints and preferences"]
    assert "httpie" in s["Constraints and preferences"]
    art = s["Artifacts"]
    for value in ("app/routers/cart.py", ".github/workflows/ci.yml", "pytest -q",
                  "alembic upgrade head", "http://localhost:8000/docs", "DATABASE_URL", "#14",
                  'asyncpg.exceptions.UndefinedTableError: relation "cart_items" does not exist'):
        assert f"`{value}`" in art, value
    assert re.search(r"^- Files: ", art, re.M) and re.search(r"^- Commands: ", art, re.M)
    problems = s["Problems and fixes"].splitlines()
    pair = [p for p in problems if "UndefinedTableError" in p]
    assert pair and "→" in pair[0] and "alembic upgrade head" in pair[0]
    assert any(p.startswith("- Failed, do not retry:") and "AsyncSession" in p for p in problems)
    assert "issue #14" in s["Open problems and blockers"]
    assert s["Next steps"].startswith("1. ") and "POST /orders" in s["Next steps"]
    assert unquote(s["Last request"]) == first_session().turns[-1].text
    rows = parse_session_log(s["Session log"])
    assert [(r.first, r.date, r.turns) for r in rows] == [(1, "2026-11-17", 8)]
    assert rows[0].outcome == "cart endpoints work; CI runs migrations"


def test_first_session_fields() -> None:
    h = build_first()
    assert (h.generator, h.first_session, h.last_session, h.turns_covered) == (
        "extractive", 1, 1, 8)
    assert h.words == len(h.markdown.split())
    assert h.artifacts_total > 10 and h.artifacts_kept == h.artifacts_total
    m = FOOTER.match(h.markdown.splitlines()[-1])
    assert m and m.groups() == ("1", None, "8", str(h.artifacts_kept), str(h.artifacts_total),
                                "100")


def test_second_session_merges_resolves_and_supersedes() -> None:
    first = build_first()
    h = build_handoff(PROJECT, second_session(), first.markdown, today=TODAY)
    s = sections(h)
    assert h.markdown.startswith("# Shop API — handoff after session 2\n")
    # Resolved next step and open problem moved to Done, gone from their sections.
    assert "Open problems and blockers" not in s
    assert "POST /orders" not in s.get("Next steps", "")
    assert "celery" in s["Next steps"]
    done = s["Done"]
    assert re.search(r"^- S2: .*POST /orders", done, re.M)
    assert re.search(r"^- S2: .*#14", done, re.M)
    assert done.index("- S2:") < done.index("- S1:")
    # Superseded decision is struck through and points to its successor.
    assert re.search(r"~~[^~]*Redis for carts[^~]*~~ → .*Postgres", s["Decisions"])
    assert len([ln for ln in s["Decisions"].splitlines() if "Redis for carts" in ln]) == 1
    # Constraints, artifacts and problems are carried forward.
    assert "Python 3.12" in s["Constraints and preferences"]
    assert "httpie" in s["Constraints and preferences"]
    for value in ("app/routers/cart.py", "DATABASE_URL", "pytest -q",
                  "migrations/versions/0004_cart_items.py", "#15"):
        assert f"`{value}`" in s["Artifacts"], value
    assert "UndefinedTableError" in s["Problems and fixes"]
    # Cumulative bookkeeping.
    assert (h.first_session, h.last_session, h.turns_covered) == (1, 2, 13)
    assert [r.first for r in parse_session_log(s["Session log"])] == [2, 1]
    assert "sessions 1–2, 13 turns" in h.markdown
    assert unquote(s["Last request"]) == second_session().turns[-1].text


def test_done_in_same_session_never_listed_as_next_step() -> None:
    session = SessionIn(1, [
        user("Next we should add rate limiting to the login endpoint."),
        assistant("I added a token bucket in app/limits.py."),
        user("Rate limiting on the login endpoint is done and the tests pass."),
        user("Then we should write the deployment docs for Fly.io."),
    ])
    s = sections(build_handoff(PROJECT, session, None, today=TODAY))
    assert "rate limiting" not in s["Next steps"].lower()
    assert "deployment docs" in s["Next steps"]
    assert "rate limiting" in s["Done"].lower()


def test_negated_done_stays_open() -> None:
    session = SessionIn(1, [user("Next we should fix the flaky payment webhook test."),
                            user("The payment webhook test is still failing, not fixed yet.")])
    s = sections(build_handoff(PROJECT, session, None, today=TODAY))
    assert "webhook" in s["Next steps"]
    assert "Done" not in s


def test_draft_title_and_outcome() -> None:
    h = build_handoff(PROJECT, first_session(), None, final=False, today=TODAY)
    assert h.markdown.startswith("# Shop API — draft during session 1\n")
    row = parse_session_log(sections(h)["Session log"])[0]
    assert row.outcome.startswith("in progress: ")


def test_no_invented_identifiers() -> None:
    first = build_first()
    second = build_handoff(PROJECT, second_session(), first.markdown, today=TODAY)
    for h, src in ((first, source_text(first_session())),
                   (second, source_text(first_session(), second_session()))):
        body = h.markdown.rsplit("\n---\n", 1)[0]
        for a in extract_artifacts(body):
            assert a.value in src, a


def test_empty_session_carries_previous_forward() -> None:
    first = build_first()
    h = build_handoff(PROJECT, SessionIn(2, []), first.markdown, today=TODAY)
    s = sections(h)
    assert "POST /orders" in s["Next steps"] and "issue #14" in s["Open problems and blockers"]
    assert unquote(s["Last request"]) == first_session().turns[-1].text
    assert h.turns_covered == 8 and h.artifacts_kept == h.artifacts_total
    assert [(r.first, r.date, r.turns) for r in parse_session_log(s["Session log"])] == [
        (2, "2026-11-20", 0), (1, "2026-11-17", 8)]


def test_regenerating_same_session_does_not_double_count() -> None:
    draft = build_handoff(PROJECT, first_session(), None, final=False, today=TODAY)
    final = build_handoff(PROJECT, first_session(), draft.markdown, today=TODAY)
    assert final.turns_covered == 8
    assert len(parse_session_log(sections(final)["Session log"])) == 1


def test_llm_style_previous_is_understood() -> None:
    previous = (
        "# Shop API — handoff after session 4\n\nSome intro.\n\n"
        "## goal and scope\n* Build the shop backend\n\n"
        "## Constraints and preferences\n* Never store card numbers\n* Use `ruff` for lint\n\n"
        "## Artifacts\n- Files: `app/pay.py`\n- Port 8000 (api)\n\n"
        "## Next steps\n1. Add refunds via `POST /refunds`\n2. Write docs\n\n"
        "## Session log\n| # | Date | Turns | Outcome |\n|---|---|---|---|\n"
        "| 4 | 2026-11-19 | 30 | payments \\| refunds planned |\n"
        "| 3 | 2026-11-18 | 20 | carts |\n")
    session = SessionIn(5, [user("Refunds via POST /refunds are done and tested.")])
    h = build_handoff(PROJECT, session, previous, today=TODAY)
    s = sections(h)
    assert "Never store card numbers" in s["Constraints and preferences"]
    assert "`app/pay.py`" in s["Artifacts"] and "Port 8000" in h.markdown
    assert "refunds" not in s["Next steps"].lower() and "Write docs" in s["Next steps"]
    assert "S5:" in s["Done"] and "refunds" in s["Done"].lower()
    rows = parse_session_log(s["Session log"])
    assert [r.first for r in rows] == [5, 4, 3]
    assert rows[1].outcome == "payments | refunds planned"
    assert (h.first_session, h.last_session, h.turns_covered) == (3, 5, 51)


def test_huge_last_request_is_cut_verbatim() -> None:
    words = [f"w{i}," for i in range(400)]
    text = "Please  keep\n" + " ".join(words)
    h = build_handoff(PROJECT, SessionIn(1, [user(text)]), None, today=TODAY)
    quoted = unquote(sections(h)["Last request"])
    assert quoted.endswith(" …") and text.startswith(quoted[:-2])
    assert len(quoted.split()) == 151


def test_deterministic() -> None:
    a = build_handoff(PROJECT, second_session(), build_first().markdown, today=TODAY)
    b = build_handoff(PROJECT, second_session(), build_first().markdown, today=TODAY)
    assert a == b


def test_footer_names_a_single_session_once() -> None:
    from handoff.old_extractive import build_handoff
    h = build_handoff(PROJECT, first_session(), None, today=TODAY)
    assert "· session 1, " in h.markdown and "sessions 1–1" not in h.markdown
    again = build_handoff(PROJECT, second_session(), h.markdown, today=TODAY)
    assert "sessions 1–2" in again.markdown and again.turns_covered == h.turns_covered + 5


def test_lets_store_is_a_decision_not_a_next_step() -> None:
    from handoff.document import DECISIONS
    from handoff.old_extract import classify
    label = classify("Let's store carts in Postgres.", "user")
    assert label is not None and label.section == DECISIONS
