"""LLM-written handoffs for sessions of any length, never worse than the extractive one.

Strategy (measured with bench/llm_pipeline.py): a session that fits one request is written
in one call. A longer one is mapped chunk by chunk to sectioned notes *in parallel*, the
notes are merged in parallel batches until they fit, and one final call writes the
document from the previous handoff plus the merged notes. Sequential refinement (one call
per chunk, each carrying the growing draft) needs chunks small enough to leave room for the
draft and the answer, so it makes several times more calls, all in series; map-and-merge
keeps wall time near calls x latency / concurrency.

The extractive handoff is built first: its artifact record, constraints, last request and
session log are merged into the model's answer, so nothing it would keep is lost, and it is
what the user gets if the model fails in any way.

Servers count tokens with their own tokenizer. When one still answers that a request is
longer than its window (ContextOverflow), the input is split again: a map chunk is halved
and each half mapped, a merge batch is halved, and a final request gets its notes merged
into half the room, at most MAX_SPLITS times. Every request carries `max_tokens`, and the
final answer's is only what its word budget needs, so a model that loops stops early.
"""
from __future__ import annotations

import asyncio
import re
import time
from collections import Counter
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass, field, replace
from typing import TypeVar

from bot.config import LLMConfig
from handoff.artifact_section import merge_artifacts
from handoff.artifacts import coverage
from handoff.builder import build_handoff
from handoff.document import (
    CONSTRAINTS,
    LAST_REQUEST,
    LOG,
    MASTER,
    Footer,
    canonical,
    parse_items,
    parse_markdown,
    render_footer,
    render_markdown,
)
from handoff.sizes import DEFAULT_BUDGET_WORDS
from handoff.text import count_words
from handoff.types import Handoff, ProjectIn, SessionIn, TurnIn
from llm.chunking import MESSAGE_OVERHEAD, chunk_turns, render_turn, request_tokens, safe_tokens, split_in_two
from llm.client import ChatClient, ContextOverflow, LLMError
from llm.prompts import MAP_SYSTEM, MERGE_SYSTEM, final_system, final_user

Progress = Callable[[int, int], Awaitable[None]]  # (parts read, parts in all)
T = TypeVar("T")
_CONFIG_DEFAULTS = LLMConfig()  # frozen: read for LLMSettings' defaults, never changed

_REFUSAL = re.compile(r"(?i)^\W*(i'?m sorry|i am sorry|i can(?:no|')t|as an ai|unfortunately,? i)")
_ERROR_TEXT = re.compile(r'(?i)("error"\s*:|internal server error|rate limit exceeded|'
                         r"bad gateway|service unavailable|<html)")
BUDGET_SLACK = 1.2  # the model may run a little long before its answer is rejected
MIN_SECTIONS = 4
DEFAULT_OUTPUT_TOKENS = 3000  # room for the answer when the window is large enough ...
OUTPUT_SHARE = 3 / 8  # ... else this share of the window (4,096 -> 1,536)
ANSWER_TOKENS_PER_WORD = 1.6  # a handoff's markdown, paths and commands cost more than prose
STRICT_SHARE = 0.5  # the stricter retry asks for this share of the words (and tokens)
MAX_SPLITS = 4  # a request the server finds too long is re-split at most this often (1/16)
REPEAT_LINE_CHARS = 16  # a line at least this long ...
REPEAT_LIMIT = 5  # ... seen more often than this means the model is looping


def output_tokens_for(context_tokens: int) -> int:
    """The answer's room when `max_output_tokens` is not set: 3,000, or less in small windows."""
    return max(1, min(DEFAULT_OUTPUT_TOKENS, int(context_tokens * OUTPUT_SHARE)))


@dataclass(frozen=True, slots=True)
class LLMSettings:
    """What the writer needs of `[llm]`; its defaults are read from `LLMConfig`, their one
    owner, so a writer built without a config behaves like the bot with an empty one."""

    context_tokens: int = _CONFIG_DEFAULTS.context_tokens
    max_output_tokens: int = _CONFIG_DEFAULTS.max_output_tokens  # 0: from output_tokens_for
    temperature: float = _CONFIG_DEFAULTS.temperature

    @classmethod
    def from_config(cls, config: LLMConfig) -> LLMSettings:
        return cls(context_tokens=config.context_tokens,
                   max_output_tokens=config.max_output_tokens, temperature=config.temperature)

    @property
    def output_tokens(self) -> int:
        return self.max_output_tokens or output_tokens_for(self.context_tokens)


def answer_words(settings: LLMSettings, budget_words: int) -> int:
    """The words asked of the model: the budget, or fewer when the answer's room is smaller."""
    room = int(settings.output_tokens / (BUDGET_SLACK * ANSWER_TOKENS_PER_WORD))
    return max(1, min(budget_words, room))


def answer_tokens(settings: LLMSettings, words: int) -> int:
    """`max_tokens` for an answer of `words`: what check_answer would still accept, no more."""
    return max(1, min(settings.output_tokens, int(words * BUDGET_SLACK * ANSWER_TOKENS_PER_WORD)))


@dataclass(slots=True)
class Usage:
    calls: int = 0
    tokens_in: int = 0
    tokens_out: int = 0
    estimated: bool = False


@dataclass(frozen=True, slots=True)
class Generation:
    """What one handoff generation cost and how it ended, for accounting and the preview."""

    generator: str
    model: str | None
    calls: int
    tokens_in: int
    tokens_out: int
    estimated: bool
    duration_ms: int
    chunks: int
    fallback_reason: str | None = None
    largest_request: int = 0  # estimated tokens of the biggest request sent


@dataclass(slots=True)
class _Run:
    client: ChatClient
    settings: LLMSettings
    progress: Progress | None
    usage: Usage = field(default_factory=Usage)
    largest: int = 0
    done: int = 0
    total: int = 0
    squeeze: float = 1.0  # share of our estimated room that the server has let through
    overflows: int = 0  # ContextOverflow answers seen

    def overflowed(self, share: float) -> None:
        """A request was too long for the server: use at most `share` of the room from now."""
        self.overflows += 1
        self.squeeze = min(self.squeeze, share)

    async def ask(self, system: str, user: str, max_tokens: int) -> str:
        messages = [{"role": "system", "content": system}, {"role": "user", "content": user}]
        size = request_tokens(messages) + max_tokens
        if size > self.settings.context_tokens:
            raise LLMError("a request would not fit the model's window")
        self.largest = max(self.largest, size)
        answer = await self.client.complete(messages, max_tokens=max_tokens,
                                            temperature=self.settings.temperature)
        self.usage.calls += 1
        self.usage.tokens_in += answer.tokens_in
        self.usage.tokens_out += answer.tokens_out
        self.usage.estimated |= answer.estimated
        return answer.text

    async def tick(self) -> None:
        self.done += 1
        if self.progress is not None:
            await self.progress(self.done, self.total)


def notes_tokens(settings: LLMSettings) -> int:
    return max(256, min(settings.output_tokens, settings.context_tokens // 8))


def _fits(system: str, user: str, out: int, settings: LLMSettings) -> bool:
    return safe_tokens(system) + safe_tokens(user) + 2 * MESSAGE_OVERHEAD + out \
        <= settings.context_tokens


async def _map(run: _Run, chunks: list[str]) -> list[str]:
    """Notes for every chunk, in order; a chunk the server finds too long is halved."""
    out = notes_tokens(run.settings)
    run.total = len(chunks)

    async def map_one(chunk: str, depth: int) -> list[str]:
        try:
            text = await run.ask(MAP_SYSTEM, f"Part of the session transcript:\n{chunk}", out)
        except ContextOverflow:
            if depth >= MAX_SPLITS:
                raise
            run.overflowed(0.5 ** (depth + 1))
            halves = await _all(map_one(h, depth + 1) for h in split_in_two(chunk))
            return [note for half in halves for note in half]
        return [text.strip()]

    async def map_top(chunk: str) -> list[str]:
        notes = await map_one(chunk, 0)
        await run.tick()
        return notes

    parts = await _all(map_top(c) for c in chunks)
    return [note for part in parts for note in part]


async def _merge(run: _Run, notes: list[str], header_room: int) -> list[str]:
    """Notes merged in parallel batches until they fit `header_room` (scaled by the run's
    squeeze); a batch the server finds too long is halved."""
    out = notes_tokens(run.settings)

    async def merge(batch: list[str], depth: int) -> list[str]:
        if len(batch) == 1:
            return batch
        try:
            return [await run.ask(MERGE_SYSTEM, "\n\n---\n\n".join(batch), out)]
        except ContextOverflow:
            if depth >= MAX_SPLITS:
                raise
            run.overflowed(0.5 ** (depth + 1))
            middle = len(batch) // 2
            halves = await _all((merge(batch[:middle], depth + 1),
                                 merge(batch[middle:], depth + 1)))
            return halves[0] + halves[1]

    while sum(safe_tokens(n) for n in notes) > header_room * run.squeeze and len(notes) > 1:
        room = (run.settings.context_tokens - safe_tokens(MERGE_SYSTEM) - 2 * MESSAGE_OVERHEAD
                - out) * run.squeeze
        batches: list[list[str]] = [[]]
        for note in notes:
            if batches[-1] and sum(safe_tokens(n) + 4 for n in batches[-1] + [note]) > room:
                batches.append([])
            batches[-1].append(note)
        if len(batches) == len(notes):
            raise LLMError("the notes are too long to merge")
        merged = await _all(merge(b, 0) for b in batches)
        rounded = [note for part in merged for note in part]
        if len(rounded) >= len(notes):
            raise LLMError("the notes are too long to merge")
        notes = rounded
    if sum(safe_tokens(n) for n in notes) > header_room * run.squeeze:
        raise LLMError("the session notes do not fit the model's window")
    return notes


async def _all(coros: Iterable[Awaitable[T]]) -> list[T]:
    """Like gather, but the first failure cancels the rest: no request outlives its run."""
    tasks = [asyncio.ensure_future(c) for c in coros]
    try:
        return list(await asyncio.gather(*tasks))
    except BaseException:
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        raise


def _loops(markdown: str) -> bool:
    lines = Counter(line.strip() for line in markdown.splitlines()
                    if len(line.strip()) >= REPEAT_LINE_CHARS)
    return bool(lines) and max(lines.values()) > REPEAT_LIMIT


def check_answer(markdown: str, budget_words: int) -> str | None:
    """Why a final answer is unusable, or None."""
    head = markdown.strip()[:300]
    if _REFUSAL.search(head):
        return "the model refused"
    if _ERROR_TEXT.search(markdown):
        return "the model answered with error text"
    if _loops(markdown):
        return "the model repeated itself"
    names = {canonical(h) for h, _ in parse_markdown(markdown).sections} - {None}
    if MASTER not in names or len(names) < MIN_SECTIONS:
        return "the model's answer lacked the handoff sections"
    if count_words(markdown) > budget_words * BUDGET_SLACK:
        return "the model's answer was over budget"
    return None


async def _final(run: _Run, project: ProjectIn, session: SessionIn, prev_text: str,
                 material: str, kind: str, words: int) -> str:
    """The document, with one stricter retry that asks for half the words (and tokens)."""
    problem: str | None = None
    for strict in (False, True):
        asked = max(1, int(words * STRICT_SHARE)) if strict else words
        user = final_user(project.name, project.description, session.number,
                          session.objectives, session.notes, prev_text, material, kind,
                          team=project.team)
        answer = await run.ask(final_system(asked, strict), user, answer_tokens(run.settings, asked))
        problem = check_answer(answer, asked)
        if problem is None:
            return answer
    raise LLMError(problem or "the model's answer was unusable")


async def _write(run: _Run, project: ProjectIn, session: SessionIn, previous: str | None,
                 budget_words: int) -> str:
    settings = run.settings
    words = answer_words(settings, budget_words)
    out = answer_tokens(settings, words)
    system = final_system(words, True)
    turns = list(session.turns)
    transcript = "\n".join(render_turn(t) for t in turns)
    prev_text = previous or ""
    header = final_user(project.name, project.description, session.number, session.objectives,
                        session.notes, prev_text, "", "Transcript", team=project.team)
    if _fits(system, header + transcript, out, settings):
        run.total = 1
        try:
            answer = await _final(run, project, session, prev_text, transcript, "Transcript",
                                  words)
        except ContextOverflow:
            run.overflowed(0.5)  # the server counts more than we do: read it in parts
        else:
            await run.tick()
            return answer
    if not _fits(system, header, out + notes_tokens(settings), settings):
        # The previous handoff alone crowds the window: read it as part of the source.
        prev_text = "(too long to include: it was read as the first part of the notes)"
        header = final_user(project.name, project.description, session.number,
                            session.objectives, session.notes, prev_text, "", "Notes",
                            team=project.team)
        turns.insert(0, TurnIn(role="note", author="previous handoff", source="pasted",
                               text=previous or ""))
    room = (settings.context_tokens - safe_tokens(system) - safe_tokens(header)
            - 2 * MESSAGE_OVERHEAD - out - 16)
    limit = (settings.context_tokens - safe_tokens(MAP_SYSTEM) - 2 * MESSAGE_OVERHEAD
             - notes_tokens(settings) - 32)
    if limit < 256 or room < 256:
        raise LLMError("the model's window is too small for this session")
    notes = await _map(run, chunk_turns(turns, int(limit * run.squeeze)))
    for attempt in range(MAX_SPLITS + 1):
        notes = await _merge(run, notes, room)
        try:
            return await _final(run, project, session, prev_text, "\n\n---\n\n".join(notes),
                                "Notes", words)
        except ContextOverflow:
            if attempt == MAX_SPLITS:
                raise
            run.overflowed(run.squeeze / 2)  # merge the notes into half the room, try again
    raise LLMError("the session notes do not fit the model's window")


def finalize(answer: str, extractive: Handoff, model: str) -> Handoff:
    """The model's document with our title, record, constraints, last request, log, footer."""
    ours = parse_markdown(extractive.markdown)
    doc = parse_markdown(answer)
    doc.title = ours.title
    doc.preamble = ""
    named = [(canonical(h), b) for h, b in doc.sections]  # the model may vary the case
    doc.sections = [(n, b) for n, b in named if n is not None and n not in (LOG, LAST_REQUEST)]
    body_text = "\n".join(b for _, b in doc.sections).lower()
    missing = [c for c in parse_items(ours.get(CONSTRAINTS))
               if c.lower()[:60] not in body_text]
    if missing:
        kept = doc.get(CONSTRAINTS)
        doc.set(CONSTRAINTS, (kept + "\n" if kept else "") + "\n".join(f"- {c}" for c in missing))
    for name in (LAST_REQUEST, LOG):
        if ours.get(name):
            doc.set(name, ours.get(name))
    # What the extractive document kept is the floor: the model may add, never drop.
    markdown = merge_artifacts(render_markdown(doc), extractive.record)
    kept_n, total = coverage(markdown, extractive.key_artifacts)
    doc = parse_markdown(markdown)
    doc.footer = render_footer(Footer(model, extractive.first_session, extractive.last_session,
                                      extractive.turns_covered, kept_n, total))
    final = render_markdown(doc)
    return replace(extractive, markdown=final, generator=model, artifacts_kept=kept_n,
                   artifacts_total=total, words=count_words(final))


async def write_handoff(client: ChatClient | None, settings: LLMSettings, project: ProjectIn,
                        session: SessionIn, previous: str | None, *,
                        budget_words: int = DEFAULT_BUDGET_WORDS,
                        final: bool = True, progress: Progress | None = None,
                        ) -> tuple[Handoff, Generation]:
    """A handoff written by the model when one is configured; the extractive one otherwise
    or whenever the model fails. Never raises LLMError."""
    started = time.perf_counter()
    # The extractive build is CPU work in a thread: let it run while the model works.
    building = asyncio.ensure_future(asyncio.to_thread(
        build_handoff, project, session, previous, budget_words=budget_words, final=final))
    if client is None:
        return await building, Generation("extractive", None, 0, 0, 0, False, _ms(started), 0)
    run = _Run(client, settings, progress)
    model = client.settings.model
    try:
        answer = await _write(run, project, session, previous, budget_words)
        extractive = await building
        handoff = await asyncio.to_thread(finalize, answer, extractive, model)
    except LLMError as exc:
        u = run.usage
        return await building, Generation("extractive", model, u.calls, u.tokens_in,
                                          u.tokens_out, u.estimated, _ms(started), run.total,
                                          exc.reason, run.largest)
    finally:
        if not building.done():
            building.cancel()
    u = run.usage
    return handoff, Generation(model, model, u.calls, u.tokens_in, u.tokens_out, u.estimated,
                               _ms(started), run.total, None, run.largest)


def _ms(started: float) -> int:
    return int((time.perf_counter() - started) * 1000)
