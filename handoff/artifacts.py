"""Deterministic artifact extraction: paths, commands, URLs, errors, identifiers.

Artifacts are the facts a handoff must never paraphrase or lose, so they are taken
verbatim from the source text. Patterns lean towards precision: an artifact that is not
really one costs budget and, worse, looks like an invented identifier to the reader.
The same extractor measures coverage of any handoff (extractive or LLM-written).
"""
from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import Literal

Kind = Literal["path", "command", "url", "error", "identifier"]
KINDS: tuple[Kind, ...] = ("path", "command", "url", "error", "identifier")
_KIND_ORDER: dict[str, int] = {k: i for i, k in enumerate(KINDS)}
_MAX_LEN = 200
_GRAM = 8  # substring length indexed by coverage()
_SCHEME_SEP = "://"  # between a URL's scheme and the rest
_PORT_MIN, _PORT_MAX = 1, 65535  # the TCP/UDP port range


@dataclass(frozen=True, slots=True)
class Artifact:
    kind: Kind
    value: str  # verbatim substring of the source


_Hit = tuple[int, Kind, str]  # offset, kind, verbatim value

KNOWN_COMMANDS: frozenset[str] = frozenset(
    """
    python python3 py pip pip3 pipx pytest tox nox uv uvx poetry pdm hatch ruff black isort
    mypy pyright flake8 pylint coverage alembic uvicorn gunicorn celery flask django-admin
    git gh docker docker-compose podman kubectl helm minikube kind terraform ansible vagrant
    npm npx yarn pnpm node deno bun tsc eslint prettier vite webpack jest vitest make cmake
    cargo rustc rustup go gofmt gcc g++ clang javac java mvn gradle ./gradlew dotnet ponyc
    curl wget http https ssh scp rsync ls cd cat less grep rg sed awk find xargs head tail
    cp mv rm mkdir touch chmod chown ln tar unzip zip echo export source env sudo su apt
    apt-get brew dnf yum apk pacman systemctl journalctl service psql pg_dump pg_restore
    mysql sqlite3 redis-cli mongosh openssl nginx caddy jq yq watch kill pkill ps top htop
    lsof netstat ss ping dig nc sh bash zsh fish pre-commit bundle gem rails rake php
    composer mix elixir iex erl stack cabal ghc swift xcodebuild flutter dart
    """.split()
)
_SHELL_LANGS = frozenset({"sh", "bash", "shell", "zsh", "console", "shell-session", "fish",
                          "powershell", "ps1", "cmd", "terminal"})
_FENCE = re.compile(r"^[ \t]*(`{3,}|~{3,})([^\n`]*)\n(.*?)(?:^[ \t]*\1[ \t]*$|\Z)",
                    re.MULTILINE | re.DOTALL)
_PROMPT = re.compile(r"^[ \t]*\$ +(\S[^\n]*)", re.MULTILINE)
_SPAN = re.compile(r"(?<!`)(`+)(?!`)([^`\n]+?)(?<!`)\1(?!`)")
_URL = re.compile(r"\b(?:https?|ftp)://[^\s<>\"'`\[\]{}|\\^]+")
_EXC = re.compile(
    r"(?<![\w.])((?:[a-z_][\w]*\.)*[A-Z][A-Za-z0-9]*"
    r"(?:Error|Exception|Warning|Interrupt|Exit|Iteration|Fault))\b(:[ \t]+[^\n`]*)?")
_ERRLINE = re.compile(
    r"(?im)(?:^|(?<=[\s:]))((?:fatal[ \t]+)?(?:error|fatal|panic)(?:\[[\w-]+\])?:[ \t]*\S[^\n]*"
    r"|npm ERR![^\n]*)")
_FAILED = re.compile(r"(?m)^[ \t]*(FAILED[ \t]+\S[^\n]*)")
# The exception line closing a Python traceback, whatever its class is called
# (psycopg.errors.UniqueViolation, asyncio.CancelledError, SystemExit: 2).
_TRACE_LAST = re.compile(r"(?m)^Traceback \(most recent call last\):[ \t]*\n(?:[ \t]+[^\n]*\n)+"
                         r"((?:[A-Za-z_]\w*\.)*[A-Z]\w*(?::[ \t]+[^\n`]*)?)$")
# A command written in plain prose: a known tool name followed by at least one flag.
_FLAG = re.compile(r" --?[A-Za-z]")
_BARE_HEAD = re.compile(r"(?<![\w./`$-])[a-z][\w.+-]*(?=(?: +[^\s`,;]+){0,3} --?[A-Za-z])")
_BARE_TAIL = re.compile(r"(?: +[^\s`,;]+){1,12}")
_PROSE_STOP = frozenset("and it to then the but with which so if when should will is was that "
                        "this on for or again now before after — – - a an it's please".split())
_EXT = (r"py|pyi|ipynb|js|mjs|cjs|jsx|ts|tsx|json|jsonl|ya?ml|toml|ini|cfg|conf|env|md|rst|"
        r"txt|csv|tsv|sql|sh|bash|zsh|ps1|bat|c|h|cc|cpp|hpp|cs|go|rs|java|kt|kts|swift|rb|"
        r"php|pl|lua|scala|dart|ex|exs|erl|hs|ml|clj|vue|svelte|html?|css|scss|sass|less|xml|"
        r"svg|png|jpe?g|gif|webp|pdf|lock|log|db|sqlite3?|tf|tfvars|gradle|mk|cmake|proto|"
        r"graphql|pony|zip|gz|tgz|whl|wasm|service|plist|pem|crt|dockerfile|mod|sum|r")
_PATH = re.compile(
    r"(?<![\w/.:@~$#=-])((?:~|\.{1,2})?/?(?:[\w.@+-]+/)+[\w.@+-]*"
    r"|[A-Za-z]:\\(?:[\w. -]+\\)*[\w.-]+"
    r"|[\w@+-][\w.@+-]*\.(?:" + _EXT + r")"
    r"|\.(?:env|gitignore|dockerignore|editorconfig|npmrc|envrc|bashrc|zshrc)(?:\.\w+)?"
    r"|Dockerfile|Makefile|Procfile|Gemfile|Jenkinsfile|CMakeLists\.txt)(?![\w/(])")
_PATH_ANCHOR = re.compile(r"(?:/|\.+[^\s.])\S*")  # not a full stop ending a sentence
_NON_BLANK = re.compile(r"\S*")
_PATH_WHOLE = re.compile(r"Dockerfile|Makefile|Procfile|Gemfile|Jenkinsfile|:\\")
_NOT_FILES = frozenset({"node.js", "next.js", "vue.js", "nuxt.js", "three.js", "d3.js",
                        "express.js", "react.js", "chart.js", "socket.io", "ext.js"})
# Patterns start with a literal or a character class (their look-behind moved after the
# first character) so the regex engine skips ahead to candidates instead of trying a
# match at every position; a 10k-turn session is several megabytes of text.
_ISSUE = re.compile(r"#(?<![\w&#/]#)\d{1,5}(?![\w#])")
_TICKET = re.compile(r"\b(?:CVE-\d{4}-\d{3,7}|(?!(?:UTF|SHA|ISO|AES|RSA|TLS|COVID|MD|RFC|"
                     r"HTTP|PEP|ES|GPT|IPV|X)-)[A-Z][A-Z0-9]{1,9}-\d{1,6})\b")
_VERSION = re.compile(
    r"[v\d](?<![\w./=@^~-][v\d])(?:(?<=v)\d+(?:\.\d+){1,3}|(?<=\d)\d*\.\d+\.\d+(?:\.\d+)?)"
    r"(?:-[0-9A-Za-z]+(?:\.[0-9A-Za-z]+)*)?(?![\w]|\.\d)")
# A version named by its product ("Python 3.11", "ptb 20.1"): found from the digits, which
# are rare, and then checked backwards for the name, instead of trying every name at every
# position of the text.
_NAMES = (r"python|py|node|nodejs|go|golang|java|ruby|rust|php|django|flask|fastapi|react|"
          r"vue|angular|postgres|postgresql|mysql|redis|ubuntu|debian|alpine|version|release|"
          r"sqlalchemy|pydantic|numpy|pandas|typescript|npm|pip|kubernetes|docker|openssl|gcc|"
          r"clang|ponyc|pytest|telegram-bot|ptb|llvm")
_NAMED_DIGITS = re.compile(r"\d(?<!\d\d)\d*\.\d+(?![\w]|\.\d)")
_NAMED_HEAD = re.compile(r"(?i)(?<![\w/.-])(?:" + _NAMES + r")[ \t]?v?\Z")
_NAMED_REACH = 16  # longest name, a blank and a "v"
_PIN = re.compile(r"(?<![\w.-])(?:@[\w.-]+/)?[A-Za-z][\w.-]*(?:==|>=|<=|~=|!=|@\^?~?)"
                  r"\d+(?:\.\d+)*(?:[-+.]?[0-9A-Za-z]+)*")
_PORT = re.compile(r"(?<![\w:/.\[\]#$])((?:localhost|\d{1,3}(?:\.\d{1,3}){3})?:\d{2,5})"
                   r"(?![\w:]|\.\d)")
_PORT_WORD = re.compile(r"(?i)\bports?[ \t]*[:=]?[ \t]*\d{2,5}\b")
_ENV = re.compile(r"(?<![\w$-])[A-Z][A-Z0-9]*(?:_[A-Z0-9]+)+\b|\$\{?[A-Z][A-Z0-9_]+\}?")
_SHA = re.compile(r"[0-9a-f](?<![\w/.#-][0-9a-f])[0-9a-f]{6,63}(?![\w-])")
_HEX_LETTER = re.compile(r"[a-f]")
_DIGIT = re.compile(r"\d")
# Gates: cheap scans for something a pattern cannot match without.
_PIN_OPS = ("==", ">=", "<=", "~=", "!=", "@")
_EXC_GATE = re.compile(r"Error|Exception|Warning|Interrupt|Exit|Iteration|Fault")
_ERR_WORDS = ("error", "fatal", "panic", "failed", "npm err")
_PORT_WORD_GATE = re.compile(r"[Pp][Oo][Rr][Tt][Ssſ]?[ \t]*[:=]?[ \t]*\d")
_PIN_ANCHOR = re.compile(r"[=<>~!@]\S*")
_VERSION_ANCHOR = re.compile(r"\d\.\d\S*")
_TICKET_ANCHOR = re.compile(r"[A-Z0-9]-\d\S*")
_PORT_GATE = re.compile(r":\d\d")
_ENV_GATE = re.compile(r"_[A-Z0-9]")
_ENV_DOLLAR_GATE = re.compile(r"\$\{?[A-Z]")
_PATH_GATE = re.compile(r"[/\\]|\.\w|file")
_SEPS = re.compile(r"[/\\]")
_LETTER = re.compile(r"[A-Za-z]")
_ROOTED = re.compile(r"(?:/|~/|\.{1,2}/|[A-Za-z]:\\)")
_EXPORT = re.compile(r"export\s+[A-Za-z_]\w*=")
_ENV_ASSIGN = re.compile(r"^(?:[A-Z][A-Z0-9_]*=\S*\s+)+")
_FILE_ONLY = re.compile(r"^[\w.@+-]+\.(?:" + _EXT + r")$")


def _trim(value: str) -> str:
    """Drop sentence punctuation and unbalanced closing brackets a regex swallowed."""
    value = value.rstrip(".,;:!?*_")
    while value and value[-1] in "'\"" and value.count(value[-1]) % 2:
        value = value[:-1].rstrip(".,;:!?*_")  # a quote closing the sentence, not the value
    while value and value[-1] in ")]" and value.count(value[-1]) > value.count(
            "(" if value[-1] == ")" else "["):
        value = value[:-1].rstrip(".,;:!?")
    return value


def _cap(value: str) -> str:
    """Cap long error messages at a word boundary; the prefix stays verbatim."""
    value = value.strip()
    if len(value) <= _MAX_LEN:
        return value
    cut = value.rfind(" ", 0, _MAX_LEN)
    return value[: cut if cut > 40 else _MAX_LEN].rstrip()


def _valid_path(p: str) -> bool:
    if p.lower() in _NOT_FILES or "//" in p:
        return False
    parts = [x for x in _SEPS.split(p) if x and x not in (".", "..", "~")]
    if not parts or all(x.replace(".", "").isdigit() for x in parts):
        return False
    if not _LETTER.search(p):
        return False
    if ("/" not in p and "\\" not in p) or _FILE_ONLY.match(parts[-1]):
        return True
    if _ROOTED.match(p):
        return len(parts) >= 2 or p.endswith("/")
    return len(parts) >= 3  # "a/b" is too often prose ("and/or", "client/server")


def _is_command(content: str) -> bool:
    body = _ENV_ASSIGN.sub("", content.lstrip("$ ").strip())
    first = body.split(" ", 1)[0] if body else ""
    if first == "export":  # shell export, not a JavaScript one
        return bool(_EXPORT.match(body))
    if first in KNOWN_COMMANDS:
        return True
    return first.startswith("./") and len(first) > 2 or (
        " " in body and first.endswith((".sh", ".py")) and "/" not in first[:1])


def _classify_span(content: str) -> Kind | None:
    """Kind of an inline code span; code spans are deliberate, so accept most of them."""
    c = content.strip()
    if not c or len(c) > _MAX_LEN or not _LETTER.search(c):
        return None
    if _URL.fullmatch(c):
        return "url"
    if _EXC.fullmatch(c):
        return "error"
    if " " not in c and ("/" in c or "\\" in c) and "://" not in c:
        return "path"
    if _FILE_ONLY.match(c) and c.lower() not in _NOT_FILES:
        return "path"
    if _is_command(c):
        return "command"
    return "identifier"


def _fenced(text: str, hits: list[_Hit]) -> str:
    """Collect shell lines from fenced blocks; return text with fences blanked out."""
    if "```" not in text and "~~~" not in text:
        return text
    out: list[str] = []
    last = 0
    for m in _FENCE.finditer(text):
        lang = (m.group(2).strip().split() or [""])[0].lower()
        pos = m.start(3)
        for line in m.group(3).splitlines():
            s = line.strip()
            prompted = s.startswith(("$ ", "% "))
            cmd = s[2:].strip() if prompted else s
            ok = prompted or (lang in _SHELL_LANGS and lang != "console"
                              and not s.startswith("#")) or (lang == "" and _is_command(s))
            if ok and cmd and len(cmd) <= _MAX_LEN:
                hits.append((pos, "command", cmd))
            pos += len(line) + 1
        out.append(text[last:m.start()])
        out.append(" " * (m.end() - m.start()))
        last = m.end()
    out.append(text[last:])
    return "".join(out)


def iter_artifacts(text: str) -> Iterator[tuple[int, Artifact]]:
    """Every artifact occurrence with its offset (may repeat); see extract_artifacts."""
    hits: list[_Hit] = []
    unfenced = _fenced(text, hits)
    # Cheap substring gates skip regexes that cannot match: most turns are plain prose.
    # The steps run in a fixed order: hits at one offset and of one kind keep it.
    hits.extend(_prompt_hits(unfenced))
    hits.extend(_span_hits(unfenced))
    hits.extend(_url_hits(text))
    masked = _mask_urls(text)
    hits.extend(_exception_hits(masked))
    hits.extend(_traceback_hits(masked))
    hits.extend(_bare_command_hits(unfenced))
    hits.extend(_error_line_hits(masked))
    hits.extend(_path_hits(masked))
    hits.extend(_numbered(masked))
    hits.extend(_env_hits(masked))
    yield from _ordered(hits)


def _prompt_hits(unfenced: str) -> Iterator[_Hit]:
    """Commands after a shell prompt (``$ pytest -x``) outside fenced blocks."""
    if "$ " not in unfenced:
        return
    for m in _PROMPT.finditer(unfenced):
        yield m.start(1), "command", _cap(m.group(1).rstrip())


def _span_hits(unfenced: str) -> Iterator[_Hit]:
    """Inline code spans, classified by what they hold."""
    if "`" not in unfenced:
        return
    for m in _SPAN.finditer(unfenced):
        kind = _classify_span(m.group(2))
        if kind is not None:
            yield m.start(2), kind, m.group(2).strip()


def _url_hits(text: str) -> Iterator[_Hit]:
    """URLs with something after the scheme separator once trailing punctuation is gone."""
    if _SCHEME_SEP not in text:
        return
    for m in _URL.finditer(text):
        url = _trim(m.group(0))
        if len(url) > len(m.group(0).split(_SCHEME_SEP, 1)[0]) + len(_SCHEME_SEP):
            yield m.start(), "url", url


def _mask_urls(text: str) -> str:
    """Blank URLs out (same length keeps offsets) so their parts are not re-extracted."""
    if _SCHEME_SEP not in text:
        return text
    return _URL.sub(lambda m: " " * len(m.group(0)), text)


def _exception_hits(masked: str) -> Iterator[_Hit]:
    """Exception class names, with their message when one follows a colon."""
    if not _EXC_GATE.search(masked):
        return
    for m in _EXC.finditer(masked):
        yield m.start(), "error", _cap(_trim(m.group(0)) if m.group(2) else m.group(1))


def _traceback_hits(masked: str) -> Iterator[_Hit]:
    """The exception line closing each Python traceback."""
    if "Traceback" not in masked:
        return
    for m in _TRACE_LAST.finditer(masked):
        yield m.start(1), "error", _cap(_trim(m.group(1).rstrip()))


def _bare_command_hits(unfenced: str) -> Iterator[_Hit]:
    """Commands written in prose; they need a flag, hence a blank and a dash."""
    if " -" not in unfenced:
        return
    for pos, cmd in _bare_commands(unfenced):
        yield pos, "command", cmd


def _error_line_hits(masked: str) -> Iterator[_Hit]:
    """Lines reporting an error (``error: ...``, ``npm ERR!``) and pytest FAILED lines."""
    low = masked.lower()
    if not any(w in low for w in _ERR_WORDS):
        return
    for rx in (_ERRLINE, _FAILED):
        for m in rx.finditer(masked):
            yield m.start(1), "error", _cap(m.group(1).rstrip())


def _path_hits(masked: str) -> Iterator[_Hit]:
    """File paths and file names; a trailing "/" marks a directory and is kept."""
    if not _PATH_GATE.search(masked):
        return
    for m in _path_matches(masked):
        p = _trim(m.group(1)) if not m.group(1).endswith("/") else m.group(1)
        if _valid_path(p):
            yield m.start(1), "path", p


def _env_hits(masked: str) -> Iterator[_Hit]:
    """Environment variable names (``DATABASE_URL``, ``${HOME}``)."""
    if not (_ENV_GATE.search(masked) or _ENV_DOLLAR_GATE.search(masked)):
        return
    for m in _ENV.finditer(masked):
        yield m.start(), "identifier", m.group(0)


def _ordered(hits: list[_Hit]) -> Iterator[tuple[int, Artifact]]:
    """Hits by offset, then kind (a stable sort), without empty or multi-line values."""
    hits.sort(key=lambda h: (h[0], _KIND_ORDER[h[1]]))
    for pos, kind, value in hits:
        if value and "\n" not in value:
            yield pos, Artifact(kind, value)


def _in_runs(rx: re.Pattern[str], anchor: re.Pattern[str], text: str
             ) -> Iterator[re.Match[str]]:
    """``rx`` matches, searched only in the blank-free runs of ``text`` holding an
    ``anchor`` match (an anchor runs on to the end of its run, ``...\\S*``). Exact for
    patterns that cannot span a blank nor match without their anchor; look-arounds still
    see the whole text."""
    n, rev = len(text), ""
    for a in anchor.finditer(text):
        p = a.start()
        rev = rev or text[::-1]
        back = _NON_BLANK.match(rev, n - p)  # matches the empty string at worst
        start = p - ((back.end() if back else n - p) - (n - p))
        yield from rx.finditer(text, start, a.end())


def _path_matches(masked: str) -> Iterator[re.Match[str]]:
    """Only a Windows path (``C:\\My Files``) can hold a blank, and only bare names like
    Dockerfile lack a "/" or a "." followed by more: those texts get a full scan."""
    if _PATH_WHOLE.search(masked):
        return _PATH.finditer(masked)
    return _in_runs(_PATH, _PATH_ANCHOR, masked)


def _numbered(masked: str) -> Iterator[_Hit]:
    """Identifiers that contain a digit: issues, tickets, versions, pins, ports, shas."""
    if _DIGIT.search(masked) is None:
        return
    for step in _NUMBERED_STEPS:
        yield from step(masked)


def _issue_hits(masked: str) -> Iterator[_Hit]:
    """Issue and pull-request numbers (``#123``)."""
    if "#" not in masked:
        return
    for m in _ISSUE.finditer(masked):
        yield m.start(), "identifier", m.group(0)


def _ticket_hits(masked: str) -> Iterator[_Hit]:
    """Tracker tickets (``PROJ-42``) and CVE ids."""
    if "-" not in masked:
        return
    for m in _in_runs(_TICKET, _TICKET_ANCHOR, masked):
        yield m.start(), "identifier", m.group(0)


def _named_version_hits(masked: str) -> Iterator[_Hit]:
    """Versions named by their product (``Python 3.11``), from the name to the digits."""
    if "." not in masked:
        return
    for d in _NAMED_DIGITS.finditer(masked):
        head = _NAMED_HEAD.search(masked, max(d.start() - _NAMED_REACH, 0), d.start())
        if head is not None:
            yield head.start(), "identifier", masked[head.start():d.end()]


def _pin_hits(masked: str) -> Iterator[_Hit]:
    """Pinned dependencies (``requests==2.31.0``, ``react@^18``)."""
    if not any(op in masked for op in _PIN_OPS):
        return
    for m in _in_runs(_PIN, _PIN_ANCHOR, masked):
        yield m.start(), "identifier", m.group(0)


def _port_word_hits(masked: str) -> Iterator[_Hit]:
    """Ports named in words (``port 8080``)."""
    if not _PORT_WORD_GATE.search(masked):
        return
    for m in _PORT_WORD.finditer(masked):
        yield m.start(), "identifier", m.group(0)


def _version_hits(masked: str) -> Iterator[_Hit]:
    """Bare version numbers (``v1.2``, ``3.11.4``)."""
    if "." not in masked:
        return
    for m in _in_runs(_VERSION, _VERSION_ANCHOR, masked):
        yield m.start(), "identifier", _trim(m.group(0))


def _port_hits(masked: str) -> Iterator[_Hit]:
    """``host:port`` and ``:port``, only for numbers a TCP/UDP port can take."""
    if not _PORT_GATE.search(masked):
        return
    for m in _PORT.finditer(masked):
        port = int(m.group(1).rsplit(":", 1)[1])
        if _PORT_MIN <= port <= _PORT_MAX:
            yield m.start(1), "identifier", m.group(1)


def _sha_hits(masked: str) -> Iterator[_Hit]:
    """Commit hashes; a hex run needs a letter and a digit to be more than a word or number."""
    for m in _SHA.finditer(masked):
        v = m.group(0)
        if _HEX_LETTER.search(v) and _DIGIT.search(v):
            yield m.start(), "identifier", v


# Order matters: hits at one offset keep it through the stable sort in _ordered.
_NUMBERED_STEPS: tuple[Callable[[str], Iterator[_Hit]], ...] = (
    _issue_hits, _ticket_hits, _named_version_hits, _pin_hits, _port_word_hits,
    _version_hits, _port_hits, _sha_hits)


def _bare_commands(text: str) -> Iterator[tuple[int, str]]:
    """Commands typed in prose ("run pytest -m slow -x to check"), cut before the prose resumes."""
    blanked = _SPAN.sub(lambda m: " " * len(m.group(0)), text) if "`" in text else text
    done = 0
    for flag in _FLAG.finditer(blanked):  # look back from each flag for a known command
        if flag.start() < done:
            continue
        line_start = blanked.rfind("\n", 0, flag.start()) + 1
        # up to the flag's end: the head's look-ahead must see this flag ("pytest -x")
        m = next((h for h in _BARE_HEAD.finditer(blanked, max(line_start, flag.start() - 120),
                                                  flag.end()) if h.group(0) in KNOWN_COMMANDS),
                 None)
        tail = _BARE_TAIL.match(blanked, m.end()) if m else None
        if m is None or tail is None:
            continue
        done = tail.end()
        kept: list[str] = []
        for tok in (m.group(0) + tail.group(0)).split(" "):
            if kept and tok.lower() in _PROSE_STOP:
                break
            kept.append(tok)
            if tok.endswith((".", ":", "!", "?")) and not tok.endswith(".."):
                break
        cmd = _trim(" ".join(kept))
        if len(kept) >= 2 and any(t.startswith("-") for t in kept[1:]) and len(cmd) <= _MAX_LEN:
            yield m.start(), cmd


def extract_artifacts(text: str) -> list[Artifact]:
    """Unique artifacts of ``text`` in order of first appearance (first kind wins)."""
    seen: set[str] = set()
    out: list[Artifact] = []
    for _, a in iter_artifacts(text):
        if a.value not in seen:
            seen.add(a.value)
            out.append(a)
    return out


def coverage(markdown: str, artifacts: Iterable[Artifact]) -> tuple[int, int]:
    """(kept, total): how many distinct artifact values appear verbatim in ``markdown``."""
    values = {a.value for a in artifacts}
    # Thousands of values against a long handoff: index where each short substring of
    # the markdown starts, then compare each value only at its first gram's positions.
    starts: dict[str, list[int]] = {}
    for i in range(len(markdown) - _GRAM + 1):
        starts.setdefault(markdown[i:i + _GRAM], []).append(i)
    kept = 0
    for v in values:
        if len(v) < _GRAM:
            kept += v in markdown
        else:
            for i in starts.get(v[:_GRAM], ()):
                if markdown.startswith(v, i):
                    kept += 1
                    break
    return kept, len(values)
