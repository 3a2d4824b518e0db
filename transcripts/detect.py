"""The one entry point: bytes of an uploaded file in, a Transcript (or a Choice) out.

Every failure is a TranscriptError whose message can be shown to the user as is.
"""
from __future__ import annotations

from collections.abc import Callable
from types import ModuleType
from typing import Any

from . import aider, chatgpt, claude, claude_code, codex, gemini_cli, openhands, specstory, telegram_export
from ._util import human_size
from .archive import extract_export, is_zip
from .decode import decode_text
from .jsonload import load_json, load_json_lines
from .model import Choice, ConversationInfo, Limits, ParsedTurn, Transcript, TranscriptError
from .pasted import has_markers, split_pasted

# Sniffed in this order; each module offers matches/conversations/list/parse.
_FORMATS: tuple[ModuleType, ...] = (chatgpt, claude, telegram_export, openhands,
                                    codex, gemini_cli, claude_code)
_JSON_SUFFIXES = (".json", ".jsonl", ".ndjson")
_TEXT_SUFFIXES = (".txt", ".md", ".markdown", ".text")
UNKNOWN_JSON = "That JSON is not a ChatGPT, Claude, Telegram or agent export I know."
NO_MESSAGES = "I found no messages in that file."


def parse_file(
    filename: str,
    data: bytes,
    *,
    choose: str | None = None,
    limits: Limits = Limits(),
) -> Transcript | Choice:
    """Parse an uploaded export, archive or pasted-text file.

    Returns a Choice when the file holds several conversations and `choose`
    (a title, unique title prefix/substring, or "#<index>") is None.
    """
    if len(data) > limits.max_bytes:
        raise TranscriptError(
            f"That file is {human_size(len(data))}; I read at most {human_size(limits.max_bytes)}."
        )
    name = filename.lower()
    if is_zip(name, data):
        folder = claude_code.read_folder(data, limits)  # a ~/.claude/projects/<dir> folder
        if folder is not None:
            picked = _select(claude_code, folder, choose)
            return _finish(picked, limits) if isinstance(picked, Transcript) else picked
        name, data = extract_export(data, limits)
        name = name.lower()
        if not name.endswith(_JSON_SUFFIXES):
            name += ".json"
    text = decode_text(data)
    if not text.strip():
        raise TranscriptError(NO_MESSAGES)
    value = _json_value(name, text, limits)
    if value is _NOT_JSON:
        result: Transcript | Choice = _from_text(text, choose)
    else:
        result = _from_json(value, choose)
    if isinstance(result, Transcript):
        return _finish(result, limits)
    return result


_NOT_JSON = object()
# Agent histories written as markdown, sniffed by their first lines before the pasted-chat rules.
_TEXT_FORMATS: tuple[ModuleType, ...] = (aider, specstory)


def _from_text(text: str, choose: str | None) -> Transcript | Choice:
    for module in _TEXT_FORMATS:
        if module.matches(text):
            return _select(module, text, choose)
    return Transcript("", tuple(split_pasted(text)), "pasted" if has_markers(text) else "text")


def _json_value(name: str, text: str, limits: Limits) -> Any:
    """The loaded JSON, or _NOT_JSON for text that should be read as a pasted chat."""
    if name.endswith((".jsonl", ".ndjson")):
        return load_json_lines(text, limits.max_depth)
    if name.endswith(".json"):
        try:
            return load_json(text, limits.max_depth)
        except TranscriptError as error:
            if "\n" not in text.strip():
                raise
            first_error = error
        try:  # JSONL saved as .json
            return load_json_lines(text, limits.max_depth)
        except TranscriptError:
            raise first_error from None
    if name.endswith(_TEXT_SUFFIXES) or text.lstrip()[:1] not in ("{", "["):
        return _NOT_JSON
    try:  # unknown extension that looks like JSON: use it only if it parses
        return load_json(text, limits.max_depth)
    except TranscriptError:
        return _NOT_JSON


def _from_json(value: Any, choose: str | None) -> Transcript | Choice:
    for module in _FORMATS:
        if module.matches(value):
            return _select(module, value, choose)
    raise TranscriptError(UNKNOWN_JSON)


def _select(module: ModuleType, value: Any, choose: str | None) -> Transcript | Choice:
    infos: list[ConversationInfo] = module.list_conversations(value)
    if not infos:
        raise TranscriptError(NO_MESSAGES)
    parse: Callable[[Any], Transcript] = module.parse_conversation
    objects = module.conversations(value)
    if choose is not None:
        return parse(objects[_match(infos, choose).index])
    if len(infos) == 1:
        return parse(objects[infos[0].index])
    return Choice(infos, module.FORMAT)


def _match(infos: list[ConversationInfo], choose: str) -> ConversationInfo:
    """Pick by "#index", exact title, unique title prefix, then unique substring."""
    wanted = choose.strip()
    if wanted.startswith("#") and wanted[1:].isdigit():
        for info in infos:
            if info.index == int(wanted[1:]):
                return info
    folded = wanted.casefold()
    if folded:
        for test in (
            lambda title: title == folded,
            lambda title: title.startswith(folded),
            lambda title: folded in title,
        ):
            hits = [info for info in infos if test(info.title.casefold())]
            if len(hits) == 1:
                return hits[0]
            if len(hits) > 1:
                raise TranscriptError(
                    f"{len(hits)} conversations in that file match '{choose}'; please be more specific."
                )
    raise TranscriptError(f"No conversation called '{choose}' in that file.")


def _finish(transcript: Transcript, limits: Limits) -> Transcript:
    """Enforce the turn cap and drop lone surrogates so the text can always be sent."""
    if not transcript.turns:
        raise TranscriptError(NO_MESSAGES)
    if len(transcript.turns) > limits.max_turns:
        raise TranscriptError(
            f"That conversation has {len(transcript.turns):,} messages; I read at most {limits.max_turns:,}."
        )
    return Transcript(
        _clean(transcript.title),
        tuple(ParsedTurn(t.role, _clean(t.author), _clean(t.text), t.at) for t in transcript.turns),
        transcript.format,
    )


def _clean(text: str) -> str:
    """Replace lone surrogates (valid in JSON escapes, invalid in UTF-8) with "?"."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return text.encode("utf-8", "replace").decode("utf-8")
    return text
