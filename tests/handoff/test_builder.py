"""The deterministic handoff on small sessions written for these tests (issue 8, points
3-6): what it keeps, where it files it, what never gets in, and what the footer says."""
from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta

from handoff.builder import build_handoff
from handoff.document import (
    ARTIFACTS,
    CONSTRAINTS,
    DONE,
    GOAL,
    LAST_REQUEST,
    MASTER,
    NEXT,
    OPEN,
    PROBLEMS,
    REQUESTS,
    parse_items,
    parse_markdown,
    unquote,
)
from handoff.types import ProjectIn, SessionIn, TurnIn

TODAY = date(2026, 11, 20)
RECIPES = ProjectIn("Recipe Box")


def typed(text: str, who: str = "Dana") -> TurnIn:
    return TurnIn("note", who, "typed", text)


def pasted_user(text: str) -> TurnIn:
    return TurnIn("user", "You", "pasted", text)


def ai(text: str) -> TurnIn:
    return TurnIn("assistant", "ChatGPT", "pasted", text)


def tool(text: str) -> TurnIn:
    return TurnIn("tool", "Tool", "file", text)


def sections(markdown: str) -> dict[str, str]:
    return dict(parse_markdown(markdown).sections)


def web_session() -> SessionIn:
    return SessionIn(1, [
        pasted_user("I want a small recipe site with FastAPI and Postgres. Keep it light, it "
                    "runs on a Raspberry Pi."),
        ai("Start with `app/main.py` and `app/models.py`. Run `uvicorn app.main:app --reload`."),
        pasted_user("I get sqlite3.OperationalError: no such table: recipe when I open /recipes"),
        ai("The error sqlite3.OperationalError: no such table: recipe means the tables were "
           "never created; fixed by calling create_all() in the startup hook of app/main.py."),
        TurnIn("user", "Gardening Tips", "forwarded", "Water tomatoes in the morning."),
        pasted_user("Next: CI on GitHub Actions and pagination."),
        ai("CI on GitHub Actions is green on main (PR #23 merged)."),
        ai("Fixed: test_create_task no longer flaky."),
        typed("Deploy target is Vercel, never Heroku."),
        pasted_user("Now add pagination to /recipes with a page size of 20."),
        ai("I added pagination to app/routers/recipes.py: `GET /recipes?page=2` returns 20 "
           "items. All 12 tests pass now."),
    ], objectives="recipes CRUD")


def test_master_prompt_names_the_person_goal_state_and_next() -> None:
    h = build_handoff(RECIPES, web_session(), None, today=TODAY)
    prompt = sections(h.markdown)[MASTER]
    assert "with Dana." in prompt  # the typed author, never "You" or a forwarded channel
    assert "You)" not in prompt and "Gardening" not in prompt and " me" not in prompt
    assert "recipe site with FastAPI and Postgres" in prompt  # the project's goal
    # the state is what the assistant last said about where things stand
    assert "Now: I added pagination" in prompt


def test_nobody_named_when_nothing_was_typed() -> None:
    s = SessionIn(1, [pasted_user("Please add a login form to the site."), ai("Done, it works.")])
    prompt = sections(build_handoff(RECIPES, s, None, today=TODAY).markdown)[MASTER]
    assert prompt.startswith("Continue **Recipe Box**.")


def test_done_next_and_open_are_reconciled() -> None:
    h = build_handoff(RECIPES, web_session(), None, budget_words=2000, today=TODAY)
    s = sections(h.markdown)
    nxt = s.get(NEXT, "") + s.get(OPEN, "")
    assert "CI on GitHub Actions and pagination" not in nxt  # done later in the session
    assert "test_create_task" not in s.get(OPEN, "")  # "Fixed: ..." is never open
    assert "Fixed: test_create_task no longer flaky." in s[DONE]
    assert "error sqlite3.OperationalError" in s[PROBLEMS]  # error -> fix pair
    assert "sqlite3.OperationalError" not in s.get(CONSTRAINTS, "")
    assert "Deploy target is Vercel, never Heroku." in s[CONSTRAINTS]
    # someone else's forwarded aside is never a request, a constraint or the prompt
    assert "tomatoes" not in s[REQUESTS] + s[CONSTRAINTS] + s[MASTER] + s[LAST_REQUEST]
    assert "Next: CI on GitHub Actions and pagination." in s[REQUESTS]  # their own words


def test_requests_are_the_persons_own_newest_first_and_shortened() -> None:
    long_ask = "Please make the card layout responsive " + "and tidy " * 60
    s = SessionIn(1, [pasted_user("First ask: a recipe list page."), ai("Sure."),
                      pasted_user(long_ask), ai("Done."), pasted_user("Third ask: dark mode."),
                      ai("Dark mode works now.")])
    body = sections(build_handoff(RECIPES, s, None, today=TODAY).markdown)
    items = parse_items(body[REQUESTS])
    assert items[0].startswith("Please make the card layout responsive")
    assert len(items[0]) <= 240 and items[-1] == "First ask: a recipe list page."
    assert "Third ask: dark mode." in unquote(body[LAST_REQUEST])


def test_fixed_text_stays_under_sixty_words_at_any_budget() -> None:
    """Words of the document that come from no turn: headings, the prompt's frame, the
    log and the footer."""
    words = [f"zq{i}x" for i in range(4000)]
    turns = []
    for i in range(0, 4000, 40):
        chunk = " ".join(words[i:i + 40])
        turns.append(pasted_user(chunk) if i % 80 == 0 else ai(chunk))
    for budget in (60, 200, 2000):
        md = build_handoff(ProjectIn("zqproj"), SessionIn(1, turns), None,
                           budget_words=budget, today=TODAY).markdown
        fixed = [w for w in md.split()
                 if not (re.search(r"zq\d+", w) or w in ("-", ">", "---"))]
        assert len(fixed) <= 60, (budget, len(fixed), fixed)


def test_agent_manual_and_tool_output_never_become_goal_constraint_or_request() -> None:
    manual = ("You are an agent with tools. You must always call the bash tool with a single "
              "command. Never use interactive editors. ") * 30
    s = SessionIn(1, [
        TurnIn("user", "", "file", "Fix the failing date parser in utils/dates.py.\n\n" + manual),
        ai("Let me look."),
        tool("$ pytest tests/test_dates.py\nFAILED tests/test_dates.py::test_iso - ValueError"),
        ai("The parser dropped the timezone; fixed in utils/dates.py."),
        tool("You must always keep this output short. 1 passed in 0.02s"),
    ])
    body = sections(build_handoff(RECIPES, s, None, today=TODAY).markdown)
    assert "Fix the failing date parser" in body[MASTER]
    assert "You are an agent" not in body[MASTER]
    assert "You must always" not in body.get(CONSTRAINTS, "")
    assert "You must always" not in unquote(body[LAST_REQUEST]).split("\n\n")[0][:300]


def test_an_agent_task_wrapped_in_tags_gives_the_task_as_goal_not_as_next_step() -> None:
    task = ("<uploaded_files>\n/workspace/shop\n</uploaded_files>\nI've uploaded a repository. "
            "Consider the following issue description:\n\n<issue_description>\nCheckout "
            "total ignores the discount code\n</issue_description>\n\n"
            + "Follow these steps carefully and report back. " * 60)
    edit = ('[tool edit] {"path": "/workspace/shop/cart.py", "old_str": "total", '
            '"new_str": "total - discount", "view_range": [1, 9]}')
    s = SessionIn(1, [
        TurnIn("user", "", "file", task),
        ai("Let me read the cart."), tool(edit), ai("Edited."), tool(edit),
        ai("The discount is now applied in cart.py."),
    ])
    h = build_handoff(RECIPES, s, None, budget_words=400, today=TODAY)
    prompt = sections(h.markdown)[MASTER]
    goal = prompt.split("Goal: ", 1)[1]
    assert "<uploaded_files>" not in goal and "/workspace/shop" in goal
    assert "Checkout total ignores the discount code" in goal  # the paragraph the colon opens
    assert "Next: /workspace" not in prompt  # the only request is the goal, not a next step
    assert "cart.py" in h.markdown
    index = sections(h.markdown).get(ARTIFACTS, "")
    for name in ("old_str", "view_range", "uploaded_files"):  # a tool call's fields, tags
        assert name not in index


def test_commands_are_extracted_whole_never_with_their_prose() -> None:
    s = SessionIn(1, [
        pasted_user("Build it with `docker buildx build --platform linux/arm64 -t recipe-box .` "
                    "please."),
        ai("Now pytest -k login passes and pytest -n 4 now runs in parallel."),
        ai("```bash\npytest -q tests/\n```"),
    ] * 2)
    md = build_handoff(RECIPES, s, None, budget_words=600, today=TODAY).markdown
    assert "`docker buildx build --platform linux/arm64 -t recipe-box .`" in md
    assert "`pytest -q tests/`" in md
    assert "`pytest -k login passes`" not in md and "`pytest -n 4 now`" not in md


def test_last_request_follows_the_conversations_own_time() -> None:
    t0 = datetime(2026, 11, 1, tzinfo=UTC)

    def at(turn: TurnIn, minutes: int) -> TurnIn:
        return TurnIn(turn.role, turn.author, turn.source, turn.text,
                      t0 + timedelta(minutes=minutes))

    # the newer conversation was imported first, an older off-topic one last
    s = SessionIn(1, [at(pasted_user("Add a search box to the recipe list."), 100),
                      at(ai("Search works now."), 101),
                      at(pasted_user("tell me a joke"), 1), at(ai("A joke."), 2)])
    body = sections(build_handoff(RECIPES, s, None, today=TODAY).markdown)
    assert unquote(body[LAST_REQUEST]).startswith("Add a search box")


def test_footer_coverage_falls_when_key_artifacts_are_dropped() -> None:
    turns = []
    for i in range(300):
        turns.append(ai(f"Edited src/pkg/module_{i:03d}.py and src/pkg/module_{i:03d}.py again."))
    small = build_handoff(RECIPES, SessionIn(1, turns), None, budget_words=150, today=TODAY)
    assert small.artifacts_total == 300 and small.artifacts_kept < 150
    assert re.search(rf"keeps {small.artifacts_kept} of 300 key artifacts \(\d+%\)_$",
                     small.markdown.strip())
    big = build_handoff(RECIPES, SessionIn(1, turns[:20]), None, budget_words=2000, today=TODAY)
    assert big.artifacts_kept == big.artifacts_total == 20
    # once-only artifacts the person did not name are not what coverage counts
    once = build_handoff(RECIPES, SessionIn(1, [ai("Touched lib/x_once.py.")]), None, today=TODAY)
    assert once.artifacts_total == 0


def test_budget_is_respected_in_words_and_characters() -> None:
    turns = [ai(f"Step {i}: changed src/a_{i}.py, ran `make test-{i}` and it worked. " * 3)
             for i in range(400)]
    for budget in (100, 300, 1500):
        h = build_handoff(RECIPES, SessionIn(1, turns), None, budget_words=budget, today=TODAY)
        assert h.words <= budget and len(h.markdown) <= budget * 6, budget


def test_a_chain_carries_constraints_goal_and_artifacts() -> None:
    first = SessionIn(1, [typed("Goal: a recipe site for our family, on FastAPI."),
                          typed("We must keep the database in Postgres 16."),
                          ai("Created app/db.py with the engine.")])
    h1 = build_handoff(RECIPES, first, None, today=TODAY).markdown
    second = SessionIn(2, [typed("Now the upload form for photos."), ai("Added app/upload.py.")])
    h2 = build_handoff(RECIPES, second, h1, today=TODAY).markdown
    third = SessionIn(3, [typed("Make thumbnails."), ai("Added app/thumbs.py; all tests pass.")])
    h3 = build_handoff(RECIPES, third, h2, today=TODAY)
    s = sections(h3.markdown)
    assert "a recipe site for our family" in s[MASTER]
    assert "Postgres 16" in h3.markdown and "app/db.py" in h3.markdown
    assert "app/upload.py" in h3.markdown and "app/thumbs.py" in h3.markdown
    assert [r for r in s["Session log"].splitlines()][0].startswith("- S3, ")
    assert h3.first_session == 1 and h3.turns_covered == 7
    assert GOAL not in s or "Session" not in s[GOAL]  # no objectives were given
    assert ARTIFACTS in s


def test_commits_made_are_done_newest_first_even_at_a_small_budget() -> None:
    padding = [ai(f"Reading parser_{i}.py: tokenizer_{i} feeds lexer_{i}, which calls "
                  f"resolver_{i} and emitter_{i} for grammar rule_{i}.") for i in range(150)]
    session = SessionIn(1, [
        pasted_user("Add a JSON exporter to the recipe CLI."),
        *padding[:75],
        tool("Applied edit to export.py\nCommit 3f2a9c1 feat: add JSON exporter"),
        *padding[75:],
        tool("[main 8b7d6e5] fix: escape quotes in exported titles\n 1 file changed"),
        pasted_user("Now the CSV one, please."),
        ai("I will write export_csv next."),
    ])
    markdown = build_handoff(RECIPES, session, None, budget_words=300, today=TODAY).markdown
    done = parse_items(sections(markdown)[DONE])
    assert done[:2] == ["Commit 8b7d6e5 fix: escape quotes in exported titles",
                        "Commit 3f2a9c1 feat: add JSON exporter"]


def test_the_previous_latest_exchange_is_carried_as_sentences_without_role_labels() -> None:
    first = SessionIn(1, [
        pasted_user("Add a search box to the recipe list page."),
        ai("I'll add the search box to templates/list.html next. It filters by title."),
        tool("Wrote templates/list.html (42 lines)."),
    ])
    h1 = build_handoff(RECIPES, first, None, budget_words=400, today=TODAY).markdown
    assert "Assistant: I'll add the search box" in sections(h1)[LAST_REQUEST]
    second = SessionIn(2, [pasted_user("Now paginate the list, 20 per page."),
                           ai("Pagination is in views/list.py; page 2 shows rows 21-40.")])
    h2 = build_handoff(RECIPES, second, h1, budget_words=400, today=TODAY).markdown
    carried = "\n".join(body for name, body in parse_markdown(h2).sections
                        if name != LAST_REQUEST)
    assert "filters by title" in carried  # the previous exchange is still there
    assert not re.search(r"(?m)^(?:- |\d+\. )(?:Assistant|Tool|User): ", carried)


def test_a_task_under_a_heading_is_read_with_the_line_that_announces_it() -> None:
    task = ("Please fix the following issue for the repository in /workspace.\n"
            "Environment has been set up for you.\n\n# Problem Statement\n"
            "Search results ignore the category filter.\n\n"
            + "Report back when you are done with every step. " * 20)
    s = SessionIn(1, [TurnIn("user", "", "file", task), ai("Fixed in search/filters.py.")])
    body = sections(build_handoff(RECIPES, s, None, budget_words=400, today=TODAY).markdown)
    assert "Search results ignore the category filter." in unquote(body[LAST_REQUEST])
    assert "Problem Statement" not in unquote(body[LAST_REQUEST])


def test_rules_inside_a_long_message_are_kept_as_constraints() -> None:
    long_ask = ("Please build the import page for recipes from CSV files, with a preview of "
                "the first rows and a progress bar while it runs. " * 4
                + "The preview must never show more than the first rows. "
                + "Show the errors per row so people can fix their sheet. " * 3)
    work = [ai(f"Step {i}: wrote importer/stage_{i}.py with parse_{i}() and check_{i}() for "
               f"column group {i}.") for i in range(60)]
    s = SessionIn(1, [pasted_user(long_ask), *work, ai("The import page is at /import."),
                      pasted_user("Looks good, now the export page."), ai("On it.")])
    body = sections(build_handoff(RECIPES, s, None, budget_words=300, today=TODAY).markdown)
    # its words are all in the message's opening, so only reading it as a rule keeps it
    assert "The preview must never show more than the first rows." in body[CONSTRAINTS]


def test_older_sessions_requests_stay_among_the_requests_after_this_sessions() -> None:
    work = [ai(f"Checked recipe_{i}.json: title_{i}, steps_{i} and tags_{i} are all present.")
            for i in range(40)]
    first = SessionIn(1, [pasted_user("Import the old recipes from the JSON dump."), *work,
                          pasted_user("Also keep the original ids as legacy_id.")])
    h1 = build_handoff(RECIPES, first, None, budget_words=400, today=TODAY).markdown
    second = SessionIn(2, [pasted_user("Now add a search box."), *work,
                           pasted_user("Make search ignore accents.")])
    h2 = build_handoff(RECIPES, second, h1, budget_words=400, today=TODAY).markdown
    requests = parse_items(sections(h2)[REQUESTS])
    assert requests.index("Now add a search box.") < requests.index(
        "Also keep the original ids as legacy_id.")  # the last request of session 1
    assert "Import the old recipes from the JSON dump." in requests
