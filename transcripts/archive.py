"""Pull the conversation file out of an export zip without trusting its headers.

ChatGPT and Claude exports arrive as zips holding `conversations.json`. Zips
can lie about sizes (zip bombs), so the entry count and the declared sizes are
checked first and the chosen member is then read through a capped stream.
The file-size limit (`Limits.max_bytes`) holds inside the zip too: only one member is
ever unpacked, and it (so everything unpacked) is refused past that limit, at most one
byte past it inflated.
"""
from __future__ import annotations

import io
import zipfile
import zlib

from ._util import human_size
from .model import Limits, TranscriptError

ZIP_MAGIC = b"PK\x03\x04"
# Preferred members, best first: AI exports, then a Telegram export.
_WANTED = ("conversations.json", "result.json")
_CHUNK = 1024 * 1024


def is_zip(filename: str, data: bytes) -> bool:
    """True for a .zip name or zip magic bytes (some clients drop the extension)."""
    return filename.lower().endswith(".zip") or data.startswith(ZIP_MAGIC)


def extract_export(data: bytes, limits: Limits) -> tuple[str, bytes]:
    """(member name, member bytes) of the conversation file inside a zip."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            members = archive.infolist()
            _check_members(members, limits)
            member = _pick(members)
            return member.filename, _read_capped(archive, member, limits)
    except TranscriptError:
        raise
    except (zipfile.BadZipFile, zipfile.LargeZipFile, zlib.error, EOFError, OSError, ValueError,
            NotImplementedError, RuntimeError, KeyError, IndexError, OverflowError):
        # RuntimeError: encrypted member; NotImplementedError: unknown compression.
        raise TranscriptError("That zip file is damaged, encrypted or uses a format I can't read.") from None


def _check_members(members: list[zipfile.ZipInfo], limits: Limits) -> None:
    if len(members) > limits.max_zip_members:
        raise TranscriptError(
            f"That zip holds {len(members):,} files; I read at most {limits.max_zip_members:,}."
        )
    declared = sum(m.file_size for m in members)
    if declared > limits.max_zip_total:
        raise TranscriptError(
            f"That zip unpacks to {human_size(declared)}; I read at most {human_size(limits.max_zip_total)}."
        )


def _pick(members: list[zipfile.ZipInfo]) -> zipfile.ZipInfo:
    """The shallowest member named like a known export file."""
    for wanted in _WANTED:
        found = [
            m for m in members
            if not m.is_dir() and m.filename.replace("\\", "/").rsplit("/", 1)[-1].lower() == wanted
        ]
        if found:
            return min(found, key=lambda m: (m.filename.count("/"), m.filename))
    raise TranscriptError("That zip has no conversations.json (or Telegram result.json) in it.")


def _read_capped(archive: zipfile.ZipFile, member: zipfile.ZipInfo, limits: Limits) -> bytes:
    """Read at most `Limits.member_cap` bytes, whatever the header claims: the stream is
    inflated a chunk at a time and never past the cap plus one byte."""
    cap = limits.member_cap
    if member.file_size > cap:
        raise TranscriptError(f"{member.filename} in that zip unpacks to "
                              f"{human_size(member.file_size)}; I read at most {human_size(cap)}.")
    buffer = bytearray()
    with archive.open(member) as stream:
        while chunk := stream.read(min(_CHUNK, cap + 1 - len(buffer))):
            buffer.extend(chunk)
            if len(buffer) > cap:
                raise TranscriptError(f"{member.filename} in that zip unpacks to more than "
                                      f"{human_size(cap)}, the most I read.")
    if buffer.startswith(ZIP_MAGIC):
        raise TranscriptError("That zip holds another zip; I don't open zips inside zips.")
    return bytes(buffer)
