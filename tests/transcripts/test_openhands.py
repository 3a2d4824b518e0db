"""OpenHands trajectories: event arrays, JSONL runs, the older resolver schema."""
from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import read_sample
from transcripts import openhands
from transcripts._util import HEAD_LINES, TAIL_LINES
from transcripts.jsonload import load_json_lines

DIR = "transcripts/"


def load(sample_data: Path, name: str) -> Any:
    text = read_sample(sample_data, DIR + name).decode("utf-8")
    return load_json_lines(text) if name.endswith(".jsonl") else json.loads(text)


@pytest.mark.samples
def test_gui_event_array(sample_data: Path) -> None:
    data = load(sample_data, "openhands_traj_basic_gui_mode.json")
    assert openhands.conversations(data) == [data]
    t = openhands.parse_conversation(data)
    assert t.title == ""
    assert [(x.role, x.author) for x in t.turns] == [
        ("user", "user"),
        ("assistant", "agent"), ("tool", "run"),
        ("assistant", "agent"), ("tool", "edit"),
        ("assistant", "agent"), ("tool", "edit"),
        ("assistant", "agent"), ("tool", "run"),
        ("assistant", "agent"),
    ]
    assert t.turns[0].text.startswith("I want to create a VueJS app")
    assert t.turns[1].text.endswith("\n\n$ mkdir -p /workspace/todo-app")
    assert t.turns[2].text == "(no output, exit code 0)"
    assert t.turns[3].text.endswith("Edit /workspace/todo-app/index.html")
    assert t.turns[7].text.endswith("$ cd /workspace/todo-app && python3 -m http.server 8000")
    assert t.turns[8].text.endswith("[exit code -1]")
    assert t.turns[9].text.startswith("I've created a complete Vue.js todo application")


@pytest.mark.samples
def test_long_observations_keep_their_head_and_tail(sample_data: Path) -> None:
    t = openhands.parse_conversation(load(sample_data, "openhands_traj_basic_gui_mode.json"))
    diff = t.turns[4].text
    assert diff.startswith("--- /workspace/todo-app/index.html")
    lines = diff.split("\n")
    assert lines[HEAD_LINES].startswith("[… ") and lines[HEAD_LINES].endswith(" lines cut …]")
    assert len(lines) <= HEAD_LINES + 1 + TAIL_LINES  # the last lines, where results are


@pytest.mark.samples
def test_multi_swe_bench_runs(sample_data: Path) -> None:
    data = load(sample_data, "openhands_multi_swe_bench_output.jsonl")
    infos = openhands.list_conversations(data)
    assert [i.index for i in infos] == [2, 1, 0]  # latest run first
    assert infos[2].title == (
        "ponylang__ponyc-4595: ponyc segfaults when trying to match using a single element tuple form"
    )
    runs = [openhands.parse_conversation(run) for run in openhands.conversations(data)]
    assert [r.counts() for r in runs] == [
        {"user": 1, "assistant": 23, "tool": 21},
        {"user": 1, "assistant": 33, "tool": 33},
        {"user": 1, "assistant": 49, "tool": 49, "note": 1},
    ]
    first = runs[0]
    assert "You are OpenHands agent" not in "\n".join(x.text for x in first.turns)
    assert first.turns[0].text.startswith("<uploaded_files>")
    assert first.turns[1].text.endswith("$ ls -l /workspace/ponylang__ponyc__0.1")
    assert "Your thought has been logged." not in "\n".join(x.text for x in first.turns)
    assert "AST_FLAG_IN_PARENS" in first.turns[-1].text  # finish: thought + final_thought
    assert runs[2].turns[-1].text.startswith("The run stopped with an error: RuntimeError: Agent reached maximum iteration")
    assert any(x.author == "error" for x in runs[1].turns)


@pytest.mark.samples
def test_resolver_old_schema(sample_data: Path) -> None:
    data = load(sample_data, "openhands_resolver_output.jsonl")
    runs = [openhands.parse_conversation(run) for run in openhands.conversations(data)]
    assert [r.title for r in runs] == [
        "neubig/pr-viewer#5: Add MIT license",
        "neubig/pr-viewer#1: Add a toggle for dark mode",
    ]
    assert runs[0].counts() == {"user": 1, "assistant": 4, "tool": 3}
    assert runs[1].counts() == {"user": 1, "assistant": 22, "tool": 21}
    license_run = runs[0]
    assert license_run.turns[0].text.startswith("Please fix the following issue")
    assert license_run.turns[1].text.endswith("$ touch LICENSE")
    assert license_run.turns[3].text.split("\n\n", 1)[1].startswith('```python\nmit_license = """MIT License')
    assert license_run.turns[4].author == "run_ipython"
    assert "\r" not in license_run.turns[6].text


def test_pair_history_and_unknown_actions() -> None:
    run = {
        "instance_id": "x-1",
        "history": [
            [{"action": "message", "args": {"content": "do it"}, "source": "user"}, {"observation": "null"}],
            [{"action": "browse", "args": {"url": "https://e.org", "thought": "look"}, "source": "agent"},
             {"observation": "browse", "content": "page", "source": "agent"}],
            [{"action": "delegate", "args": {"agent": "Browser"}, "source": "agent"}, {}],
        ],
    }
    t = openhands.parse_conversation(run)
    assert t.title == "x-1"
    assert [(x.role, x.text) for x in t.turns] == [
        ("user", "do it"),
        ("assistant", "look\n\nBrowse https://e.org"),
        ("tool", "page"),
        ("assistant", '[delegate] {"agent": "Browser"}'),
    ]
