"""The local engine: in-process (`--workers 1`) or a process pool, streaming and in input order.

It only moves data: pages from the readers go to workers in batches, at most
a few batches in flight (memory does not grow with the input), outcomes come
back in input order and go to the writer. With repeats on, a first pass
fingerprints every page to build the corpus index; the second pass cleans.
"""

from __future__ import annotations

import logging
import tempfile
import time
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ProcessPoolExecutor
from contextlib import contextmanager
from multiprocessing import get_context
from pathlib import Path
from typing import Any

from cleaner.config import Config
from cleaner.document import Page
from cleaner.engine import progress, worker
from cleaner.engine.corpus import Spill, build_index, finish_batch, load_index
from cleaner.engine.output import open_output
from cleaner.engine.run import RunContext, RunSummary, run_record
from cleaner.errors import CleanerError, OutputError
from cleaner.rules import RuleSet

log = logging.getLogger("cleaner")
BATCH_SIZE = 32


def run_local(paths: list[str], output: str, ctx: RunContext) -> RunSummary:
    """Clean every page under `paths` into `output`; see `cleaner.engine.run`.

    With the corpus stage on and no saved index, pass 1 runs the per-document
    stages, fingerprints each page and spills the documents to a temporary file;
    pass 2 reads them back and only applies the corpus stage, so no page is
    extracted or cleaned twice.
    """
    start = time.perf_counter()
    config = ctx.config
    with tempfile.TemporaryDirectory(prefix="cleaner-") as scratch:
        try:
            if config.repeats_on and not config.index:
                spill = Spill(Path(scratch))
                index = build_index(paths, ctx, spill=spill)
                items: Iterable[tuple[int, Any]] = spill.read()
                batch_fn: Callable[[list[Any]], worker.Batch] = finish_batch
                _second_pass(items, batch_fn, paths, output, ctx, index, spill.count)
            else:
                index = load_index(config)
                ctx.summary.note_index(index)
                reading = progress.InputBar(paths, config, "cleaning", ctx.progress)
                try:
                    _second_pass(_pages(paths, ctx, reading), worker.clean_batch, paths, output, ctx, index)
                finally:
                    reading.close()
        except BrokenPipeError:
            raise  # the reader of stdout went away (`| head`): the command line ends quietly
        except OSError as exc:
            where = f"the scratch folder {scratch}" if str(exc.filename or "").startswith(scratch) else output
            raise write_failed(where, exc) from None
    ctx.summary.seconds = time.perf_counter() - start
    return ctx.summary


def _second_pass(
    items, batch_fn, paths: list[str], output: str, ctx: RunContext, index: Any, total: int | None = None
) -> None:
    """Clean (or finish) every item in input order and write what is kept; `--max-errors` gives up.
    `total`: the number of items when known (pass 2 after pass 1), for its progress bar; without it,
    the items are pages being read and the reading bar shows progress."""
    config, summary = ctx.config, ctx.summary
    file_metadata = ctx.file_metadata(index)
    record = run_record(file_metadata, engine="local", inputs=paths, limit=config.limit)
    out = open_output(output, config, file_metadata, record)
    try:
        with _executor(config, index, ctx.ruleset) as submit:
            todo = ((ordinal, item) for ordinal, item in items if not out.skip(ordinal))
            bar = progress.document_bar("pass 2: cleaning", total, ctx.progress) if total is not None else None
            for ordinal, outcome in _map(todo, batch_fn, submit, config.workers, ctx.notice):
                if bar is not None:
                    bar.update(1)
                if summary.add(outcome, config):
                    out.write(ordinal, outcome)
                elif isinstance(outcome, worker.Failure):
                    ctx.failure(outcome)
                if ctx.too_many_errors():
                    break
            if bar is not None:
                bar.close()
        summary.skipped_shards = out.skipped
        if summary.gave_up:
            out.abort()
        else:
            out.close()
    except BaseException:
        out.abort()
        raise


def write_failed(where: str, exc: OSError) -> OutputError:
    """The one-line error for an output (or scratch file) that could not be written, e.g. a full disk."""
    return OutputError(
        f"cannot write {where}: {exc.strerror or exc}; the run stopped and no partial output was left "
        "under the final name"
    )


def _pages(paths: list[str], ctx: RunContext, bar: progress.InputBar | None = None) -> Iterator[tuple[int, Page]]:
    """Number the readable pages in input order (up to `--limit`), reporting read issues once;
    each page read advances `bar`."""
    from cleaner.io.readers import ReadIssue, iter_pages

    config = ctx.config
    ordinal = 0
    for item in iter_pages(paths, config):
        if isinstance(item, ReadIssue):
            ctx.issue(item)
            continue
        if config.limit is not None and ordinal >= config.limit:
            return
        if bar is not None:
            bar.page(item)
        yield ordinal, item
        ordinal += 1


def _map(
    pages: Iterable[tuple[int, Page]],
    fn: Callable[[list[Page]], list[Any]],
    submit: Callable[..., Any],
    workers: int,
    notice: Callable[[worker.Notice], None],
) -> Iterator[tuple[int, Any]]:
    """Apply `fn` to batches of pages, a bounded number in flight, yielding outcomes in input order
    (each batch's notices go to `notice` first)."""
    in_flight: deque[tuple[list[int], Any]] = deque()
    limit = max(2, 2 * workers)
    batch: list[tuple[int, Page]] = []

    def drain(until: int) -> Iterator[tuple[int, Any]]:
        while len(in_flight) > until:
            ordinals, future = in_flight.popleft()
            outcomes = future.result()
            for item in getattr(outcomes, "notices", ()):
                notice(item)
            yield from zip(ordinals, outcomes, strict=True)

    for item in pages:
        batch.append(item)
        if len(batch) >= BATCH_SIZE:
            in_flight.append(([o for o, _ in batch], submit(fn, [p for _, p in batch])))
            batch = []
            yield from drain(limit)
    if batch:
        in_flight.append(([o for o, _ in batch], submit(fn, [p for _, p in batch])))
    yield from drain(0)


class _Done:
    """A finished value with the `Future.result()` interface, for in-process runs."""

    def __init__(self, value: Any):
        self.value = value

    def result(self) -> Any:
        return self.value


@contextmanager
def _executor(config: Config, index: Any, ruleset: RuleSet | None = None) -> Iterator[Callable[..., Any]]:
    """Yield a `submit(fn, arg)`: in-process for one worker, a process pool otherwise."""
    if config.workers <= 1:
        worker.init_worker(config, index, ruleset)
        yield lambda fn, arg: _Done(fn(arg))
        return
    context = get_context("forkserver")
    initargs = (config, index, ruleset)
    with ProcessPoolExecutor(
        max_workers=config.workers, mp_context=context, initializer=worker.init_worker, initargs=initargs
    ) as pool:
        yield pool.submit


def check_paths(paths: list[str]) -> None:
    """Refuse a run where no input path exists at all (a usage error, not a per-file one); stdin (`-`)
    and URIs are checked when they are read."""
    if paths and not any(p == "-" or "://" in p or Path(p).exists() for p in paths):
        raise CleanerError(f"no such input: {', '.join(paths)}")
