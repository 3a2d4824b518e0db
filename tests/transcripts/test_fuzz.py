"""No input bytes may make parse_file raise anything but TranscriptError."""
from __future__ import annotations

import io
import json
import random
import zipfile
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import read_sample
from tests.transcripts.test_detect import SAMPLES
from transcripts import Choice, Limits, Transcript, TranscriptError, parse_file

SMALL = Limits(max_bytes=2 * 1024 * 1024, max_member_bytes=2 * 1024 * 1024)
# Values a mutated export may hold where a parser expects something else.
ODD_VALUES: tuple[Any, ...] = (None, True, 0, -1, 1.5, 1e308, "", "x", "\ud800", [], {}, [None], {"": None})


def check(name: str, data: bytes, choose: str | None = None) -> None:
    """parse_file returns a sane result or a one-sentence TranscriptError."""
    try:
        result = parse_file(name, data, choose=choose, limits=SMALL)
    except TranscriptError as error:
        message = str(error)
        assert message and "\n" not in message and message[-1] in ".?", message
        return
    assert isinstance(result, (Transcript, Choice))
    if isinstance(result, Transcript):
        assert result.turns
        for turn in result.turns:
            assert isinstance(turn.text, str) and isinstance(turn.author, str)
            assert turn.role in ("user", "assistant", "tool", "system", "note")
            turn.text.encode("utf-8")  # no lone surrogates reach the bot
    else:
        assert len(result.conversations) > 1


@pytest.mark.parametrize("relative", sorted(SAMPLES))
@pytest.mark.samples
def test_truncated_samples(sample_data: Path, relative: str) -> None:
    data = read_sample(sample_data, relative)
    name = Path(relative).name
    for cut in range(1, 11):
        check(name, data[: len(data) * cut // 11])
        check("x.txt", data[: len(data) * cut // 11])


@pytest.mark.parametrize("relative", sorted(SAMPLES))
@pytest.mark.samples
def test_structurally_mutated_samples(sample_data: Path, relative: str) -> None:
    """Replace random subtrees of the real JSON with values of the wrong type."""
    text = read_sample(sample_data, relative).decode("utf-8")
    lines = relative.endswith(".jsonl")
    original = [json.loads(line) for line in text.splitlines() if line.strip()] if lines else json.loads(text)
    rng = random.Random(relative)
    for _ in range(40):
        mutated = _mutate(json.loads(json.dumps(original)), rng)
        if lines:
            payload = "\n".join(json.dumps(item) for item in mutated) if isinstance(mutated, list) else json.dumps(mutated)
        else:
            payload = json.dumps(mutated)
        check(Path(relative).name, payload.encode("utf-8", "surrogatepass"))
        check(Path(relative).name, payload.encode("utf-8", "surrogatepass"), choose="#0")


def _mutate(value: Any, rng: random.Random) -> Any:
    """Return `value` with a few random nodes swapped for odd values."""
    nodes: list[tuple[Any, Any]] = []
    stack: list[Any] = [value]
    while stack:
        current = stack.pop()
        keys = list(current) if isinstance(current, dict) else range(len(current)) if isinstance(current, list) else []
        for key in keys:
            nodes.append((current, key))
            if isinstance(current[key], (dict, list)):
                stack.append(current[key])
    for container, key in rng.sample(nodes, min(len(nodes), rng.randint(1, 12))):
        container[key] = rng.choice(ODD_VALUES)
    return value


def test_random_bytes() -> None:
    rng = random.Random(20240601)
    names = ["conversations.json", "out.jsonl", "chat.txt", "export.zip", "blob"]
    for index in range(50):
        size = rng.choice([1, 2, 3, 17, 256, 4096])
        data = bytes(rng.getrandbits(8) for _ in range(size))
        if index % 5 == 0:
            data = b"PK\x03\x04" + data
        elif index % 5 == 1:
            data = b"\xff\xfe" + data
        check(names[index % len(names)], data)


@pytest.mark.samples
def test_random_zips_of_samples(sample_data: Path) -> None:
    """Export zips holding real samples, then corrupted at random offsets."""
    rng = random.Random(7)
    inner = read_sample(sample_data, "exports/chatgpt/librechat_chatgpt_export.json")
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("conversations.json", inner)
    good = buffer.getvalue()
    check("export.zip", good)
    for _ in range(30):
        broken = bytearray(good)
        for _ in range(rng.randint(1, 4)):
            broken[rng.randrange(len(broken))] = rng.getrandbits(8)
        check("export.zip", bytes(broken))
        check("export.zip", good[: rng.randrange(len(good))])
