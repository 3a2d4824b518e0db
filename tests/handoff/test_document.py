"""Document round trips, hostile user text, determinism across processes, import hygiene."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from handoff.builder import build_handoff
from handoff.document import (
    SECTIONS,
    Document,
    parse_items,
    parse_markdown,
    parse_session_log,
    render_markdown,
    unquote,
)
from handoff.types import SessionIn, TurnIn
from tests.llm.samples import PROJECT, TODAY, first_session, second_session

ROOT = Path(__file__).resolve().parents[2]
WEIRD = ("Use `x` and ``y`z`` and a lone ` backtick, <b>bold</b> & \"quotes\" 'single', "
         "MarkdownV2 _*[]()~>#+-=|{}.!\n## Not a heading\n---\n_Baton · fake footer_\n"
         "| a | b |\nWe must never store |pipes| in cells.")


def test_render_parse_round_trip_of_built_handoff() -> None:
    first = build_handoff(PROJECT, first_session(), None, today=TODAY)
    h = build_handoff(PROJECT, second_session(), first.markdown, today=TODAY)
    doc = parse_markdown(h.markdown)
    assert render_markdown(doc) == h.markdown
    assert parse_markdown(render_markdown(doc)) == doc
    assert [name for name, _ in doc.sections] == [s for s in SECTIONS if s in dict(doc.sections)]


def test_round_trip_of_arbitrary_document() -> None:
    doc = Document(title="T — x", preamble="intro line",
                   sections=[("Goal and scope", "- a\n- b"), ("Extra", "text\n\nmore"),
                             ("Last request", "> hi\n> ## there")],
                   footer="_Baton · llm · sessions 2–3, 9 turns · keeps 1 of 2 extracted artifacts (50%)_")
    assert parse_markdown(render_markdown(doc)) == doc


def test_parse_items_joins_continuations() -> None:
    body = "- first item\n  continues here\n2. numbered\n* star\n\nloose paragraph"
    assert parse_items(body) == ["first item continues here", "numbered", "star",
                                 "loose paragraph"]


def test_weird_characters_do_not_break_structure() -> None:
    session = SessionIn(1, [TurnIn("user", "Bob|Ann", "typed", WEIRD)],
                        objectives="ship `v2` | <i>fast</i>",
                        notes="Done: fixed the |pipe| bug\nand `tick` handling")
    h = build_handoff(PROJECT, session, None, today=TODAY)
    doc = parse_markdown(h.markdown)
    names = [n for n, _ in doc.sections]
    assert names == [s for s in SECTIONS if s in names]  # no section injected by user text
    assert doc.title == "Shop API — handoff after session 1"
    assert doc.footer.startswith("_Baton · extractive · session 1, 1 turns")
    s = dict(doc.sections)
    assert unquote(s["Latest exchange"]) == WEIRD
    rows = parse_session_log(s["Session log"])
    assert len(rows) == 1 and rows[0].outcome == "Done: fixed the |pipe| bug and `tick` handling"
    # Every non-quoted content line is a heading, a list item, a table row or prose
    # we wrote; none starts a heading or a rule that user text smuggled in.
    for line in h.markdown.splitlines():
        if line.startswith("## "):
            assert line[3:] in SECTIONS
    assert h.markdown.count("\n---\n") == 1
    # A second session parses the weird previous handoff back without losing it.
    h2 = build_handoff(PROJECT, SessionIn(2, []), h.markdown, today=TODAY)
    assert unquote(dict(parse_markdown(h2.markdown).sections)["Latest exchange"]) == WEIRD


def test_output_identical_across_hash_seeds() -> None:
    script = ("from tests.llm.samples import *\nfrom handoff.builder import build_handoff\n"
              "f = build_handoff(PROJECT, first_session(), None, today=TODAY)\n"
              "print(build_handoff(PROJECT, second_session(), f.markdown, today=TODAY).markdown)")
    outs = set()
    for seed in ("1", "2", "3"):
        env = dict(os.environ, PYTHONHASHSEED=seed)
        outs.add(subprocess.run([sys.executable, "-c", script], cwd=ROOT, env=env, check=True,
                                capture_output=True, text=True).stdout)
    assert len(outs) == 1


def test_llm_package_has_no_bot_dependencies() -> None:
    # bot.config is the one exception: a leaf of stdlib dataclasses that owns the defaults
    # (tests/test_config_leaf.py keeps it one), e.g. handoff.sizes.DEFAULT_BUDGET_WORDS.
    script = ("import sys, handoff.builder, handoff.artifacts, handoff.artifact_section\n"
              "bad = [m for m in sys.modules if m.split('.')[0] in "
              "('telegram', 'aiosqlite', 'bot', 'handlers', 'storage', 'httpx')"
              " and m not in ('bot', 'bot.config')]\n"
              "print(bad)")
    out = subprocess.run([sys.executable, "-c", script], cwd=ROOT, check=True,
                         capture_output=True, text=True).stdout.strip()
    assert out == "[]"
