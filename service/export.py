"""A chat's projects as one zip, for /export and `baton export`: per project a folder with
project.json (the project and its sessions), turns.jsonl (one turn a line) and every stored
handoff as markdown.

Turns are streamed from SQLite into the zip member a batch at a time and handoffs are read
one by one, so memory stays bounded however long the projects are; the zip itself goes to
the file object the caller gives (a temporary file for the bot).
"""
from __future__ import annotations

import json
import re
import unicodedata
import zipfile
from dataclasses import dataclass
from typing import IO, Any

from storage import data as data_store
from storage import projects as project_store
from storage import sessions as session_store
from storage.db import Database, utcnow
from storage.models import Project, Turn
from storage.sessions import SessionSummary
from storage.turns import iter_turns

FORMAT_VERSION = 1  # bump when the layout of the zip changes
FOLDER_CHARS = 40  # longest folder name taken from a project name
INDEX_NAME = "baton-export.json"


@dataclass(frozen=True, slots=True)
class ExportSummary:
    projects: int
    sessions: int
    turns: int
    handoffs: int


def folder_name(name: str, taken: set[str]) -> str:
    """A readable, portable folder name for a project, unique within the zip."""
    ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    base = re.sub(r"[^a-z0-9]+", "-", ascii_name.lower()).strip("-")[:FOLDER_CHARS].strip("-")
    base = base or "project"
    folder, n = base, 2
    while folder in taken:
        folder, n = f"{base}-{n}", n + 1
    taken.add(folder)
    return folder


def turn_line(turn: Turn, session_number: int) -> str:
    record = {"session": session_number, "role": turn.role, "author": turn.author,
              "source": turn.source, "time": turn.at, "stored_at": turn.created_at,
              "text": turn.text}
    return json.dumps(record, ensure_ascii=False) + "\n"


def _project_json(project: Project, summaries: list[SessionSummary]) -> dict[str, Any]:
    sessions = [{"number": s.session.number, "status": s.session.status,
                 "started_at": s.session.started_at, "ended_at": s.session.completed_at,
                 "objectives": s.session.objectives, "notes": s.session.notes, "turns": s.turns}
                for s in summaries]
    return {"name": project.name, "description": project.description,
            "created_at": project.created_at, "created_by": project.created_by,
            "sessions": sessions}


async def _write_project(db: Database, zf: zipfile.ZipFile, project: Project,
                         folder: str) -> tuple[int, int, int]:
    """Write one project's folder; returns (sessions, turns, handoffs) written."""
    summaries = await session_store.list_sessions(db, project.id)
    info = _project_json(project, summaries)
    zf.writestr(f"{folder}/project.json", json.dumps(info, ensure_ascii=False, indent=2) + "\n")
    turns = 0
    with zf.open(f"{folder}/turns.jsonl", "w") as member:
        for summary in summaries:
            async for turn in iter_turns(db, summary.session.id):
                member.write(turn_line(turn, summary.session.number).encode("utf-8"))
                turns += 1
    entries = await data_store.project_handoffs(db, project.id)
    seen: dict[tuple[int, str], int] = {}
    async for entry, markdown in data_store.handoff_markdowns(db, entries):
        key = (entry.session_number, entry.kind)
        seen[key] = seen.get(key, 0) + 1
        repeat = f"-{seen[key]}" if seen[key] > 1 else ""
        name = f"{folder}/handoffs/session-{entry.session_number}-{entry.kind}{repeat}.md"
        zf.writestr(name, markdown)
    return len(summaries), turns, len(entries)


async def write_export(db: Database, chat_id: int, out: IO[bytes]) -> ExportSummary:
    """Write the chat's projects as a zip to `out`; the summary counts what it holds."""
    listed = await project_store.list_projects(db, chat_id)
    taken: set[str] = set()
    folders: list[dict[str, str]] = []
    sessions = turns = handoffs = 0
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        for project, _ in listed:
            folder = folder_name(project.name, taken)
            s, t, h = await _write_project(db, zf, project, folder)
            sessions, turns, handoffs = sessions + s, turns + t, handoffs + h
            folders.append({"name": project.name, "folder": folder})
        index = {"format": FORMAT_VERSION, "chat_id": chat_id, "exported_at": utcnow(),
                 "projects": folders}
        zf.writestr(INDEX_NAME, json.dumps(index, ensure_ascii=False, indent=2) + "\n")
    return ExportSummary(len(listed), sessions, turns, handoffs)
