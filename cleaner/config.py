"""Run configuration: one dataclass for everything a flag or `--config` TOML file sets.

Each field carries its command-line description in its metadata (`help`, and where
needed `metavar`, `choices`, `short`, `flag`, and `commands`: which commands show it);
`cleaner.cli` generates its flags from them, so a new setting is one field here.
`check_config` validates every setting in one place; the engines, `explain` and
`index build` call it before any work.
"""

from __future__ import annotations

import dataclasses
import tomllib
import types
import typing
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from cleaner.errors import ConfigError
from cleaner.extract import EXTRACTORS

#: commands that take the settings (flags generated from the fields below)
CLEAN, EXPLAIN, INDEX = "clean", "explain", "index"
_ALL = frozenset({CLEAN, EXPLAIN, INDEX})
_RUNS = frozenset({CLEAN, INDEX})
_CLEAN_ONLY = frozenset({CLEAN})
_PER_PAGE = frozenset({CLEAN, EXPLAIN})


def _formats() -> tuple[str, ...]:
    from cleaner.io.readers import FORMATS

    return FORMATS


def _output_formats() -> tuple[str, ...]:
    from cleaner.io.sinks import OUTPUT_FORMATS

    return tuple(OUTPUT_FORMATS)


def setting(default: Any = None, *, help: str, commands: frozenset[str] = _ALL, **cli: Any) -> Any:
    """A Config field with its flag's description (`cli`: metavar, choices, short, flag)."""
    meta = {"help": help, "commands": commands, **cli}
    if isinstance(default, list):
        return field(default_factory=lambda: list(default), metadata=meta)
    return field(default=default, metadata=meta)


@dataclass
class Config:
    """Settings of a run. Field names are the TOML keys and the long flags (`-` for `_`)."""

    rules: list[str] = setting([], help="add the rule packs under DIR (repeatable)", metavar="DIR")
    disable: list[str] = setting(
        [],
        help="turn off a heuristic by name, or a stage: language, repeats (repeatable, or comma-separated)",
        metavar="NAME",
    )
    min_words: int = setting(
        0, help="drop documents whose clean text has fewer words", metavar="N", commands=_CLEAN_ONLY
    )
    language: bool = setting(True, help="skip the language stage", flag="--no-language")
    repeats: bool = setting(True, help="skip corpus repeats/duplicates", flag="--no-repeats", commands=_PER_PAGE)
    repeat_min_docs: int = setting(
        3, help="a block in at least K distinct documents of one site is boilerplate (default 3)", metavar="K"
    )
    repeat_min_docs_corpus: int = setting(
        50, help="... or in at least K documents corpus-wide (default 50)", metavar="K"
    )
    dup_threshold: float = setting(0.8, help="near-duplicate Jaccard threshold (0.8)", metavar="J")
    num_perm: int = setting(128, help="MinHash permutations (default 128)", metavar="N")
    site_key: str = setting(
        "folder",
        help="what a page without URL or site pack counts under for repeats: its first folder under the input "
        "argument (folder, default), one shared pool (url), or one pool for every page (none)",
        choices=("folder", "url", "none"),
    )
    dup_verify: bool = setting(
        False,
        help="check each near-duplicate pair by exact Jaccard of its shingles (kept on disk in pass 1) before joining",
        commands=_RUNS,
    )
    drop_duplicates: bool = setting(False, help="omit non-representative dups", commands=_CLEAN_ONLY)
    index: str | None = setting(
        None, help="clean against a saved corpus index (no first pass)", metavar="INDEX", commands=_PER_PAGE
    )
    workers: int = setting(1, help="local worker processes (default 1)", metavar="N", short="-j", commands=_RUNS)
    limit: int | None = setting(None, help="stop after N pages", metavar="N", commands=_RUNS)
    max_errors: int | None = setting(None, help="give up after more than N errors", metavar="N", commands=_CLEAN_ONLY)
    errors: str | None = setting(
        None, help="write each error and warning as a JSON line to FILE", metavar="FILE", commands=_RUNS
    )
    format: str | None = setting(None, help="force input format", choices=_formats)
    text_column: str = setting("text", help="Parquet/JSONL text column (default text)", metavar="NAME")
    id_column: str = setting("id", help="Parquet/JSONL id column (default id)", metavar="NAME")
    url_column: str = setting("url", help="Parquet/JSONL url column (default url)", metavar="NAME")
    max_page_bytes: int = setting(
        8 << 20, help="report and skip a page over N bytes once decompressed (default 8 MiB)", metavar="N"
    )
    max_line_chars: int = setting(
        1 << 20, help="report and skip a text page with a line over N characters (default 1 MiB)", metavar="N"
    )
    extractor: str = setting(
        EXTRACTORS[0],
        help="HTML extractor: dom (the default: blocks with markup features and metadata from one lxml parse) "
        "or trafilatura (its main text and metadata; about 4x slower, the same F1 overall)",
        choices=EXTRACTORS,
    )
    extract_timeout: float = setting(
        5.0, help="per-page HTML extraction limit in seconds, 0 for none (default 5)", metavar="S"
    )
    output_format: str | None = setting(
        None,
        help="output format (default: from -o's extension; parquet for a folder; jsonl for -)",
        choices=_output_formats,
        commands=_CLEAN_ONLY,
    )
    row_group_size: int = setting(1000, help="rows per Parquet row group (1000)", metavar="N", commands=_CLEAN_ONLY)
    shard_size: int = setting(
        10000, help="input pages per part with -o DIR/ (10000)", metavar="N", commands=_CLEAN_ONLY
    )
    stats: str | None = setting(
        None,
        help="write the run's statistics as JSON to FILE (with -o DIR/ they are also written as DIR/_STATS.json)",
        metavar="FILE",
        commands=_CLEAN_ONLY,
    )
    dry_run: bool = setting(
        False,
        help="show the resolved settings, the rule packs, the inputs found and the corpus stage's memory and disk "
        "estimate, then exit without cleaning",
        commands=_CLEAN_ONLY,
    )
    engine: str = setting("local", help="where to run (default local)", choices=("local", "ray"), commands=_CLEAN_ONLY)
    ray_address: str | None = setting(
        None, help="Ray cluster address (default: start a local one)", metavar="ADDR", commands=_CLEAN_ONLY
    )

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


def choices_of(f: dataclasses.Field) -> tuple[str, ...] | None:
    """The allowed values of a setting (from its registry when the metadata names a function)."""
    choices = f.metadata.get("choices")
    if callable(choices):
        choices = choices()
    return tuple(choices) if choices is not None else None


def check_config(config: Config) -> Config:
    """Validate every setting (ranges, choices, heuristic names, dedup parameters); raise ConfigError.

    The one place settings are checked: called once at start-up, before any input is read or
    output touched. Checks needing the rule packs (`explain --site`) happen where they load.
    """
    _at_least(config.workers, 1, "--workers")
    _at_least(config.min_words, 0, "--min-words")
    _at_least(config.row_group_size, 1, "--row-group-size")
    _at_least(config.shard_size, 1, "--shard-size")
    _at_least(config.max_page_bytes, 1, "--max-page-bytes")
    _at_least(config.max_line_chars, 1, "--max-line-chars")
    if config.limit is not None:
        _at_least(config.limit, 0, "--limit")
    if config.max_errors is not None:
        _at_least(config.max_errors, 0, "--max-errors")
    if config.extract_timeout < 0:
        raise ConfigError(f"--extract-timeout must be 0 (no limit) or more seconds, got {config.extract_timeout:g}")
    if not 0.0 < config.dup_threshold <= 1.0:
        raise ConfigError(f"--dup-threshold must be in (0, 1], got {config.dup_threshold:g}")
    for f in dataclasses.fields(Config):
        allowed = choices_of(f)
        value = getattr(config, f.name)
        if allowed is not None and value is not None and value not in allowed:
            flag = f"--{f.name.replace('_', '-')}"
            raise ConfigError(f"{flag}: unknown value {value!r}; choose one of {', '.join(allowed)}")
    for name in ("text_column", "id_column", "url_column"):
        if not getattr(config, name):
            raise ConfigError(f"--{name.replace('_', '-')} must not be empty")
    from cleaner.heuristics import check_names

    check_names(config.disable)
    dedup_params(config)
    return config


def dedup_params(config: Config) -> Any:
    """The corpus stage's parameters (`cleaner.dedup.DedupParams`, which checks their ranges)."""
    from cleaner.dedup import DedupParams

    return DedupParams(
        repeat_min_docs=config.repeat_min_docs,
        repeat_min_docs_corpus=config.repeat_min_docs_corpus,
        dup_threshold=config.dup_threshold,
        num_perm=config.num_perm,
        site_key=config.site_key,
    )


def _at_least(value: int, least: int, flag: str) -> None:
    if value < least:
        raise ConfigError(f"{flag} must be at least {least}, got {value}")


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
    """Build a Config from a mapping, checking keys and value types against the fields' types."""
    types = typing.get_type_hints(Config)
    values: dict[str, Any] = {}
    for key, value in data.items():
        name = key.replace("-", "_")
        if name not in types:
            raise ConfigError(f"{origin}: unknown setting {key!r}")
        values[name] = _checked(origin, key, value, types[name])
    return Config(**values)


def _checked(origin: str, key: str, value: Any, expected: Any) -> Any:
    """`value` if it has the field's type (an int is taken for a float), else ConfigError."""
    union = typing.get_origin(expected) in (types.UnionType, typing.Union)
    allowed = typing.get_args(expected) if union else (expected,)
    for kind in allowed:
        if kind is type(None) and value is None:
            return value
        if kind is bool and isinstance(value, bool):
            return value
        if kind is int and isinstance(value, int) and not isinstance(value, bool):
            return value
        if kind is float and isinstance(value, (int, float)) and not isinstance(value, bool):
            return float(value)
        if kind is str and isinstance(value, str):
            return value
        if typing.get_origin(kind) is list and isinstance(value, list) and all(isinstance(v, str) for v in value):
            return value
    raise ConfigError(f"{origin}: setting {key!r} has the wrong type ({type(value).__name__})")
