"""Byte decoding and guarded JSON loading."""
from __future__ import annotations

import pytest

from transcripts.decode import NOT_TEXT, NOT_UTF, decode_text
from transcripts.jsonload import load_json, load_json_lines
from transcripts.model import TranscriptError

SAMPLE = "User: héllo ✓\nAssistant: 你好"


@pytest.mark.parametrize(
    "data",
    [
        SAMPLE.encode("utf-8"),
        b"\xef\xbb\xbf" + SAMPLE.encode("utf-8"),
        b"\xff\xfe" + SAMPLE.encode("utf-16-le"),
        b"\xfe\xff" + SAMPLE.encode("utf-16-be"),
        SAMPLE.encode("utf-16"),  # Python writes a BOM in native order
        b"\xff\xfe\x00\x00" + SAMPLE.encode("utf-32-le"),
        b"\x00\x00\xfe\xff" + SAMPLE.encode("utf-32-be"),
    ],
)
def test_decodes_boms_and_encodings(data: bytes) -> None:
    assert decode_text(data) == SAMPLE


def test_empty_bytes_decode_to_empty_text() -> None:
    assert decode_text(b"") == ""


@pytest.mark.parametrize(
    "data",
    [
        b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR",
        b"abc\x00def",
        SAMPLE.encode("utf-16-le"),  # UTF-16 without BOM is indistinguishable from binary
        bytes(range(1, 32)) * 10,
    ],
)
def test_binary_is_rejected(data: bytes) -> None:
    with pytest.raises(TranscriptError) as info:
        decode_text(data)
    assert str(info.value) == NOT_TEXT


def test_latin1_is_rejected_as_not_utf() -> None:
    with pytest.raises(TranscriptError) as info:
        decode_text("café crème".encode("latin-1"))
    assert str(info.value) == NOT_UTF


def test_utf16_with_bom_but_odd_length_is_rejected() -> None:
    with pytest.raises(TranscriptError):
        decode_text(b"\xff\xfe" + "hi".encode("utf-16-le") + b"\x41")


def test_tabs_and_escape_sequences_are_text() -> None:
    assert decode_text(b"a\tb\x1b[0m\n") == "a\tb\x1b[0m\n"


def test_load_json_ok() -> None:
    assert load_json('{"a": [1, "]]]]"]}') == {"a": [1, "]]]]"]}


@pytest.mark.parametrize(
    ("text", "where"),
    [
        ('{"a": [1, 2', "line 1, column 12"),
        ('[\n  {"x": 1},\n  {"y": }\n]', "line 3, column 9"),
        ("", "line 1, column 1"),
    ],
)
def test_malformed_json_names_line_and_column(text: str, where: str) -> None:
    with pytest.raises(TranscriptError) as info:
        load_json(text)
    assert str(info.value) == f"That JSON file is malformed or cut off ({where})."


def test_deep_nesting_is_refused_without_recursion() -> None:
    text = "[" * 100_000 + "]" * 100_000
    with pytest.raises(TranscriptError) as info:
        load_json(text)
    assert "nested more than 200 levels" in str(info.value)


def test_deep_nesting_of_objects_counts_too() -> None:
    text = '{"a":' * 300 + "1" + "}" * 300
    with pytest.raises(TranscriptError):
        load_json(text)
    assert load_json(text, max_depth=300) is not None


def test_brackets_inside_strings_do_not_count() -> None:
    text = '["' + "[" * 1000 + '\\"' + "{" * 1000 + '"]'
    assert load_json(text) == ["[" * 1000 + '"' + "{" * 1000]


def test_huge_integer_is_a_transcript_error() -> None:
    with pytest.raises(TranscriptError):
        load_json("1" * 10_000)


def test_json_lines() -> None:
    assert load_json_lines('{"a": 1}\n\n[2]\r\n') == [{"a": 1}, [2]]


def test_json_lines_error_names_the_line() -> None:
    with pytest.raises(TranscriptError) as info:
        load_json_lines('{"a": 1}\n{"b": \n')
    assert "(line 2, column" in str(info.value)
