"""Settings: TOML config file, flags over file, clear errors."""

from __future__ import annotations

import pytest

from cleaner.cli import build_parser, settings
from cleaner.config import Config, load_config
from cleaner.errors import ConfigError


def test_config_file_then_flags(tmp_path):
    path = tmp_path / "c.toml"
    path.write_text('min-words = 5\ndisable = ["language"]\nworkers = 2\n', encoding="utf-8")
    args = build_parser().parse_args(
        ["clean", "x", "-o", "o.parquet", "--config", str(path), "--workers", "3", "--disable", "a,b"]
    )
    config = settings(args)
    assert config.min_words == 5 and config.workers == 3
    assert config.disable == ["language", "a", "b"]


@pytest.mark.parametrize(
    ("text", "message"),
    [("bogus = 1\n", "unknown setting"), ("workers = 'two'\n", "wrong type"), ("workers =\n", "not valid TOML")],
)
def test_bad_config_file(tmp_path, text, message):
    path = tmp_path / "c.toml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ConfigError, match=message) as err:
        load_config(path)
    assert str(path) in str(err.value)


def test_missing_config_file(tmp_path):
    with pytest.raises(ConfigError, match="cannot read"):
        load_config(tmp_path / "none.toml")


def test_defaults():
    assert Config().repeat_min_docs == 3 and Config().dup_threshold == 0.8
