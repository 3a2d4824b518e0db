"""parse_file: format sniffing, conversation choice, limits, zips and bad input."""
from __future__ import annotations

import io
import json
import zipfile
from pathlib import Path

import pytest

from tests.conftest import read_sample
from transcripts import Choice, Limits, Transcript, TranscriptError, parse_file
from transcripts.detect import NO_MESSAGES, UNKNOWN_JSON

# sample -> (format, title, counts) for single-conversation files,
#           (format, None, [titles newest first]) for multi-conversation files
SAMPLES: dict[str, tuple[str, str | None, object]] = {
    "exports/chatgpt/librechat_chatgpt_tree.json":
        ("chatgpt", "Assist user with summary", {"user": 3, "assistant": 3}),
    "exports/chatgpt/polylogue_native_conversation_v1.json":
        ("chatgpt", "Privacy-safe ChatGPT native fixture", {"user": 1, "tool": 2, "assistant": 1}),
    "exports/chatgpt/librechat_chatgpt_export.json":
        ("chatgpt", None, ["Conversation 1. Web Search", "Conversation 2"]),
    "exports/chatgpt/ai_chat_md_export_minimal.json":
        ("chatgpt", None, ["Code Help", "Math Question"]),
    "exports/claude/claude_to_sqlite_artifacts.json":
        ("claude", "LLM Pricing Calculator", {"user": 10, "assistant": 10}),
    "exports/claude/claude_chat_viewer_bakery_chat.json":
        ("claude", "Interactive Bakery Comparison Visualization", {"user": 2, "assistant": 2}),
    "exports/telegram/tg2md_result.json": ("telegram", "test", {"user": 18}),
    "exports/telegram/langchain_telegram_result.json": ("telegram", "Jimmeny", {"user": 6}),
    "transcripts/openhands_traj_basic_gui_mode.json":
        ("openhands", "", {"user": 1, "assistant": 5, "tool": 4}),
    "transcripts/openhands_multi_swe_bench_output.jsonl": ("openhands", None, [
        "ponylang__ponyc-4588: Incorrect aliasing of iso when using match",
        "ponylang__ponyc-4593: CommandParser ignores parent default options when parsing leaf command",
        "ponylang__ponyc-4595: ponyc segfaults when trying to match using a single element tuple form",
    ]),
    "transcripts/openhands_resolver_output.jsonl": ("openhands", None, [
        "neubig/pr-viewer#5: Add MIT license",
        "neubig/pr-viewer#1: Add a toggle for dark mode",
    ]),
}


@pytest.mark.samples
def test_every_sample_file_is_covered(sample_data: Path) -> None:
    on_disk = {
        str(p.relative_to(sample_data)) for p in sample_data.rglob("*")
        if p.suffix in (".json", ".jsonl") and "LICENSES" not in p.parts
    }
    assert on_disk == set(SAMPLES)


@pytest.mark.parametrize("relative", sorted(SAMPLES))
@pytest.mark.samples
def test_samples_parse(sample_data: Path, relative: str) -> None:
    fmt, title, expected = SAMPLES[relative]
    result = parse_file(Path(relative).name, read_sample(sample_data, relative))
    assert result.format == fmt
    if title is None:
        assert isinstance(result, Choice)
        assert [c.title for c in result.conversations] == expected
    else:
        assert isinstance(result, Transcript)
        assert (result.title, result.counts()) == (title, expected)


@pytest.mark.samples
def test_choose_by_title_prefix_substring_and_index(sample_data: Path) -> None:
    data = read_sample(sample_data, "exports/chatgpt/librechat_chatgpt_export.json")
    by_prefix = parse_file("conversations.json", data, choose="conversation 1")
    assert isinstance(by_prefix, Transcript) and by_prefix.title == "Conversation 1. Web Search"
    by_substring = parse_file("conversations.json", data, choose="WEB SEARCH")
    assert isinstance(by_substring, Transcript) and by_substring.title == "Conversation 1. Web Search"
    exact = parse_file("conversations.json", data, choose="Conversation 2")
    assert isinstance(exact, Transcript) and exact.counts() == {"user": 2, "assistant": 2}
    by_index = parse_file("conversations.json", data, choose="#1")
    assert isinstance(by_index, Transcript) and by_index.title == "Conversation 2"
    with pytest.raises(TranscriptError, match=r"^2 conversations in that file match 'conversation'"):
        parse_file("conversations.json", data, choose="conversation")


@pytest.mark.parametrize("choose", ["nothing like it", "#7", "#x", ""])
@pytest.mark.samples
def test_choose_naming_nothing(sample_data: Path, choose: str) -> None:
    data = read_sample(sample_data, "transcripts/openhands_resolver_output.jsonl")
    with pytest.raises(TranscriptError) as info:
        parse_file("output.jsonl", data, choose=choose)
    assert str(info.value) == f"No conversation called '{choose}' in that file."


@pytest.mark.samples
def test_choice_infos_carry_counts(sample_data: Path) -> None:
    result = parse_file("out.jsonl", read_sample(sample_data, "transcripts/openhands_multi_swe_bench_output.jsonl"))
    assert isinstance(result, Choice)
    assert [(c.index, c.message_count) for c in result.conversations] == [(2, 100), (1, 67), (0, 45)]


def zip_bytes(members: dict[str, bytes], compression: int = zipfile.ZIP_DEFLATED) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression) as archive:
        for name, content in members.items():
            archive.writestr(name, content)
    return buffer.getvalue()


@pytest.mark.samples
def test_zip_with_conversations_json(sample_data: Path) -> None:
    inner = read_sample(sample_data, "exports/claude/claude_to_sqlite_artifacts.json")
    data = zip_bytes({"users.json": b"[]", "export/conversations.json": inner, "chat.html": b"<html>"})
    for name in ("claude-export.zip", "upload.bin"):  # by extension, then by magic bytes
        result = parse_file(name, data)
        assert isinstance(result, Transcript) and result.title == "LLM Pricing Calculator"


@pytest.mark.samples
def test_zip_with_telegram_result_json(sample_data: Path) -> None:
    inner = read_sample(sample_data, "exports/telegram/langchain_telegram_result.json")
    result = parse_file("export.zip", zip_bytes({"ChatExport/result.json": inner, "ChatExport/photos/a.jpg": b"\xff"}))
    assert isinstance(result, Transcript) and result.format == "telegram"


def test_zip_without_conversations_json() -> None:
    with pytest.raises(TranscriptError, match="^That zip has no conversations.json"):
        parse_file("x.zip", zip_bytes({"notes.txt": b"User: hi"}))


def test_zip_with_too_many_members() -> None:
    data = zip_bytes({f"f{i}.txt": b"" for i in range(101)})
    with pytest.raises(TranscriptError) as info:
        parse_file("x.zip", data)
    assert str(info.value) == "That zip holds 101 files; I read at most 100."


def test_zip_member_decompressing_past_the_limit() -> None:
    bomb = zip_bytes({"conversations.json": b"[" + b" " * 200_000 + b"]"})
    assert len(bomb) < 2_000
    with pytest.raises(TranscriptError, match="unpacks to 195 KB; I read at most 98 KB"):
        parse_file("x.zip", bomb, limits=Limits(max_member_bytes=100_000))


def test_the_file_size_limit_holds_for_zip_members() -> None:
    """max_bytes caps what a member unpacks to, not only the zip (issue 9 point 5)."""
    bomb = zip_bytes({"conversations.json": b"[" + b" " * 200_000 + b"]"})
    with pytest.raises(TranscriptError, match="unpacks to 195 KB; I read at most 98 KB"):
        parse_file("x.zip", bomb, limits=Limits(max_bytes=100_000))
    assert Limits(max_bytes=100_000).member_cap == 100_000
    assert Limits(max_bytes=10**9).member_cap == Limits().max_member_bytes


def test_zip_member_lying_about_its_size_is_still_capped() -> None:
    """A header claiming a tiny size must not let more bytes through."""
    payload = b"[" + b" " * 50_000 + b"]"
    data = bytearray(zip_bytes({"conversations.json": payload}, zipfile.ZIP_STORED))
    # Patch the declared uncompressed size (local header offset 22, central directory +24).
    small = (10).to_bytes(4, "little")
    data[22:26] = small
    central = data.rfind(b"PK\x01\x02")
    data[central + 24:central + 28] = small
    with pytest.raises(TranscriptError):
        parse_file("x.zip", bytes(data), limits=Limits(max_member_bytes=1_000))


def test_zip_declared_total_too_large() -> None:
    data = zip_bytes({"a.txt": b"x" * 5000, "conversations.json": b"[]"})
    with pytest.raises(TranscriptError, match="^That zip unpacks to"):
        parse_file("x.zip", data, limits=Limits(max_zip_total=4000))


def test_nested_zip_is_not_followed() -> None:
    inner = zip_bytes({"conversations.json": b"[]"})
    with pytest.raises(TranscriptError, match="zips inside zips"):
        parse_file("x.zip", zip_bytes({"conversations.json": inner}))


def test_damaged_zip() -> None:
    data = zip_bytes({"conversations.json": b"[]" * 100})
    with pytest.raises(TranscriptError, match="^That zip file is damaged"):
        parse_file("x.zip", data[: len(data) // 2])


def test_over_max_bytes() -> None:
    with pytest.raises(TranscriptError) as info:
        parse_file("big.txt", b"x" * (3 * 1024 * 1024 + 1), limits=Limits(max_bytes=2 * 1024 * 1024))
    assert str(info.value) == "That file is 3 MB; I read at most 2 MB."


@pytest.mark.parametrize(
    ("name", "data", "message"),
    [
        ("c.json", b'[{"mapping": {', "That JSON file is malformed or cut off (line 1, column 15)."),
        ("c.json", b'{"hello": "world"}', UNKNOWN_JSON),
        ("c.json", b"[1, 2, 3]", UNKNOWN_JSON),
        ("c.json", b"[]", UNKNOWN_JSON),
        ("c.jsonl", b'{"a": 1}\n{"b": 2}\n', UNKNOWN_JSON),
        ("c.json", b'{"mapping": {}, "title": "empty"}', NO_MESSAGES),
        ("c.json", b"   \n", NO_MESSAGES),
        ("c.txt", b"", NO_MESSAGES),
        ("c.json", b"[" * 100_000 + b"]" * 100_000, "That JSON file is nested more than 200 levels deep."),
        ("photo.json", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "That file is not text I can read (it looks binary)."),
    ],
)
def test_bad_files(name: str, data: bytes, message: str) -> None:
    with pytest.raises(TranscriptError) as info:
        parse_file(name, data)
    assert str(info.value) == message


@pytest.mark.samples
def test_truncated_sample_names_line(sample_data: Path) -> None:
    data = read_sample(sample_data, "exports/chatgpt/librechat_chatgpt_tree.json")
    with pytest.raises(TranscriptError, match=r"malformed or cut off \(line \d+, column \d+\)\.$"):
        parse_file("conversations.json", data[: len(data) // 2])


def test_pasted_text_files() -> None:
    pasted = parse_file("chat.md", "##### You said:\nhi\n##### ChatGPT said:\nhello".encode("utf-16"))
    assert isinstance(pasted, Transcript) and pasted.format == "pasted"
    assert [(t.role, t.author, t.text) for t in pasted.turns] == [
        ("user", "You", "hi"), ("assistant", "ChatGPT", "hello"),
    ]
    plain = parse_file("notes.txt", b"\xef\xbb\xbfjust my notes\n")
    assert isinstance(plain, Transcript) and plain.format == "text"
    assert [(t.role, t.author, t.text) for t in plain.turns] == [("note", "", "just my notes")]


def test_json_looking_text_with_txt_extension_stays_text() -> None:
    result = parse_file("snippet.txt", b'{"mapping": {}}')
    assert isinstance(result, Transcript) and result.format == "text"


@pytest.mark.samples
def test_unknown_extension_sniffs_json(sample_data: Path) -> None:
    data = read_sample(sample_data, "exports/telegram/langchain_telegram_result.json")
    result = parse_file("result", data)
    assert isinstance(result, Transcript) and result.format == "telegram"
    broken = parse_file("clip", b"[not json]\nUser: hi")
    assert isinstance(broken, Transcript) and broken.format == "pasted"


@pytest.mark.samples
def test_jsonl_saved_as_json(sample_data: Path) -> None:
    data = read_sample(sample_data, "transcripts/openhands_resolver_output.jsonl")
    assert isinstance(parse_file("output.json", data), Choice)


def test_max_turns() -> None:
    text = "\n".join(f"User: q{i}\nAssistant: a{i}" for i in range(6)).encode()
    with pytest.raises(TranscriptError, match="^That conversation has 12 messages; I read at most 10.$"):
        parse_file("chat.txt", text, limits=Limits(max_turns=10))


def test_lone_surrogates_are_replaced() -> None:
    conv = {"title": "t\ud800", "mapping": {"a": {"parent": None, "children": [], "message": {
        "author": {"role": "user"}, "content": {"content_type": "text", "parts": ["bad \udc00 char"]}}}}}
    result = parse_file("c.json", json.dumps(conv).encode())
    assert isinstance(result, Transcript)
    assert (result.title, result.turns[0].text) == ("t?", "bad ? char")
