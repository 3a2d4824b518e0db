"""Reading turns into units: what a tool prints that is not a fact never becomes one."""
from __future__ import annotations

from handoff.builder import build_handoff, in_time_order
from handoff.document import LAST_REQUEST, MASTER, parse_markdown
from handoff.scan import technical_tokens, units_of
from handoff.types import ProjectIn, SessionIn, TurnIn


def texts(turn: TurnIn) -> list[str]:
    return [u.text for u in units_of(0, turn)]


def test_numbered_file_lines_a_tool_shows_are_not_units() -> None:
    shown = TurnIn("tool", "Tool", "file", "\n".join([
        "   12→    def handle_event(self, name, payload):",  # an editor's Read
        "     7\tcase TK_MATCH_CAPTURE: return pattern_type;",  # cat -n
        "970-  padding: 2px 6px;",  # grep -n context
        "Error: could not load cache for the build directory",
    ]))
    assert texts(shown) == ["Error: could not load cache for the build directory"]


def test_a_tool_calls_json_arguments_are_not_a_sentence() -> None:
    said = TurnIn("assistant", "Claude", "file",
                  '[tool Edit] {"file_path": "/src/app.py", "old_string": "a = 1"}\n'
                  "The handler now returns early when the payload is empty.")
    assert texts(said) == ["The handler now returns early when the payload is empty."]


def test_json_escaped_line_breaks_are_not_part_of_a_token() -> None:
    tokens = list(technical_tokens(r'"case TK_MATCH_CAPTURE:\n  return x;\n" in C:\Users\nick\app'))
    assert "TK_MATCH_CAPTURE" in tokens
    assert not any(t.endswith("\\n") for t in tokens)
    assert r"C:\Users\nick\app" in tokens  # a Windows path keeps its \n


def test_a_tools_notice_in_the_persons_name_is_never_the_last_request() -> None:
    notice = ("<task-notification>\n<task-id>b76</task-id>\n<status>completed</status>\n"
              "<summary>Background command finished (exit code 0)</summary>\n"
              "</task-notification>\nRead the output file to retrieve the result.")
    turns = [
        TurnIn("user", "You", "file", "Add pagination to the /recipes endpoint of app/api.py."),
        TurnIn("assistant", "Claude", "file", "Pagination works: /recipes?page=2 returns 20 rows."),
        TurnIn("user", "You", "file", notice),
        TurnIn("user", "You", "file", "[Request interrupted by user]"),
    ]
    assert [t.role for t in in_time_order(turns)] == ["user", "assistant", "system", "system"]
    markdown = build_handoff(ProjectIn("Recipes"), SessionIn(1, turns), None).markdown
    sections = dict(parse_markdown(markdown).sections)
    quoted = "\n".join(ln for ln in sections[LAST_REQUEST].splitlines() if ln.startswith(">"))
    assert "pagination to the /recipes endpoint" in quoted
    assert "task-notification" not in quoted + sections[MASTER]
    assert "interrupted" not in quoted + sections[MASTER]
    assert "System: <task-notification>" in sections[LAST_REQUEST]  # shown for what it is
