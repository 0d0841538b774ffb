"""The Ray engine: the local engine's two passes as Ray Data datasets, on a cluster or a local Ray.

It only moves data; every page goes through the functions the local engine
calls (`cleaner.engine.worker`: `init_worker`, `corpus.first_pass_batch`,
`clean_batch`), in tasks that build their pipeline once per Ray worker process.

- Inputs are listed on the driver (file names only) and read by `flat_map`
  tasks with the local readers, one file per call; the driver never holds pages.
- Pass 1 (repeats on): `map_batches` fingerprints pages; the driver streams the
  fingerprints (hashes and signatures, no text) into the on-disk fingerprint shards,
  and the index is built from them out of core (DuckDB), as on the local engine; its
  workers reopen the index folder by path (so the folder must be on a shared disk).
- Pass 2: `map_batches` cleans pages against the index and turns the results
  into Arrow rows with the local writer's schema (`cleaner.io.writer`); Ray's
  `write_parquet` writes them into the output folder; `_SUCCESS` comes last.

Each batch's `RunSummary` part, failures and read problems go to a small tally
actor; the driver adds the parts up (`+`) and reports the problems through the
run context at the end, in input order, as the local engine reports them.
"""

from __future__ import annotations

import dataclasses
import json
import logging
import os
import pickle
import time
from collections.abc import Iterator
from typing import Any

from cleaner.config import Config, dedup_params
from cleaner.engine.run import RunContext, RunSummary, run_record
from cleaner.errors import ConfigError

log = logging.getLogger("cleaner")
BATCH_SIZE = 32
#: Ray Data's largest block, and the object store memory its running datasets may hold: both bound the
#: memory of a run whatever the corpus size (Ray's defaults, 128 MiB blocks and a share of the whole object
#: store, let one task reading a large input file build blocks of its whole content, and reading run ahead
#: of cleaning into the object store; benchmarks/README.md, "Corpus stage out of core")
BLOCK_BYTES = 8 << 20
OBJECT_STORE_BUDGET = 256 << 20
#: the object store of a local Ray this engine starts (Ray's default, 30% of the machine's memory, is
#: memory its processes map and touch as objects come and go; objects past it spill to disk)
LOCAL_OBJECT_STORE = 512 << 20
INSTALL_HINT = "pip install 'cleaner[ray]'"


def _import_ray():
    try:
        import ray
        import ray.data  # Ray without its `data` extra cannot run this engine
    except ImportError:
        raise ConfigError(f"--engine ray needs Ray Data, which is not installed: {INSTALL_HINT}") from None
    return ray


def run_ray(paths: list[str], output: str, ctx: RunContext) -> RunSummary:
    """Clean every page under `paths` into the dataset folder `output` on Ray; see `cleaner.engine.run`.

    Connects to `config.ray_address` (or an already initialised Ray; else starts
    a local one and shuts it down at the end).
    """
    ray = _import_ray()
    from cleaner.engine.ray_io import DatasetFolder

    config = ctx.config
    DatasetFolder(output)  # refuse `-o FILE.parquet` before starting anything
    if config.output_format not in (None, "parquet"):
        raise ConfigError(f"--output-format {config.output_format}: the Ray engine writes Parquet shards only")
    started_here = False
    if not ray.is_initialized():
        try:
            local = not (config.ray_address or os.environ.get("RAY_ADDRESS"))
            store = {"object_store_memory": LOCAL_OBJECT_STORE} if local else {}
            ray.init(address=config.ray_address, include_dashboard=False, logging_level=logging.WARNING, **store)
        except (ConnectionError, RuntimeError, ValueError) as exc:
            where = config.ray_address or "a new local instance"
            raise ConfigError(f"cannot start or reach Ray ({where}): {exc}") from None
        started_here = True
    data_ctx = ray.data.DataContext.get_current()
    options = data_ctx.execution_options
    saved = (options.preserve_order, data_ctx.enable_progress_bars, data_ctx.target_max_block_size)
    saved_limits = options.resource_limits
    options.preserve_order = True  # --limit and row order follow the input order
    data_ctx.enable_progress_bars = ctx.progress is not False
    data_ctx.target_max_block_size = BLOCK_BYTES
    options.resource_limits = options.resource_limits.copy(object_store_memory=OBJECT_STORE_BUDGET)
    ray_log = logging.getLogger("ray.data")
    saved_level = ray_log.level
    if not log.isEnabledFor(logging.DEBUG):
        ray_log.setLevel(logging.WARNING)  # Ray Data's per-dataset INFO lines drown the run's own report
    try:
        return _run(ray, paths, output, ctx)
    finally:
        options.preserve_order, data_ctx.enable_progress_bars, data_ctx.target_max_block_size = saved
        options.resource_limits = saved_limits
        ray_log.setLevel(saved_level)
        if started_here:
            ray.shutdown()


def _run(ray, paths: list[str], output: str, ctx: RunContext) -> RunSummary:
    from cleaner.engine.ray_io import DatasetFolder, list_sources

    start = time.perf_counter()
    config = ctx.config
    sources, listing_issues = list_sources(paths, config)
    tally = _tally_class().options(num_cpus=0).remote()
    index = _index(ray, sources, config)
    ctx.summary.note_index(index)
    file_metadata = ctx.file_metadata(index)
    folder = DatasetFolder(output)
    folder.claim(run_record(file_metadata, engine="ray", inputs=paths, limit=config.limit))
    try:
        pages = _pages(ray, sources, config, tally)
        schema = _schema(pages, config, file_metadata)
        holder = [ray.put(index)]
        results = pages.map_batches(
            _clean_batch,
            batch_size=BATCH_SIZE,
            batch_format="numpy",
            fn_kwargs={"config": config, "holder": holder, "schema": schema, "tally": tally},
        )
        results.write_parquet(
            folder.uri(),
            filesystem=folder.fs,
            filename_provider=_filenames(),
            min_rows_per_file=max(1, config.shard_size),
            schema=schema,
            compression="zstd",
            row_group_size=max(1, config.row_group_size),
        )
        if not folder.parts():
            folder.write_empty_part(schema)
        _report(ray.get(tally.parts.remote()), listing_issues, ctx)
        if ctx.too_many_errors():
            log.error("no _SUCCESS written")
        else:
            folder.succeed()
    finally:
        folder.release()
    ctx.summary.seconds = time.perf_counter() - start
    return ctx.summary


# --- datasets -----------------------------------------------------------------------------------


def _pages(ray, sources: list, config: Config, tally: Any = None):
    """A dataset of pages in input order: `file`, `page` (numbers) and `data` (the pickled `Page`).

    With a `tally`, read problems are reported to it (pass 2 only, so each is reported once).
    """
    items = [{"source": pickle.dumps(s)} for s in sources]
    if not items:
        ds = ray.data.from_items([{"file": 0, "page": 0, "data": b""}]).limit(0)
    else:
        blocks = max(1, min(len(items), 256))
        ds = ray.data.from_items(items, override_num_blocks=blocks).flat_map(
            _read_source, fn_kwargs={"config": config, "tally": tally}
        )
    if config.limit is not None:
        ds = ds.limit(config.limit)
    return ds


def _read_source(item: dict[str, Any], *, config: Config, tally: Any) -> Iterator[dict[str, Any]]:
    from cleaner.document import Page
    from cleaner.engine.ray_io import read_source

    source = pickle.loads(item["source"])
    issues = []
    number = 0
    for entry in read_source(source, config):
        if isinstance(entry, Page):
            yield {"file": source.number, "page": number, "data": pickle.dumps(entry)}
            number += 1
        else:
            issues.append((entry.source, entry.message, entry.fatal))
    if tally is not None and issues:
        import ray

        ray.get(tally.add.remote(("read", source.number), issues))  # delivered before the task ends


_process: dict[str, Any] = {}


def _ready(config: Config, holder: list[Any] | None) -> Any:
    """Build this process's pipeline once per run (Ray reuses worker processes across tasks)."""
    from cleaner.engine import worker

    ref = holder[0] if holder else None
    token = (json.dumps(config.as_dict(), sort_keys=True), None if ref is None else ref.hex())
    if _process.get("token") != token:
        import ray

        index = ray.get(ref) if ref is not None else None
        worker.init_worker(config, index)
        _process.update(token=token, index=index)
    return _process["index"]


def _fingerprint_batch(batch: dict[str, Any], *, config: Config) -> dict[str, Any]:
    from cleaner.engine import worker

    _ready(config, None)
    from cleaner.engine.corpus import first_pass_batch

    outcomes = first_pass_batch([pickle.loads(d) for d in batch["data"]])
    import pyarrow as pa

    fps = [pickle.dumps(o) for o in outcomes if not isinstance(o, worker.Failure)]
    return pa.table({"fp": pa.array(fps, pa.binary())})


def _clean_batch(batch: dict[str, Any], *, config: Config, holder: list[Any], schema: Any, tally: Any):
    from cleaner.engine import worker
    from cleaner.io.writer import result_row, rows_table

    _ready(config, holder)
    outcomes = worker.clean_batch([pickle.loads(d) for d in batch["data"]])
    part = RunSummary()
    failures = []
    rows = []
    for file_no, page_no, outcome in zip(batch["file"], batch["page"], outcomes, strict=True):
        if isinstance(outcome, worker.Failure):
            failures.append(((int(file_no), int(page_no)), outcome.as_dict()))
        if part.add(outcome, config):  # the pipeline has set dup_cluster/dup_rank
            rows.append(result_row(outcome))
    key = ("clean", int(batch["file"][0]), int(batch["page"][0])) if len(outcomes) else ("clean", -1, -1)
    notices = [dataclasses.asdict(n) for n in outcomes.notices]
    import ray

    # wait for the tally to take it: a fire-and-forget call could reach the actor after the driver's
    # final read of the tally (calls from different callers are not ordered)
    ray.get(tally.add.remote(key, (part, failures, notices)))
    return rows_table(rows, schema)


def _schema(pages, config: Config, file_metadata: dict[str, Any]):
    """The output schema: the writer's columns, metadata columns typed from the first row group's pages."""

    from cleaner.document import Result
    from cleaner.io.writer import output_schema, result_row

    sample = pages.limit(max(1, config.row_group_size)).take_all()
    rows = []
    for row in sample:
        page = pickle.loads(row["data"])
        stub = Result(page.id, page.source, page.url, None, None, "", (), 0, metadata=page.metadata)
        rows.append(result_row(stub))
    return output_schema(rows, file_metadata)


def _index(ray, sources: list, config: Config) -> Any:
    """The corpus index: loaded with `--index`, built from a Ray pass 1 when repeats are on, else None."""
    if not config.repeats_on:
        return None
    from cleaner.dedup import CorpusIndex

    params = dedup_params(config)
    if config.index:
        return CorpusIndex.load(config.index, params)
    fps = _pages(ray, sources, config).map_batches(
        _fingerprint_batch, batch_size=BATCH_SIZE, batch_format="numpy", fn_kwargs={"config": config}
    )

    def stream() -> Iterator[Any]:
        for batch in fps.iter_batches(batch_format="pyarrow", batch_size=256):
            for data in batch.column("fp").to_pylist():
                yield pickle.loads(data)

    # the driver streams fingerprints into shards on disk and builds the index out of core (DuckDB),
    # the per-site repeat counting in Ray tasks, one per partition of block clusters; workers open
    # the index folder memory-mapped (a pickled index is its path)
    return CorpusIndex.build(stream(), params, counter=_count_on_ray)


def _count_on_ray(jobs: list[tuple[str, str, str]], min_site: int, min_corpus: int) -> None:
    """The build's `PartitionCounter` on Ray: one task per partition file, the driver waits for their names."""
    import ray

    from cleaner.dedup.build import count_partition

    task = ray.remote(num_cpus=1)(count_partition)
    ray.get([task.remote(*job, min_site, min_corpus) for job in jobs])


def _filenames():
    from ray.data.datasource import FilenameProvider

    from cleaner.engine.ray_io import PART_PREFIX

    class Parts(FilenameProvider):
        """`ray-<write id>-<task>-<i>.parquet`: recognisable, so a re-run can clear them."""

        def get_filename_for_task(self, write_uuid: str, task_index: int) -> str:
            return f"{PART_PREFIX}{write_uuid}-{task_index:05d}"

    return Parts(file_format="parquet")


# --- the account of the run ---------------------------------------------------------------------


def _tally_class():
    import ray

    @ray.remote
    class Tally:
        """The run's account, added up as batches report: memory that grows with problems, not pages.

        Parts are keyed (a batch's first page, or a read source), so a retried batch's second report
        is dropped (the same pages give the same part); a repeated block's sample text is the one of
        the earliest key, as adding the parts in input order gives. Failures, notices and read
        problems are kept with their keys, to be reported in input order.
        """

        def __init__(self) -> None:
            self._seen: set[tuple] = set()
            self._buffer: list[RunSummary] = []
            self._total = RunSummary()
            self._texts: dict[str, tuple[tuple, str]] = {}
            self._problems: dict[tuple, Any] = {}

        def add(self, key: tuple, value: Any) -> None:
            if key in self._seen:
                return
            self._seen.add(key)
            if key[0] == "read":
                self._problems[key] = value
                return
            part, failures, notices = value
            for cluster, text in part.repeat_text.items():
                if cluster not in self._texts or key < self._texts[cluster][0]:
                    self._texts[cluster] = (key, text)
            part.repeat_text = {}
            self._buffer.append(part)
            if len(self._buffer) >= TALLY_BUFFER:
                self._flush()
            if failures or notices:
                self._problems[key] = (failures, notices)

        def _flush(self) -> None:
            """Add the buffered parts (small) together, then into the total (one copy of the large counters)."""
            if self._buffer:
                self._total += sum(self._buffer, RunSummary())
                self._buffer = []

        def parts(self) -> tuple[RunSummary, dict[tuple, Any]]:
            """The summary of every batch, and the problems by key."""
            self._flush()
            self._total.repeat_text = {cluster: text for cluster, (_, text) in self._texts.items()}
            return self._total, self._problems

    return Tally


TALLY_BUFFER = 256  # batch parts added together before they go into the run's total


def _report(tallied: tuple[RunSummary, dict[tuple, Any]], listing_issues: list, ctx: RunContext) -> None:
    """Add the tally's summary into the run's; report every problem in input order."""
    from cleaner.engine.worker import Failure, Notice
    from cleaner.io.readers import ReadIssue

    for issue in listing_issues:
        ctx.issue(issue)
    total, problems = tallied
    ctx.summary += total
    failures = []
    for key in sorted(problems):
        value = problems[key]
        if key[0] == "read":
            for source, message, fatal in value:
                ctx.issue(ReadIssue(source, message, fatal))
            continue
        batch_failures, notices = value
        failures.extend(batch_failures)
        for notice in notices:
            ctx.notice(Notice(**notice))
    for _, record in sorted(failures, key=lambda f: f[0]):
        ctx.failure(Failure(**record))
