"""`bot.config` is a leaf: loading it pulls in nothing of the project and no heavy library,
so `bot/cli.py` can check a config before Telegram is imported and every layer can read
the defaults config owns without an import cycle."""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
FORBIDDEN = ("telegram", "apscheduler", "httpx", "handlers", "llm")
PROJECT = ("bot", "handlers", "service", "handoff", "llm", "storage", "transcripts", "bench")


def _modules_loaded_by_config() -> set[str]:
    """The modules a fresh interpreter holds after `import bot.config`, and nothing else
    (a subprocess: this test run has long since imported everything)."""
    code = "import bot.config, json, sys; print(json.dumps(sorted(sys.modules)))"
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True,
                          text=True, check=True, timeout=60)
    return set(json.loads(done.stdout))


def test_importing_config_loads_no_telegram_scheduler_http_handlers_or_llm() -> None:
    loaded = _modules_loaded_by_config()
    heavy = sorted(m for m in loaded if m.split(".")[0] in FORBIDDEN)
    assert heavy == []


def test_config_imports_nothing_of_the_project() -> None:
    loaded = _modules_loaded_by_config()
    ours = sorted(m for m in loaded if m.split(".")[0] in PROJECT)
    assert ours == ["bot", "bot.config"]


def test_each_shared_default_is_read_from_config() -> None:
    """The layers below read config's defaults instead of writing the numbers again."""
    from bot.config import BOT_API_DOWNLOAD_LIMIT, HandoffConfig, ImportConfig, LLMConfig
    from handoff.sizes import DEFAULT_BUDGET_WORDS
    from llm.client import ClientSettings
    from llm.writer import LLMSettings
    from transcripts.model import Limits

    assert DEFAULT_BUDGET_WORDS == HandoffConfig().budget_words
    assert Limits().max_bytes == ImportConfig().max_bytes == BOT_API_DOWNLOAD_LIMIT
    assert Limits().max_turns == ImportConfig().max_turns
    llm = LLMConfig()
    assert LLMSettings() == LLMSettings.from_config(llm)
    assert ClientSettings("u", "m", "k") == ClientSettings.from_config(
        LLMConfig(base_url="u", model="m"), "k")
