"""The Ray engine: the local engine's two passes as Ray Data datasets, on a cluster or a local Ray.

It only moves data; every page goes through the functions the local engine
calls (`cleaner.engine.worker`: `init_worker`, `corpus.first_pass_batch`,
`clean_batch`), in tasks that build their pipeline once per Ray worker process.

- Inputs are listed on the driver (file names only) and read by `flat_map`
  tasks with the local readers, one file per call; the driver never holds pages.
- Pass 1 (repeats on): `map_batches` fingerprints pages and Ray's `write_parquet`
  writes the fingerprints (hashes and signatures, no text) into the run's work folder;
  one task (`num_cpus=1`) streams them into the fingerprint shards and builds the index
  out of core (DuckDB), as on the local engine, the per-site repeat counting in more
  tasks; pass-2 workers reopen the index folder by path. The driver holds file names.
- The work folder is made under the driver's temporary folder (`TMPDIR`): on a cluster
  of several machines, `TMPDIR` must be a folder every node mounts at the same path
  (checked before pass 1: a node that cannot see it stops the run).
- Pass 2: `map_batches` cleans pages against the index and turns the results
  into Arrow rows with the local writer's schema (`cleaner.io.writer`); Ray's
  `write_parquet` writes them into the output folder; `_SUCCESS` comes last.

Each batch's `RunSummary` part, failures and read problems go to a small tally
actor, which adds the parts up as they come (`+`) and knows which pages it has
counted as runs of consecutive pages (`Coverage`); the driver reports the problems
through the run context at the end, in input order, as the local engine reports them.
"""

from __future__ import annotations

import bisect
import dataclasses
import json
import logging
import os
import pickle
import shutil
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from cleaner.config import Config, dedup_params
from cleaner.engine.run import RunContext, RunSummary, run_record
from cleaner.errors import ConfigError
from cleaner.heap import release_freed

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
    work = Path(tempfile.mkdtemp(prefix="cleaner-ray-"))
    folder = DatasetFolder(output)
    try:
        index = _index(ray, sources, config, work)
        ctx.summary.note_index(index)
        file_metadata = ctx.file_metadata(index)
        folder.claim(run_record(file_metadata, engine="ray", inputs=paths, limit=config.limit))
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
        shutil.rmtree(work, ignore_errors=True)
    ctx.summary.seconds = time.perf_counter() - start
    return ctx.summary


# --- datasets -----------------------------------------------------------------------------------


def _pages(ray, sources: list, config: Config, tally: Any = None):
    """A dataset of pages in input order: `file`, `page` (numbers), `last` (the file's last page) and `data`
    (the pickled `Page`).

    With a `tally`, read problems are reported to it (pass 2 only, so each is reported once).
    """
    items = [{"source": pickle.dumps(s)} for s in sources]
    if not items:
        ds = ray.data.from_items([{"file": 0, "page": 0, "last": False, "data": b""}]).limit(0)
    else:
        blocks = max(1, min(len(items), 256))
        ds = ray.data.from_items(items, override_num_blocks=blocks).flat_map(
            _read_source, fn_kwargs={"config": config, "tally": tally}
        )
    if config.limit is not None:
        ds = ds.limit(config.limit)
    return ds


def _read_source(item: dict[str, Any], *, config: Config, tally: Any) -> Iterator[dict[str, Any]]:
    """One source's pages in order, the last one marked `last`; with a `tally`, the source's read problems, and
    that it has no page when it has none (so the tally's runs of counted pages join across it)."""
    from cleaner.document import Page
    from cleaner.engine.ray_io import read_source

    source = pickle.loads(item["source"])
    issues = []
    held = None
    number = 0
    for entry in read_source(source, config):
        if isinstance(entry, Page):
            if held is not None:
                yield held
            held = {"file": source.number, "page": number, "last": False, "data": pickle.dumps(entry)}
            number += 1
        else:
            issues.append((entry.source, entry.message, entry.fatal))
    if held is not None:
        yield {**held, "last": True}
    if tally is not None and (issues or not number):
        import ray

        ray.get(tally.read.remote(source.number, issues, number))  # delivered before the task ends


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
    table = pa.table({"fp": pa.array(fps, pa.binary())})
    release_freed()
    return table


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
    notices = [dataclasses.asdict(n) for n in outcomes.notices]
    runs = _runs(batch["file"].tolist(), batch["page"].tolist(), batch["last"].tolist())
    if runs:
        import ray

        # wait for the tally to take it: a fire-and-forget call could reach the actor after the driver's
        # final read of the tally (calls from different callers are not ordered)
        ray.get(tally.add.remote(runs, (part, failures, notices)))
    table = rows_table(rows, schema)
    release_freed()
    return table


def _runs(files: list[int], pages: list[int], lasts: list[bool]) -> list[tuple[int, int, int, bool]]:
    """A batch's pages as runs of consecutive pages of one file: `(file, first page, last page, ends the file)`."""
    runs: list[tuple[int, int, int, bool]] = []
    for file, page, last in zip(files, pages, lasts, strict=True):
        if runs and runs[-1][0] == file and runs[-1][2] + 1 == page:
            runs[-1] = (file, runs[-1][1], page, last)
        else:
            runs.append((file, page, page, last))
    return runs


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


def _index(ray, sources: list, config: Config, work: Path) -> Any:
    """The corpus index: loaded with `--index`, else built in the work folder `work` from a Ray pass 1 when
    repeats are on (None when they are off)."""
    if not config.repeats_on:
        return None
    from cleaner.dedup import CorpusIndex
    from cleaner.engine.corpus import report_clusters

    if config.index:
        return CorpusIndex.load(config.index, dedup_params(config))
    _check_shared(ray, work)
    fingerprints = work / "fingerprints"
    _pages(ray, sources, config).map_batches(
        _fingerprint_batch, batch_size=BATCH_SIZE, batch_format="numpy", fn_kwargs={"config": config}
    ).write_parquet(str(fingerprints))
    index, partitions = _build_on_ray(ray, fingerprints, work / "index", config)
    shutil.rmtree(fingerprints, ignore_errors=True)
    log.debug("corpus index built in a Ray task, its repeats counted in %d partition tasks", partitions)
    report_clusters(index)
    return index


def _build_on_ray(ray, fingerprints: Path, folder: Path, config: Config) -> tuple[Any, int]:
    """`_build_index` in one Ray task (one CPU); the driver waits for the index's folder name.

    The build runs in a process of its own (another runtime environment: not a pass-1 worker holding a
    pipeline), and the build's and the counting's processes exit after their task (`max_calls=1`): a
    worker Ray reuses for pass 2 would otherwise keep what the build's DuckDB and arrays left in its heap.
    """
    fresh = {"env_vars": {"CLEANER_RAY_TASK": "index build"}}
    task = ray.remote(num_cpus=1, max_calls=1, runtime_env=fresh)(_build_index)
    return ray.get(task.remote(str(fingerprints), str(folder), config))


def _build_index(fingerprints: str, folder: str, config: Config) -> tuple[Any, int]:
    """(A Ray task) Stream pass 1's fingerprint files into shards and build the index from them out of core in
    `folder`, the per-site repeat counting in more tasks (`_count_on_ray`); the shards are removed after.

    Returns the index (pickled, the path of its folder: workers map its files) and how many partitions
    were counted. A retried task starts over: the fingerprint files stay until the driver has the index.
    """
    import pyarrow.parquet as pq

    from cleaner.dedup import CorpusIndex
    from cleaner.dedup.shards import FingerprintShards

    params = dedup_params(config)
    out = Path(folder)
    shutil.rmtree(out, ignore_errors=True)
    shards = FingerprintShards(out / "shards", params.num_perm, keep_shingles=config.dup_verify)
    for path in sorted(Path(fingerprints).glob("*.parquet")):
        for batch in pq.ParquetFile(path).iter_batches(batch_size=256, columns=["fp"]):
            for data in batch.column(0).to_pylist():
                shards.add(pickle.loads(data))
    shards.close()
    counted: list[int] = []

    def counter(jobs: list[tuple[str, str]], min_site: int, min_corpus: int) -> None:
        counted.append(len(jobs))
        _count_on_ray(jobs, min_site, min_corpus)

    index = CorpusIndex.from_shards(shards.folder, params, out / "index", verify=config.dup_verify, counter=counter)
    shutil.rmtree(shards.folder, ignore_errors=True)
    return index, sum(counted)


def _check_shared(ray, work: Path) -> None:
    """Refuse a work folder that a node of the cluster cannot see (several machines need a shared `TMPDIR`)."""
    marker = work / "seen-by-every-node"
    marker.touch()
    missing = _nodes_without(ray, str(marker))
    if missing:
        raise ConfigError(
            f"{work}: the Ray engine's work folder (made under TMPDIR on the driver) is not visible from "
            f"{len(missing)} node(s) of the cluster ({', '.join(missing[:3])}); set TMPDIR to a folder every "
            "node mounts at the same path"
        )


def _nodes_without(ray, path: str) -> list[str]:
    """The ids of the cluster's live nodes where `path` does not exist (one tiny task on each)."""
    from ray.util.scheduling_strategies import NodeAffinitySchedulingStrategy

    nodes = [node["NodeID"] for node in ray.nodes() if node["Alive"]]
    probe = ray.remote(num_cpus=0)(_exists)
    found = ray.get(
        [probe.options(scheduling_strategy=NodeAffinitySchedulingStrategy(n, soft=False)).remote(path) for n in nodes]
    )
    return [node for node, ok in zip(nodes, found, strict=True) if not ok]


def _exists(path: str) -> bool:
    return os.path.exists(path)


def _count_on_ray(jobs: list[tuple[str, str]], min_site: int, min_corpus: int) -> None:
    """The build's `PartitionCounter` on Ray: one task per partition file; the build's task waits for them."""
    import ray

    from cleaner.dedup.build import count_partition

    task = ray.remote(num_cpus=1, max_calls=1)(count_partition)
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


Position = tuple[int, int]  # (file number, page number); page -1 stands for a file without pages


class Coverage:
    """The pages a tally has counted, as runs of consecutive pages in input order: `(first, last, ends_file)`.

    Runs join when they touch: page `(f, p)` is followed by `(f, p + 1)`, and the last page of file `f` by
    page 0 of file `f + 1` (or by file `f + 1` without pages, the run `(f + 1, -1)`). Batches reported in
    about input order keep a few runs, whatever the corpus size; it decides nothing about the pages.
    """

    def __init__(self) -> None:
        self._firsts: list[Position] = []
        self._runs: list[tuple[Position, Position, bool]] = []

    def __len__(self) -> int:
        return len(self._runs)

    def __contains__(self, page: Position) -> bool:
        i = bisect.bisect_right(self._firsts, page) - 1
        return i >= 0 and page <= self._runs[i][1]

    def add(self, first: Position, last: Position, ends_file: bool) -> None:
        """Count the pages `first` to `last` (not counted yet)."""
        i = bisect.bisect_left(self._firsts, first)
        run = (first, last, ends_file)
        if i > 0 and _touches(self._runs[i - 1], first):
            i -= 1
            run = (self._runs[i][0], last, ends_file)
            del self._firsts[i], self._runs[i]
        if i < len(self._runs) and _touches(run, self._runs[i][0]):
            run = (run[0], self._runs[i][1], self._runs[i][2])
            del self._firsts[i], self._runs[i]
        self._firsts.insert(i, run[0])
        self._runs.insert(i, run)


def _touches(run: tuple[Position, Position, bool], page: Position) -> bool:
    (file, last_page), ends_file = run[1], run[2]
    return page == (file, last_page + 1) or (ends_file and page[0] == file + 1 and page[1] <= 0)


def _tally_class():
    import ray

    @ray.remote
    class Tally:
        """The run's account, added up as batches report: memory that grows with problems, not pages.

        A batch reports its pages as runs (`_runs`); a report whose first page is already counted is
        a retried batch's second report, dropped (the same pages give the same part). A repeated
        block's sample text is the one of the earliest batch, as adding the parts in input order
        gives. Failures, notices and read problems are kept by batch or source, to be reported in
        input order.
        """

        def __init__(self) -> None:
            self._counted = Coverage()
            self._buffer: list[RunSummary] = []
            self._total = RunSummary()
            self._texts: dict[str, tuple[tuple, str]] = {}
            self._problems: dict[tuple, Any] = {}

        def add(self, runs: list[tuple[int, int, int, bool]], value: Any) -> None:
            if (runs[0][0], runs[0][1]) in self._counted:
                return
            for file, first, last, ends_file in runs:
                self._counted.add((file, first), (file, last), ends_file)
            key = ("clean", runs[0][0], runs[0][1])
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

        def read(self, file: int, issues: list, pages: int) -> None:
            """A source's read problems, and whether it had no page (a run of its own)."""
            if issues:
                self._problems["read", file] = issues
            if not pages and (file, -1) not in self._counted:
                self._counted.add((file, -1), (file, -1), True)

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

        def runs(self) -> int:
            """How many runs of counted pages it keeps (1 once every page of a whole run is in)."""
            return len(self._counted)

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
