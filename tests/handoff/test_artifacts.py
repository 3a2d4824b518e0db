"""Artifact extraction: what must be found verbatim, and what must not be invented."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from handoff.artifact_section import format_artifacts, merge_artifacts, parse_artifacts_section
from handoff.artifacts import Artifact, coverage, extract_artifacts

DATA = Path("/work/shared/data")


def values(text: str, kind: str | None = None) -> set[str]:
    return {a.value for a in extract_artifacts(text) if kind is None or a.kind == kind}


def test_paths_positive() -> None:
    text = ("Edit app/routers/cart.py and ./scripts/seed.py, then docker-compose.yml, "
            "README.md. Logs in /var/log/nginx/error.log and ~/.config/baton/ too.")
    assert {"app/routers/cart.py", "./scripts/seed.py", "docker-compose.yml", "README.md",
            "/var/log/nginx/error.log", "~/.config/baton/"} <= values(text, "path")


def test_paths_negative() -> None:
    text = ("Use it e.g. for carts and/or sessions; client/server split, Node.js is fine. "
            "Call response.json() then. It is 11/20/2026. Done.")
    assert values(text, "path") == set()


def test_commands_from_spans_fences_and_prompts() -> None:
    text = ("Run `pytest -q` first.\n```bash\n# setup\nalembic upgrade head\n```\n"
            "```\n$ make test\nok 12 passed\n```\n$ git push origin main\n"
            "```python\nprint('x')\n```\n")
    cmds = values(text, "command")
    assert {"pytest -q", "alembic upgrade head", "make test", "git push origin main"} <= cmds
    assert "# setup" not in cmds and "ok 12 passed" not in cmds and "print('x')" not in cmds


def test_urls_trim_punctuation() -> None:
    text = "See https://example.com/a_(b). And (https://docs.python.org/3/library/re.html)."
    assert values(text, "url") == {"https://example.com/a_(b)",
                                    "https://docs.python.org/3/library/re.html"}


def test_errors() -> None:
    text = ("Traceback (most recent call last):\n  File \"/app/x.py\", line 3, in <module>\n"
            "asyncpg.exceptions.UndefinedTableError: relation \"cart_items\" does not exist\n"
            "error: could not compile\nI saw a KeyError earlier. An Error happened.")
    errs = values(text, "error")
    assert 'asyncpg.exceptions.UndefinedTableError: relation "cart_items" does not exist' in errs
    assert "error: could not compile" in errs and "KeyError" in errs
    assert "Error" not in errs and "An Error happened" not in errs


def test_identifiers_positive() -> None:
    text = ("Set DATABASE_URL and $HOME. Listen on port 8080, localhost:8000 and :5432. "
            "Issue #12, PR #15, v1.2.3, Python 3.11, fastapi==0.110.0, commit abc1234f.")
    ids = values(text, "identifier")
    assert {"DATABASE_URL", "$HOME", "port 8080", "localhost:8000", ":5432", "#12", "#15",
            "v1.2.3", "Python 3.11", "fastapi==0.110.0", "abc1234f"} <= ids


def test_identifiers_negative() -> None:
    text = ("It took 3.5 seconds at 10:30. HTTP API and JSON are fine. Chapter 2. &#39; "
            "# heading, a ratio 16:9, the list[1:10], deadbeef and 1234567, UTF-8.")
    assert values(text) == set()


def test_no_artifact_is_invented() -> None:
    text = ("Fix `x` in src/a/b.py via `make`; see https://x.org/p?q=1, #7, v2.0.1, "
            "ValueError: bad\n```sh\nnpm ci\n```")
    for a in extract_artifacts(text):
        assert a.value in text and "\n" not in a.value


def test_extraction_is_deduplicated_and_ordered() -> None:
    found = extract_artifacts("`pytest -q` then #3 then `pytest -q` and #3 and #4")
    assert [a.value for a in found] == ["pytest -q", "#3", "#4"]


def test_coverage_counts_distinct_verbatim_values() -> None:
    arts = [Artifact("path", "a/b/c.py"), Artifact("command", "make test"),
            Artifact("identifier", "#9"), Artifact("path", "a/b/c.py")]
    assert coverage("see `a/b/c.py` and #9", arts) == (2, 3)
    assert coverage("", []) == (0, 0)


def test_merge_artifacts_appends_only_missing_into_section() -> None:
    md = ("# P — handoff after session 1\n\n## Goal and scope\n- build it\n\n"
          "## Next steps\n1. go\n\n---\n_Baton · llm · sessions 1–1, 3 turns · keeps 0 of 0_\n")
    arts = [Artifact("path", "src/app.py"), Artifact("command", "make test"),
            Artifact("identifier", "go")]
    out = merge_artifacts(md, arts)
    assert "`src/app.py`" in out and "`make test`" in out
    assert out.index("## Artifacts") < out.index("## Next steps")
    assert out.rstrip().endswith("keeps 0 of 0_")
    assert coverage(out, arts) == (3, 3)
    assert merge_artifacts(out, arts) == out


def test_artifact_record_round_trip_with_backticks() -> None:
    arts = [Artifact("path", "a/b/c.py"), Artifact("command", "echo `date`"),
            Artifact("identifier", "DATABASE_URL"), Artifact("error", "KeyError: 'x'")]
    body = "\n".join(format_artifacts(arts))
    assert "- Env: `DATABASE_URL`" in body
    grouped = [arts[0], arts[1], arts[3], arts[2]]  # Files, Commands, Errors, Env
    assert [(a.kind, a.value) for a in parse_artifacts_section(body)] == [
        (a.kind, a.value) for a in grouped]


def _strings(node: object) -> list[str]:
    if isinstance(node, str):
        return [node]
    if isinstance(node, dict):
        return [s for v in node.values() for s in _strings(v)]
    if isinstance(node, list):
        return [s for v in node for s in _strings(v)]
    return []


def test_real_exports_do_not_crash_and_yield_urls() -> None:
    if not DATA.is_dir():
        pytest.skip("shared sample data not available")
    kinds: set[str] = set()
    urls = 0
    for path in sorted(DATA.rglob("*.json*")):
        raw = path.read_text(encoding="utf-8")
        docs = ([json.loads(line) for line in raw.splitlines() if line.strip()]
                if path.suffix == ".jsonl" else [json.loads(raw)])
        for text in (s for d in docs for s in _strings(d) if len(s) > 3):
            for a in extract_artifacts(text):
                assert a.value in text
                kinds.add(a.kind)
                urls += a.kind == "url"
    assert urls > 0
    assert {"path", "command", "url", "error", "identifier"} <= kinds


def test_traceback_exception_line_with_any_class_name() -> None:
    text = ("```\nTraceback (most recent call last):\n  File \"a.py\", line 3, in run\n"
            "    go()\npsycopg.errors.UniqueViolation: duplicate key value\n```")
    values = [a.value for a in extract_artifacts(text) if a.kind == "error"]
    assert "psycopg.errors.UniqueViolation: duplicate key value" in values


def test_bare_command_in_prose_stops_where_prose_resumes() -> None:
    text = "To reproduce: pytest -m integration -x --maxfail=1 — it takes a minute. Run it and see."
    values = [a.value for a in extract_artifacts(text) if a.kind == "command"]
    assert values == ["pytest -m integration -x --maxfail=1"]
    assert not [a for a in extract_artifacts("I ran python and it worked.") if a.kind == "command"]
