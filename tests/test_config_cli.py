"""Point 1: running it — config loading, clear one-line errors, exit code 2."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from bot.app import build_application
from bot.config import TOKEN_ENV, ConfigError, load_config

ROOT = Path(__file__).resolve().parents[1]


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "config.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_example_config_loads_with_token_from_env() -> None:
    config = load_config(ROOT / "config.example.toml", env={TOKEN_ENV: "42:from-env"})
    assert config.telegram.token == "42:from-env"
    assert config.storage.path == "baton.db"
    assert config.access.open is False and config.access.allowed_user_ids == ()


def test_env_overrides_file_token(tmp_path: Path) -> None:
    path = write(tmp_path, '[telegram]\ntoken = "1:file"\n')
    assert load_config(path, env={}).telegram.token == "1:file"
    assert load_config(path, env={TOKEN_ENV: "2:env"}).telegram.token == "2:env"


@pytest.mark.parametrize("text, fragment", [
    ("", "No Telegram bot token"),
    ('[telegram]\ntoken = "1:x"\ntokn = "y"\n', "Unknown key 'tokn' in [telegram]"),
    ('[telegrm]\ntoken = "1:x"\n', "Unknown section [telegrm]"),
    ('[telegram\ntoken = "1:x"\n', "not valid TOML"),
    ('[telegram]\ntoken = "1:x"\n[access]\nallowed_user_ids = ["me"]\n', "list of numeric"),
    ('[telegram]\ntoken = "1:x"\n[access]\nopen = "yes"\n', "true or false"),
    ('[telegram]\ntoken = "1:x"\n[handoff]\nbudget_words = 0\n', "positive whole number"),
])
def test_bad_configs_give_one_clear_line(tmp_path: Path, text: str, fragment: str) -> None:
    with pytest.raises(ConfigError) as err:
        load_config(write(tmp_path, text), env={})
    assert fragment in str(err.value)
    assert "\n" not in str(err.value)


def test_self_hosted_bot_api_urls(tmp_path: Path) -> None:
    path = write(tmp_path, '[telegram]\ntoken = "1:x"\nbase_url = "http://127.0.0.1:8081/bot"\n'
                           'base_file_url = "http://127.0.0.1:8081/file/bot"\n'
                           f'[storage]\npath = "{tmp_path / "b.db"}"\n')
    app = build_application(load_config(path, env={}))
    assert app.bot.base_url == "http://127.0.0.1:8081/bot1:x"
    assert app.bot.base_file_url == "http://127.0.0.1:8081/file/bot1:x"


def run_cli(*args: str, env_token: str | None = None, cwd: Path = ROOT) -> subprocess.CompletedProcess[str]:
    env = {"PATH": "/usr/bin:/bin", "PYTHONPATH": str(ROOT)}
    if env_token:
        env[TOKEN_ENV] = env_token
    return subprocess.run([sys.executable, "-m", "bot", *args], capture_output=True, text=True,
                          env=env, cwd=cwd, timeout=60)


@pytest.mark.parametrize("content", ["", "[telegram\n", '[telegram]\ntoken = "1:x"\nfoo = 1\n'])
def test_cli_exits_2_without_traceback(tmp_path: Path, content: str) -> None:
    result = run_cli("--config", str(write(tmp_path, content)))
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    assert result.stderr.startswith("baton: ") and result.stderr.count("\n") == 1


def test_cli_says_when_telegram_cannot_be_reached_at_start(tmp_path: Path) -> None:
    config = write(tmp_path, '[telegram]\ntoken = "123456:not-a-real-token"\n'
                             'base_url = "http://127.0.0.1:9/bot"\n'  # nothing listens there
                             f'[storage]\npath = "{tmp_path / "b.db"}"\n')
    result = run_cli("--config", str(config))
    assert result.returncode == 2
    assert "Traceback" not in result.stderr and "not-a-real-token" not in result.stderr
    assert result.stderr.splitlines()[-1].startswith(
        "baton: cannot reach Telegram at http://127.0.0.1:9/bot (")


def test_cli_missing_config_file(tmp_path: Path) -> None:
    result = run_cli("--config", str(tmp_path / "absent.toml"))
    assert result.returncode == 2
    assert "not found" in result.stderr and "Traceback" not in result.stderr


def test_console_script_is_declared() -> None:
    pyproject = (ROOT / "pyproject.toml").read_text()
    assert 'baton = "bot.cli:main"' in pyproject
