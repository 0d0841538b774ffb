"""Engines move pages through the same stage functions: locally (default) or on Ray."""

from __future__ import annotations

from cleaner.config import Config
from cleaner.engine.summary import RunSummary
from cleaner.errors import ConfigError


def run(paths: list[str], output: str, config: Config, *, progress: bool | None = None) -> RunSummary:
    """Clean every page under `paths` into `output` (`FILE.parquet`, or `DIR/` for a dataset of shards).

    Unreadable inputs and failed pages are reported and counted; everything
    readable is written. Raises CleanerError for usage or configuration errors.
    """
    if config.engine == "local":
        from cleaner.engine.local import run_local

        return run_local(paths, output, config, progress=progress)
    if config.engine == "ray":
        from cleaner.engine.ray import run_ray

        return run_ray(paths, output, config, progress=progress)
    raise ConfigError(f"unknown engine {config.engine!r} (choose local or ray)")


__all__ = ["RunSummary", "run"]
