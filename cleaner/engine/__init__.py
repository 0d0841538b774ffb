"""Engines move pages through the same stage functions: locally (default) or on Ray.

What they share (the run's account, error log, output metadata and folder claim) is in
`cleaner.engine.run`; an engine only schedules.
"""

from __future__ import annotations

from cleaner.config import Config
from cleaner.engine.run import RunContext, RunSummary


def run(paths: list[str], output: str, config: Config, *, progress: bool | None = None) -> RunSummary:
    """Clean every page under `paths` into `output` (`FILE.parquet`, or `DIR/` for a dataset of shards).

    Settings, rule packs and output locations are checked before any work
    (CleanerError for usage or configuration errors). Unreadable inputs and
    failed pages are reported and counted; everything readable is written. The run's
    statistics go to `--stats FILE` and, for a dataset folder, to `_STATS.json` in it.
    """
    from cleaner.stats import write_run_stats

    with RunContext.start(config, inputs=paths, output=output, progress=progress) as ctx:
        if config.engine == "ray":
            from cleaner.engine.ray import run_ray

            summary = run_ray(paths, output, ctx)
        else:
            from cleaner.engine.local import run_local

            summary = run_local(paths, output, ctx)
    write_run_stats(paths, output, config, summary)
    return summary


__all__ = ["RunContext", "RunSummary", "run"]
