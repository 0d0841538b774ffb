"""Run configuration: one dataclass for everything a flag or `--config` TOML file sets."""

from __future__ import annotations

import dataclasses
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from cleaner.errors import ConfigError


@dataclass
class Config:
    """Settings of a run. Field names are the TOML keys and the long flags (`-` for `_`)."""

    rules: list[str] = field(default_factory=list)
    disable: list[str] = field(default_factory=list)
    min_words: int = 0
    language: bool = True
    repeats: bool = True
    repeat_min_docs: int = 3
    repeat_min_docs_corpus: int = 50
    dup_threshold: float = 0.8
    num_perm: int = 128
    drop_duplicates: bool = False
    index: str | None = None
    workers: int = 1
    limit: int | None = None
    max_errors: int | None = None
    errors: str | None = None
    format: str | None = None
    text_column: str = "text"
    id_column: str = "id"
    url_column: str = "url"
    extract_timeout: float = 5.0
    row_group_size: int = 1000
    shard_size: int = 10000
    engine: str = "local"
    ray_address: str | None = None

    @property
    def repeats_on(self) -> bool:
        """The corpus stage (repeated blocks, duplicate flags) runs: not `--no-repeats`, not disabled."""
        return self.repeats and "repeats" not in self.disable

    @property
    def language_on(self) -> bool:
        return self.language and "language" not in self.disable

    def as_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)

    def replace(self, **changes: Any) -> Config:
        return dataclasses.replace(self, **changes)


def load_config(path: str | Path) -> Config:
    """Read a TOML config file; unknown keys and wrong types are errors naming the file and key."""
    path = Path(path)
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read config: {exc.strerror or exc}") from None
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{path}: not valid TOML: {exc}") from None
    return config_from_mapping(data, origin=str(path))


def config_from_mapping(data: dict[str, Any], *, origin: str = "config") -> Config:
    """Build a Config from a mapping, checking keys and value types against the defaults."""
    defaults = Config()
    known = {f.name: f for f in dataclasses.fields(Config)}
    values: dict[str, Any] = {}
    for key, value in data.items():
        name = key.replace("-", "_")
        if name not in known:
            raise ConfigError(f"{origin}: unknown setting {key!r}")
        default = getattr(defaults, name)
        values[name] = _checked(origin, key, value, default)
    return Config(**values)


def _checked(origin: str, key: str, value: Any, default: Any) -> Any:
    if isinstance(default, bool):
        ok = isinstance(value, bool)
    elif isinstance(default, int):
        ok = isinstance(value, int) and not isinstance(value, bool)
    elif isinstance(default, float):
        ok = isinstance(value, (int, float)) and not isinstance(value, bool)
        value = float(value) if ok else value
    elif isinstance(default, list):
        ok = isinstance(value, list) and all(isinstance(v, str) for v in value)
    else:
        ok = value is None or isinstance(value, (str, int, float))
    if not ok:
        raise ConfigError(f"{origin}: setting {key!r} has the wrong type ({type(value).__name__})")
    return value
