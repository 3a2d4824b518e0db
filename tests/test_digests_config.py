"""[digest] in the config: the default zone and idle_days; unknown keys and zones refused."""
from __future__ import annotations

from pathlib import Path

import pytest

from bot.config import ConfigError, DigestConfig, config_from_mapping, load_config

ENV = {"BATON_TELEGRAM_TOKEN": "123:abc"}
REPO = Path(__file__).resolve().parents[1]


def test_digest_section_defaults_and_values() -> None:
    assert config_from_mapping({}, ENV).digest == DigestConfig("UTC", 7)
    config = config_from_mapping({"digest": {"timezone": "Europe/Berlin", "idle_days": 3}}, ENV)
    assert config.digest == DigestConfig("Europe/Berlin", 3)
    assert load_config(REPO / "config.example.toml", ENV).digest == DigestConfig("UTC", 7)


@pytest.mark.parametrize(("section", "says"), [
    ({"cadence": "daily"}, "Unknown key 'cadence' in [digest] (known: idle_days, timezone)."),
    ({"timezone": "Mars/Base"}, "[digest] timezone 'Mars/Base' is not a time zone"),
    ({"timezone": ""}, "[digest] timezone '' is not a time zone"),
    ({"idle_days": 0}, "[digest] idle_days must be a positive whole number."),
    ({"idle_days": "7"}, "[digest] idle_days must be a positive whole number."),
])
def test_bad_digest_settings_are_one_line(section: dict[str, object], says: str) -> None:
    with pytest.raises(ConfigError) as problem:
        config_from_mapping({"digest": section}, ENV)
    assert says in str(problem.value) and "\n" not in str(problem.value)
