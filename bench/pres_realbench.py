"""Part 1 of the preservation benchmark, its headline: realbench, real work sessions with
hand-labelled key facts (``<repo>/../shared/realbench``, see its README).

Every session's plain transcript ``sessions/<id>.md`` goes through exactly the path of
``baton handoff`` (:func:`service.offline.handoff_from_file`) at 5%, 10% and 20% of the
session's size (the ``--budget P%`` form) and at the default budget, and each handoff is
scored by realbench's own ``score.py`` (loaded from the realbench folder, never copied):
key-fact recall (KFR) next to two cuts of the transcript at the handoff's own size in
characters, head 30% + tail 70% (``headtail``) and the last characters (``tail``).

Chain check: each session over ``SHORT_CHARS`` is split into three consecutive parts of
about equal characters at turn boundaries, handed off 1 -> 2 -> 3 at the default budget
(each with the previous handoff), and the third handoff is scored against the whole
session's labels, next to the one-shot default-budget handoff.
"""
from __future__ import annotations

import asyncio
import importlib.util
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType
from typing import Any, TextIO

from bench.pres_original import print_originals
from service.offline import handoff_from_file, read_transcript
from transcripts.model import Limits, ParsedTurn

REALBENCH = Path(__file__).resolve().parents[2] / "shared" / "realbench"
SIZES: tuple[float | None, ...] = (5.0, 10.0, 20.0, None)  # percent of the session; None: default
SHORT_CHARS = 40_000  # sessions shorter than this are reported apart; longer ones get chains
CHAIN_PARTS = 3
METHODS = ("handoff", "headtail", "tail")
_LABEL = {"user": "User", "assistant": "Assistant", "tool": "Tool", "system": "System"}

Result = dict[str, Any]  # one score_text() answer


def size_name(size: float | None) -> str:
    return "default" if size is None else f"{size:g}%"


# ------------------------------------------------------------------ loading

def load_scorer(root: Path) -> ModuleType | None:
    """realbench's score.py from ``root``, imported in place (no bytecode written there)."""
    path = root / "score.py"
    if not path.is_file():
        return None
    name = f"_realbench_score_{abs(hash(str(path.resolve())))}"
    if name in sys.modules:
        return sys.modules[name]
    spec = importlib.util.spec_from_file_location(name, path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    saved, sys.dont_write_bytecode = sys.dont_write_bytecode, True
    try:
        spec.loader.exec_module(module)
    except BaseException:
        del sys.modules[name]
        raise
    finally:
        sys.dont_write_bytecode = saved
    return module


def read_text(path: Path) -> str:
    with open(path, encoding="utf-8", errors="replace") as f:  # as score.py reads it
        return f.read()


# ------------------------------------------------------------------ generation (workers)

def split_turns(turns: Sequence[ParsedTurn], parts: int = CHAIN_PARTS) -> list[list[ParsedTurn]]:
    """Consecutive parts of about equal characters, cut at turn boundaries, none empty."""
    turns = list(turns)
    parts = max(1, min(parts, len(turns)))
    cum = [0]
    for t in turns:
        cum.append(cum[-1] + len(t.text))
    total = cum[-1]
    cuts = [0]
    for k in range(1, parts):
        lo, hi = cuts[-1] + 1, len(turns) - (parts - k)  # leave a turn for every later part
        target = total * k / parts
        cuts.append(min(range(lo, hi + 1), key=lambda i: (abs(cum[i] - target), i)))
    cuts.append(len(turns))
    return [turns[a:b] for a, b in zip(cuts, cuts[1:], strict=False)]


def render_transcript(turns: Sequence[ParsedTurn]) -> str:
    """Turns as realbench's plain .md: ``Role:`` alone on a line, blocks split by a blank line."""
    return "\n\n".join(f"{_LABEL.get(t.role, 'User')}:\n{t.text}" for t in turns) + "\n"


def session_name(path: str) -> str:
    """The project name a user would give it: the session's id, whichever file is read
    (an original's own title, e.g. an aider run's start time, would name it otherwise)."""
    return Path(path).name.split(".", 1)[0]


def one_shot(path: str, percent: float | None) -> tuple[str, float]:
    """``baton handoff PATH [--budget P%]``: the markdown and the seconds it took."""
    t0 = time.perf_counter()
    result = asyncio.run(handoff_from_file(Path(path), budget_percent=percent,
                                           project=session_name(path)))
    return result.handoff.markdown, time.perf_counter() - t0


def chained(path: str, parts: int = CHAIN_PARTS) -> tuple[list[str], list[int], float]:
    """Split the session, hand off part 1 -> 2 -> 3 at the default budget, each building on
    the previous handoff (``baton handoff PART --previous PREV.md``). Returns the handoffs,
    the parts' sizes in characters and the seconds it took."""
    t0 = time.perf_counter()
    source = Path(path)
    transcript, _ = read_transcript(source, None, Limits())
    pieces = split_turns(transcript.turns, parts)
    handoffs: list[str] = []
    with tempfile.TemporaryDirectory(prefix="baton-chain-") as tmp:
        for n, piece in enumerate(pieces, 1):
            part = Path(tmp) / f"part{n}" / source.name  # same stem: same project name
            part.parent.mkdir()
            part.write_text(render_transcript(piece), encoding="utf-8")
            previous = handoffs[-1] if handoffs else None
            result = asyncio.run(handoff_from_file(part, previous=previous))
            handoffs.append(result.handoff.markdown)
    sizes = [sum(len(t.text) for t in piece) for piece in pieces]
    return handoffs, sizes, time.perf_counter() - t0


def _run_all(calls: list[tuple[Callable[..., Any], tuple[Any, ...]]], jobs: int) -> list[Any]:
    if jobs <= 1:
        return [fn(*args) for fn, args in calls]
    with ProcessPoolExecutor(jobs) as ex:
        futures = [ex.submit(fn, *args) for fn, args in calls]
        return [f.result() for f in futures]


# ------------------------------------------------------------------ scoring and tables

@dataclass(slots=True)
class Chain:
    kfr: float
    one_shot: float
    part_chars: list[int]

    @property
    def ratio(self) -> float | None:
        return self.kfr / self.one_shot if self.one_shot else None


@dataclass(slots=True)
class Run:
    ids: list[str]
    chars: dict[str, int]
    results: dict[float | None, dict[str, Result]]  # size -> id -> score
    chains: dict[str, Chain] = field(default_factory=dict)
    seconds: float = 0.0


def _mean(xs: Sequence[float | None]) -> float | None:
    vals = [x for x in xs if x is not None]
    return sum(vals) / len(vals) if vals else None


def _rec(r: Result, method: str) -> Result:
    return r["handoff"] if method == "handoff" else r["baselines"][method]


def row(results: list[Result]) -> dict[str, float | None]:
    """Means over sessions: KFR, both cuts, ratio to the better cut, size share used."""
    m = {k: _mean([_rec(r, k)["kfr"] for r in results]) for k in METHODS}
    best = max((m["headtail"] or 0.0), (m["tail"] or 0.0))
    m["ratio"] = None if m["handoff"] is None else (m["handoff"] / best if best else float("inf"))
    m["share"] = _mean([r["size_share"] for r in results])
    return m


def pooled(results: list[Result], method: str, by: str) -> dict[str, tuple[int, int]]:
    """(hits, facts) per fact type or depth fifth, pooled over every session's facts."""
    acc: dict[str, tuple[int, int]] = {}
    for r in results:
        for f in _rec(r, method)["facts"]:
            h, n = acc.get(str(f[by]), (0, 0))
            acc[str(f[by])] = (h + bool(f["hit"]), n + 1)
    return acc


def _share(hn: tuple[int, int] | None) -> float | None:
    return None if not hn or not hn[1] else hn[0] / hn[1]


def _f(v: float | None, width: int = 5) -> str:
    return f"{'-':>{width}}" if v is None else f"{v:{width}.2f}"


def _x(v: float | None) -> str:
    return "    -" if v is None else ("  inf" if v == float("inf") else f"x{v:4.2f}")


def _pct(v: float | None) -> str:
    return "    -" if v is None else f"{100 * v:4.1f}%"


def print_rows(title: str, run: Run, ids: list[str], out: TextIO) -> None:
    print(f"\n{title}", file=out)
    print(f"  {'size':<8}{'KFR':>6}{'headtail':>10}{'tail':>7}{'ratio':>8}{'size used':>11}",
          file=out)
    for size in SIZES:
        m = row([run.results[size][i] for i in ids])
        print(f"  {size_name(size):<8}{_f(m['handoff'], 6)}{_f(m['headtail'], 10)}"
              f"{_f(m['tail'], 7)}{_x(m['ratio']):>8}{_pct(m['share']):>11}", file=out)
    print("  (ratio: mean KFR / the better of the two cuts' mean KFR; size used: the "
          "handoff's characters / the transcript's, mean)", file=out)


def print_breakdown(score: ModuleType, run: Run, ids: list[str], out: TextIO) -> None:
    """By fact type and by depth fifth, pooled over facts: handoff / headtail / tail."""
    for by, label in (("type", "fact type"), ("depth", "depth fifth (5 = end of session)")):
        tables = {s: {m: pooled([run.results[s][i] for i in ids], m, by) for m in METHODS}
                  for s in SIZES}
        groups = sorted({g for t in tables.values() for p in t.values() for g in p},
                        key=lambda g: (list(score.TYPES).index(g) if g in score.TYPES
                                       else len(score.TYPES) + int(g) if g.isdigit() else 99, g))
        print(f"\nKFR by {label}, pooled over facts: handoff / headtail / tail", file=out)
        print(f"  {by:<13}{'n':>4}" + "".join(f"{size_name(s):>17}" for s in SIZES), file=out)
        for g in groups:
            n = tables[SIZES[0]]["handoff"].get(g, (0, 0))[1]
            cells = ["/".join(_f(_share(tables[s][m].get(g)), 4) for m in METHODS)
                     for s in SIZES]
            print(f"  {g:<13}{n:>4}" + "".join(f"{c:>17}" for c in cells), file=out)


def print_sessions(run: Run, short_chars: int, out: TextIO) -> None:
    print("\nper session: KFR of the handoff at each size; chain = the third handoff of "
          "1 -> 2 -> 3 at the default budget", file=out)
    print(f"  {'id':<30}{'chars':>8}{'facts':>6}" + "".join(f"{size_name(s):>8}" for s in SIZES)
          + f"{'chain':>7}{'/1-shot':>8}", file=out)
    for i in run.ids:
        first = run.results[SIZES[0]][i]
        c = run.chains.get(i)
        tail = (f"{_f(c.kfr, 7)}{_x(c.ratio):>8}" if c else
                f"{'short' if run.chars[i] < short_chars else '-':>7}{'-':>8}")
        print(f"  {i:<30}{run.chars[i]:>8}{first['handoff']['n_facts']:>6}"
              + "".join(_f(run.results[s][i]["handoff"]["kfr"], 8) for s in SIZES) + tail,
              file=out)


# ------------------------------------------------------------------ targets

@dataclass(frozen=True, slots=True)
class Target:
    name: str
    shown: str
    met: bool | None  # None: nothing to judge (no such sessions or facts)

    def line(self) -> str:
        status = "n/a" if self.met is None else ("MET" if self.met else "NOT MET")
        return f"  {status:<8} {self.name}: {self.shown}"


def targets(run: Run, short_chars: int) -> list[Target]:
    out: list[Target] = []
    everyone = {s: [run.results[s][i] for i in run.ids] for s in SIZES}
    rows = {s: row(everyone[s]) for s in SIZES}
    for size, floor in ((5.0, 0.60), (10.0, 0.75), (20.0, 0.85), (None, 0.85)):
        k = rows[size]["handoff"]
        out.append(Target(f"KFR >= {floor:.2f} at {size_name(size)}", f"{_f(k).strip()}",
                          None if k is None else k >= floor))
    for size in (5.0, 10.0):
        r = rows[size]["ratio"]
        out.append(Target(f"ratio to the better cut >= 1.6 at {size_name(size)}",
                          _x(r).strip(), None if r is None else r >= 1.6))
    shown, ok = [], []
    for s in SIZES:
        h = _share(pooled(everyone[s], "handoff", "depth").get("5"))
        t = _share(pooled(everyone[s], "tail", "depth").get("5"))
        if h is not None and t is not None:
            shown.append(f"{size_name(s)} {h:.2f}/{t:.2f}")
            ok.append(h >= t)
    out.append(Target("depth 5 recall >= the tail cut's at every size", ", ".join(shown) or "-",
                      all(ok) if ok else None))
    for kind in ("open_problem", "next_step"):
        shown, ok = [], []
        for s in SIZES:
            h = _share(pooled(everyone[s], "handoff", "type").get(kind))
            cuts = [_share(pooled(everyone[s], m, "type").get(kind)) for m in METHODS[1:]]
            best = max((c for c in cuts if c is not None), default=None)
            if h is not None and best is not None:
                shown.append(f"{size_name(s)} {h:.2f}/{best:.2f}")
                ok.append(h >= best)
        out.append(Target(f"{kind} recall >= the better cut's at every size",
                          ", ".join(shown) or "-", all(ok) if ok else None))
    by_type = {g: _share(hn) for g, hn in pooled(everyone[20.0], "handoff", "type").items()}
    low = sorted((v, g) for g, v in by_type.items() if v is not None)
    out.append(Target("no fact type below 0.50 at 20%",
                      f"lowest {low[0][1]} {low[0][0]:.2f}" if low else "-",
                      low[0][0] >= 0.5 if low else None))
    short = [i for i in run.ids if run.chars[i] < short_chars]
    r = row([run.results[10.0][i] for i in short])["ratio"] if short else None
    out.append(Target(f"sessions < {short_chars:,} chars: ratio >= 1.3 at 10%",
                      f"{_x(r).strip()} ({len(short)} session{'' if len(short) == 1 else 's'})",
                      None if r is None else r >= 1.3))
    worst = min(run.chains.items(), key=lambda kv: (kv[1].ratio or 0.0), default=None)
    out.append(Target("chains: every session's chain KFR >= 0.9 x its one-shot",
                      (f"min x{worst[1].ratio or 0:.2f} ({worst[0]})" if worst else "-"),
                      all((c.ratio or 0.0) >= 0.9 for c in run.chains.values())
                      if run.chains else None))
    return out


# ------------------------------------------------------------------ the part

def run_realbench(root: Path, out: TextIO, only: Sequence[str] | None = None, jobs: int = 2,
                  short_chars: int = SHORT_CHARS) -> list[str] | None:
    """Generate, score and print; return the summary lines (None: realbench unusable)."""
    score = load_scorer(root)
    labels_path = root / "labels.json"
    if score is None or not labels_path.is_file() or not (root / "sessions").is_dir():
        print(f"realbench not found at {root} (needs score.py, labels.json and sessions/); "
              "running the synthetic corpus only.", file=out)
        return None
    labels = score.load_labels(str(labels_path))
    ids = sorted(labels)
    if only:
        unknown = sorted(set(only) - set(ids))
        if unknown:
            raise SystemExit(f"unknown realbench ids: {' '.join(unknown)}")
        ids = [i for i in ids if i in set(only)]
    paths = {i: root / "sessions" / f"{i}.md" for i in ids}
    transcripts = {i: read_text(p) for i, p in paths.items()}
    chars = {i: len(t) for i, t in transcripts.items()}
    long_ids = [i for i in ids if chars[i] >= short_chars]

    t0 = time.perf_counter()
    calls: list[tuple[Callable[..., Any], tuple[Any, ...]]] = [
        (one_shot, (str(paths[i]), s)) for s in SIZES for i in ids]
    calls += [(chained, (str(paths[i]),)) for i in long_ids]
    done = _run_all(calls, jobs)
    gen_seconds = time.perf_counter() - t0
    shots = iter(done[:len(SIZES) * len(ids)])
    chains_out = dict(zip(long_ids, done[len(SIZES) * len(ids):], strict=True))

    run = Run(ids, chars, {s: {} for s in SIZES})
    slowest = 0.0
    for s in SIZES:
        for i in ids:
            markdown, secs = next(shots)
            slowest = max(slowest, secs)
            r = score.score_text(i, transcripts[i], markdown, labels)
            if r.get("warning"):
                print(f"WARNING: {i}: {r['warning']}", file=out)
            run.results[s][i] = r
    for i, (handoffs, part_chars, _secs) in chains_out.items():
        r = score.score_text(i, transcripts[i], handoffs[-1], labels)
        run.chains[i] = Chain(r["handoff"]["kfr"], run.results[None][i]["handoff"]["kfr"],
                              part_chars)
    run.seconds = time.perf_counter() - t0

    n_facts = sum(run.results[SIZES[0]][i]["handoff"]["n_facts"] for i in ids)
    print(f"\n######## part 1: realbench: {len(ids)} session{'' if len(ids) == 1 else 's'}, "
          f"{n_facts} labelled facts "
          f"({root}) ########", file=out)
    print(f"{len(SIZES) * len(ids)} handoffs through service.offline.handoff_from_file (as "
          f"`baton handoff`) and {len(long_ids)} chain{'' if len(long_ids) == 1 else 's'} of "
          f"{CHAIN_PARTS} in {gen_seconds:.1f} s "
          f"({jobs} process{'es' if jobs > 1 else ''}; slowest handoff {slowest:.2f} s); "
          f"scored in {run.seconds - gen_seconds:.1f} s", file=out)
    print_sessions(run, short_chars, out)
    print_rows(f"all {len(ids)} sessions (mean over sessions)", run, ids, out)
    print_breakdown(score, run, ids, out)
    short = [i for i in ids if chars[i] < short_chars]
    if short:
        print_rows(f"sessions < {short_chars:,} chars, reported apart ({len(short)}: "
                   f"{', '.join(short)})", run, short, out)
    else:
        print(f"\nno session under {short_chars:,} chars", file=out)
    if run.chains:
        kfr = _mean([c.kfr for c in run.chains.values()])
        one = _mean([c.one_shot for c in run.chains.values()])
        print(f"\nchains ({len(run.chains)} sessions over {short_chars:,} chars, "
              f"{CHAIN_PARTS} parts of about equal characters at turn boundaries, default "
              f"budget, the third handoff scored on the whole session):", file=out)
        ratio = kfr / one if kfr is not None and one else None
        print(f"  mean KFR chain {_f(kfr).strip()}, one-shot {_f(one).strip()}, ratio "
              f"{_x(ratio).strip()}", file=out)
    else:
        print(f"\nchains: no session over {short_chars:,} chars", file=out)

    originals, _ = print_originals(root, score, labels, ids, transcripts, run.results, SIZES,
                                   _run_all, jobs, out)
    checks = targets(run, short_chars)
    print("\n== targets (realbench) ==", file=out)
    for t in checks:
        print(t.line(), file=out)
    met = sum(t.met is True for t in checks)
    judged = sum(t.met is not None for t in checks)
    m10 = row(list(run.results[10.0].values()))
    return [f"realbench ({len(ids)} sessions): KFR at 5/10/20%/default "
            + "/".join(_f(row(list(run.results[s].values()))["handoff"]).strip() for s in SIZES)
            + f"; ratio to the better cut at 10% {_x(m10['ratio']).strip()}; targets MET "
            f"{met} of {judged}" + ("" if met == judged else " (the others NOT MET; see "
                                     "== targets (realbench) ==)"), originals]
