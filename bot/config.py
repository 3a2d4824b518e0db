"""Configuration: one TOML file, with secrets overridable from the environment.

Every problem becomes a `ConfigError` carrying one line for the user, so the CLI can
print it and exit 2 instead of showing a traceback.

This module is a leaf: it imports nothing of the project, so `bot/cli.py` can load and
check a config without pulling in Telegram, APScheduler or httpx, and any layer may read
a default from here without an import cycle. Its dataclasses are the one owner of every
configurable default; `llm`, `handoff`, `transcripts` and `handlers` read theirs from here
(e.g. `LLMSettings`, `ClientSettings`, `Limits`, `DEFAULT_BUDGET_WORDS`).
"""
from __future__ import annotations

import os
import tomllib
import zoneinfo
from collections.abc import Mapping
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import Any

TOKEN_ENV = "BATON_TELEGRAM_TOKEN"
# The largest file the Bot API lets a bot download (getFile); a larger one cannot be
# fetched at all, whatever [import] max_bytes says.
BOT_API_DOWNLOAD_LIMIT = 20 * 1024 * 1024


class ConfigError(Exception):
    """A configuration problem, worded for the person running the bot."""


@dataclass(frozen=True, slots=True)
class TelegramConfig:
    token: str = ""
    base_url: str | None = None
    base_file_url: str | None = None
    rate_limit: bool = True


@dataclass(frozen=True, slots=True)
class StorageConfig:
    path: str = "baton.db"


@dataclass(frozen=True, slots=True)
class AccessConfig:
    allowed_user_ids: tuple[int, ...] = ()
    allowed_chat_ids: tuple[int, ...] = ()
    open: bool = False

    def allows(self, user_id: int | None, chat_id: int | None) -> bool:
        return (
            self.open
            or (user_id is not None and user_id in self.allowed_user_ids)
            or (chat_id is not None and chat_id in self.allowed_chat_ids)
        )


@dataclass(frozen=True, slots=True)
class HandoffConfig:
    budget_words: int = 2000


GROUP_ACKS = ("reaction", "summary", "none")  # [capture] group_ack
GROUP_CAPTURES = ("forwards", "all")  # [capture] groups


@dataclass(frozen=True, slots=True)
class CaptureConfig:
    ack_delay_s: float = 2.0
    stitch_window_s: float = 1.5
    max_paste_parts: int = 30
    max_paste_chars: int = 200_000
    # Groups are quiet: a reaction on each stored message, or one summary per burst (at
    # most every group_ack_every_s), or nothing. Private chats always get the summary.
    group_ack: str = "reaction"
    group_ack_every_s: float = 60.0
    # What groups keep: forwards, documents, /note and replies to the bot, or everything.
    groups: str = "forwards"

    def __post_init__(self) -> None:
        for key, value, allowed in (("group_ack", self.group_ack, GROUP_ACKS),
                                    ("groups", self.groups, GROUP_CAPTURES)):
            if value not in allowed:
                choices = ", ".join(f'"{a}"' for a in allowed)
                raise ConfigError(f"[capture] {key} must be one of {choices}.")


@dataclass(frozen=True, slots=True)
class ImportConfig:
    max_bytes: int = BOT_API_DOWNLOAD_LIMIT
    max_turns: int = 100_000


@dataclass(frozen=True, slots=True)
class LLMConfig:
    base_url: str = "https://router.huggingface.co/v1"
    model: str = "meta-llama/Llama-3.1-8B-Instruct"
    api_key_env: str = "HF_TOKEN"  # the *name* of the variable that holds the key
    context_tokens: int = 8192
    max_output_tokens: int = 0  # unset: derived from context_tokens (llm.writer.output_tokens_for)
    temperature: float = 0.2
    timeout_s: float = 60.0
    max_concurrency: int = 4
    max_retries: int = 3

    def api_key(self, env: Mapping[str, str]) -> str | None:
        return (env.get(self.api_key_env) or "").strip() or None


@dataclass(frozen=True, slots=True)
class DigestConfig:
    timezone: str = "UTC"  # the zone of /digest times that name none
    idle_days: int = 7  # a digest lists the projects idle for longer

    def __post_init__(self) -> None:
        try:
            zoneinfo.ZoneInfo(self.timezone)
        except (zoneinfo.ZoneInfoNotFoundError, ValueError):
            raise ConfigError(f"[digest] timezone '{self.timezone}' is not a time zone: use an "
                              "Area/City name such as Europe/Berlin, or UTC.") from None


@dataclass(frozen=True, slots=True)
class Config:
    telegram: TelegramConfig = field(default_factory=TelegramConfig)
    storage: StorageConfig = field(default_factory=StorageConfig)
    access: AccessConfig = field(default_factory=AccessConfig)
    handoff: HandoffConfig = field(default_factory=HandoffConfig)
    capture: CaptureConfig = field(default_factory=CaptureConfig)
    imports: ImportConfig = field(default_factory=ImportConfig)
    llm: LLMConfig = field(default_factory=LLMConfig)
    digest: DigestConfig = field(default_factory=DigestConfig)


_SECTIONS: dict[str, type] = {f.name: f.default_factory for f in fields(Config)}  # type: ignore[misc]
_SECTIONS["import"] = _SECTIONS.pop("imports")  # `import` is a Python keyword, fine in TOML


def _coerce(section: str, key: str, value: Any, default: Any) -> Any:
    where = f"[{section}] {key}"
    if isinstance(default, bool):
        if not isinstance(value, bool):
            raise ConfigError(f"{where} must be true or false.")
        return value
    if isinstance(default, tuple):
        if not isinstance(value, list) or not all(
            isinstance(v, int) and not isinstance(v, bool) for v in value
        ):
            raise ConfigError(f"{where} must be a list of numeric Telegram ids, like [12345].")
        return tuple(value)
    if isinstance(default, float):
        if isinstance(value, bool) or not isinstance(value, (int, float)) or value < 0:
            raise ConfigError(f"{where} must be a non-negative number.")
        return float(value)
    if isinstance(default, int):
        lowest = 0 if key.endswith("retries") else 1
        if isinstance(value, bool) or not isinstance(value, int) or value < lowest:
            raise ConfigError(f"{where} must be a {'non-negative' if lowest == 0 else 'positive'}"
                              " whole number.")
        return value
    if not isinstance(value, str):
        raise ConfigError(f"{where} must be a string.")
    return value or (None if default is None else value)


def config_from_mapping(data: Mapping[str, Any], env: Mapping[str, str], *,
                        require_token: bool = True) -> Config:
    """Build a Config, refusing unknown sections and keys so typos don't pass silently."""
    sections: dict[str, Any] = {}
    for name, raw in data.items():
        if name not in _SECTIONS:
            known = ", ".join(sorted(_SECTIONS))
            raise ConfigError(f"Unknown section [{name}] in the config (known: {known}).")
        if not isinstance(raw, dict):
            raise ConfigError(f"[{name}] must be a table of keys.")
        cls = _SECTIONS[name]
        defaults = cls()
        known_keys = {f.name for f in fields(cls)}
        values: dict[str, Any] = {}
        for key, value in raw.items():
            if key not in known_keys:
                raise ConfigError(
                    f"Unknown key '{key}' in [{name}] (known: {', '.join(sorted(known_keys))})."
                )
            values[key] = _coerce(name, key, value, getattr(defaults, key))
        sections["imports" if name == "import" else name] = cls(**values)
    config = Config(**sections)
    if config.llm.max_output_tokens * 2 > config.llm.context_tokens:  # only when set
        raise ConfigError("[llm] max_output_tokens must be at most half of context_tokens, "
                          "so a request has room for its input (leave it out to derive it).")
    token = env.get(TOKEN_ENV) or config.telegram.token
    if not token.strip() and require_token:
        raise ConfigError(
            f"No Telegram bot token: set {TOKEN_ENV} or [telegram] token in the config "
            "(get one from @BotFather)."
        )
    return replace(config, telegram=replace(config.telegram, token=token.strip()))


def load_config(path: str | Path, env: Mapping[str, str] | None = None, *,
                require_token: bool = True) -> Config:
    path = Path(path)
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise ConfigError(
            f"Config file {path} not found (copy config.example.toml to start)."
        ) from None
    except OSError as exc:
        raise ConfigError(f"Cannot read config file {path}: {exc.strerror}.") from None
    try:
        data = tomllib.loads(raw.decode("utf-8-sig"))
    except UnicodeDecodeError:
        raise ConfigError(f"Config file {path} is not UTF-8 text.") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"Config file {path} is not valid TOML: {exc}.") from None
    return config_from_mapping(data, os.environ if env is None else env,
                               require_token=require_token)
