"""The local engine: in-process (`--workers 1`) or a process pool, streaming and in input order.

It only moves data: pages from the readers go to workers in batches, at most
a few batches in flight (memory does not grow with the input), outcomes come
back in input order and go to the writer. With repeats on, a first pass
fingerprints every page to build the corpus index; the second pass cleans.
"""

from __future__ import annotations

import json
import logging
import pickle
import tempfile
import time
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ProcessPoolExecutor
from contextlib import contextmanager
from multiprocessing import get_context
from pathlib import Path
from typing import Any

from tqdm import tqdm

from cleaner.config import Config
from cleaner.document import Page, Result
from cleaner.engine import worker
from cleaner.engine.output import open_output
from cleaner.engine.summary import RunSummary, reason_key
from cleaner.errors import CleanerError
from cleaner.rules import RuleSet, load_ruleset

log = logging.getLogger("cleaner")
BATCH_SIZE = 32


class ErrorLog:
    """Reports each unreadable input or failed page: a log line, a count, and a JSON line with `--errors`."""

    def __init__(self, summary: RunSummary, path: str | None):
        self.summary = summary
        self.file = open(path, "w", encoding="utf-8") if path else None  # noqa: SIM115

    def issue(self, issue: Any) -> None:
        if issue.fatal:
            self.summary.read_errors += 1
            log.error("%s: %s", issue.source, issue.message)
            self._write({"source": issue.source, "id": None, "stage": "read", "message": issue.message})
        else:
            self.summary.warnings += 1
            log.warning("%s: %s", issue.source, issue.message)

    def failure(self, failure: worker.Failure) -> None:
        self.summary.failed += 1
        log.error("%s: %s failed: %s", failure.source, failure.stage, failure.message)
        self._write(failure.as_dict())

    def _write(self, record: dict[str, Any]) -> None:
        if self.file:
            self.file.write(json.dumps(record, ensure_ascii=False) + "\n")
            self.file.flush()

    def close(self) -> None:
        if self.file:
            self.file.close()


def recorded_config(config: Config) -> dict[str, Any]:
    """The settings that shape the output (not how the run was executed), for file metadata."""
    skip = {"workers", "errors", "max_errors", "engine", "ray_address", "limit"}
    return {k: v for k, v in config.as_dict().items() if k not in skip}


def run_local(paths: list[str], output: str, config: Config, *, progress: bool | None = None) -> RunSummary:
    """Clean every page under `paths` into `output`; see `cleaner.engine.run`.

    With the corpus stage on and no saved index, pass 1 runs the per-document
    stages, fingerprints each page and spills the documents to a temporary file;
    pass 2 reads them back and only applies the corpus stage, so no page is
    extracted or cleaned twice.
    """
    start = time.perf_counter()
    summary = RunSummary()
    errors = ErrorLog(summary, config.errors)
    ruleset = load_ruleset(config.rules)  # once: pass 1, pass 2 and the file metadata share it
    try:
        with tempfile.TemporaryDirectory(prefix="cleaner-") as scratch:
            if config.repeats_on and not config.index:
                spill = Spill(Path(scratch) / "pass1.pickle")
                # pass 2 needs no document signatures: the slim index is what workers get
                index = build_index(
                    paths, config, errors=errors, spill=spill, ruleset=ruleset, progress=progress
                ).slim()
                items, batch_fn = spill.read(), worker.finish_batch
            else:
                index = load_index(config)
                items, batch_fn = _pages(paths, config, errors), worker.clean_batch
            _second_pass(items, batch_fn, output, config, index, ruleset, errors, progress)
    finally:
        errors.close()
    summary.seconds = time.perf_counter() - start
    return summary


def _second_pass(
    items, batch_fn, output: str, config: Config, index: Any, ruleset: RuleSet, errors: ErrorLog, progress
) -> None:
    """Clean (or finish) every item in input order and write what is kept; `--max-errors` gives up."""
    from cleaner import __version__

    summary = errors.summary
    file_metadata = {
        "tool": "cleaner",
        "version": __version__,
        "config": recorded_config(config),
        "rule_packs": ruleset.manifest(),
        "index": index.description() if index is not None else None,
    }
    out = open_output(output, config, file_metadata)
    try:
        with _executor(config, index, ruleset) as submit:
            todo = ((ordinal, item) for ordinal, item in items if not out.skip(ordinal))
            bar = tqdm(desc="cleaning", unit="doc", disable=_no_bar(progress), mininterval=0.5)
            for ordinal, outcome in _map(todo, batch_fn, submit, config.workers):
                bar.update(1)
                summary.documents += 1
                if isinstance(outcome, worker.Failure):
                    errors.failure(outcome)
                elif keep_result(outcome, config, summary):
                    out.write(ordinal, outcome)
                if config.max_errors is not None and summary.errors > config.max_errors:
                    summary.gave_up = True
                    log.error("giving up: more than %d errors (--max-errors)", config.max_errors)
                    break
            bar.close()
        summary.skipped_shards = out.skipped
        if summary.gave_up:
            out.abort()
        else:
            out.close()
    except BaseException:
        out.abort()
        raise


def keep_result(result: Result, config: Config, summary: RunSummary) -> bool:
    """Count the result and decide whether it is written (`--min-words`, `--drop-duplicates`)."""
    if config.min_words and len(result.text.split()) < config.min_words:
        summary.too_short += 1
        return False
    if config.drop_duplicates and result.dup_rank:
        summary.duplicates_dropped += 1
        return False
    summary.written += 1
    summary.empty += not result.text
    summary.raw_chars += result.raw_chars
    summary.clean_chars += result.clean_chars
    summary.reasons.update(reason_key(r.reason) for r in result.removed)
    return True


def load_index(config: Config) -> Any:
    """The saved corpus index given with `--index` (when the corpus stage is on), else None."""
    if not config.index or not config.repeats_on:
        return None
    from cleaner.dedup import CorpusIndex

    return CorpusIndex.load(config.index, worker.dedup_params(config))


class Spill:
    """Pass 1's documents (or failures) on disk, in input order, for pass 2 to finish."""

    def __init__(self, path: Path):
        self.path = path
        self.file = path.open("wb")
        self.batch: list[tuple[int, Any]] = []

    def keep(self, ordinal: int, outcome: Any) -> Any:
        """Store the document of a `(fingerprint, document)` outcome (or the failure); return the
        fingerprint (or the failure)."""
        failed = isinstance(outcome, worker.Failure)
        self.batch.append((ordinal, outcome if failed else outcome[1]))
        if len(self.batch) >= BATCH_SIZE:
            self._flush()
        return outcome if failed else outcome[0]

    def _flush(self) -> None:
        pickle.dump(self.batch, self.file, protocol=pickle.HIGHEST_PROTOCOL)
        self.batch = []

    def close(self) -> None:
        if self.batch:
            self._flush()
        self.file.close()

    def read(self) -> Iterator[tuple[int, Any]]:
        with self.path.open("rb") as source:
            while True:
                try:
                    batch = pickle.load(source)
                except EOFError:
                    return
                yield from batch


def build_index(
    paths: list[str],
    config: Config,
    *,
    errors: ErrorLog | None = None,
    spill: Spill | None = None,
    ruleset: RuleSet | None = None,
    progress: bool | None = None,
) -> Any:
    """Pass 1: run the per-document stages on every readable page, fingerprint it and build the corpus index.

    With a `spill`, each page's document (or its failure) is kept there for pass 2
    to finish; without one, failures are left for a later pass to report. Read
    issues go to `errors` when given.
    """
    from cleaner.dedup import CorpusIndex

    batch_fn = worker.fingerprint_batch if spill is None else worker.first_pass_batch

    def fingerprints(submit: Callable[..., Any], bar: tqdm) -> Iterator[Any]:
        for ordinal, outcome in _map(_pages(paths, config, errors), batch_fn, submit, config.workers):
            bar.update(1)
            if spill is not None:
                outcome = spill.keep(ordinal, outcome)
            if not isinstance(outcome, worker.Failure):
                yield outcome

    try:
        with _executor(config, None, ruleset) as submit:
            bar = tqdm(desc="pass 1/2", unit="doc", disable=_no_bar(progress), mininterval=0.5)
            index = CorpusIndex.build(fingerprints(submit, bar), worker.dedup_params(config))
            bar.close()
    finally:
        if spill is not None:
            spill.close()
    return index


def _pages(paths: list[str], config: Config, errors: ErrorLog | None) -> Iterator[tuple[int, Page]]:
    """Number the readable pages in input order (up to `--limit`), reporting read issues once."""
    from cleaner.io.readers import ReadIssue, iter_pages

    ordinal = 0
    for item in iter_pages(paths, config):
        if isinstance(item, ReadIssue):
            if errors is not None:
                errors.issue(item)
            continue
        if config.limit is not None and ordinal >= config.limit:
            return
        yield ordinal, item
        ordinal += 1


def _map(
    pages: Iterable[tuple[int, Page]],
    fn: Callable[[list[Page]], list[Any]],
    submit: Callable[..., Any],
    workers: int,
) -> Iterator[tuple[int, Any]]:
    """Apply `fn` to batches of pages, a bounded number in flight, yielding outcomes in input order."""
    in_flight: deque[tuple[list[int], Any]] = deque()
    limit = max(2, 2 * workers)
    batch: list[tuple[int, Page]] = []

    def drain(until: int) -> Iterator[tuple[int, Any]]:
        while len(in_flight) > until:
            ordinals, future = in_flight.popleft()
            yield from zip(ordinals, future.result(), strict=True)

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


def _no_bar(progress: bool | None) -> bool | None:
    return None if progress is None else not progress


def check_paths(paths: list[str]) -> None:
    """Refuse a run where no input path exists at all (a usage error, not a per-file one)."""
    if paths and not any(Path(p).exists() for p in paths):
        raise CleanerError(f"no such input: {', '.join(paths)}")
