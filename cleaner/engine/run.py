"""What every engine does the same way: the run's account, its error log, its output's metadata
and the claim of an output folder. An engine only schedules work and moves data; a new engine
builds a `RunContext`, counts each outcome with `RunSummary.add`, reports problems through the
context and claims its folder with `claim_folder`.

- `RunSummary`: counts; parts (per batch, per Ray task) merge with `+`.
- `ErrorLog`: each error and warning as a log line and, with `--errors FILE`, a JSON line
  (`level`, `source`, `id`, `stage`, `message`).
- `RunContext`: the settings (validated), the rule packs (loaded once), the summary, the error
  log and the progress choice of one run: the one thing threaded through an engine.
- `file_metadata`: what the output records about how it was made.
- `claim_folder`: a dataset folder belongs to one run (same settings, inputs and engine) and is
  locked while a run writes into it.
"""

from __future__ import annotations

import dataclasses
import fcntl
import hashlib
import json
import logging
import os
import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, TextIO

from cleaner.config import Config, check_config
from cleaner.errors import ConfigError

if TYPE_CHECKING:
    from cleaner.document import Result
    from cleaner.engine.worker import Failure, Notice
    from cleaner.io.readers import ReadIssue
    from cleaner.rules import RuleSet

log = logging.getLogger("cleaner")

RUN_FILE = "_cleaner_run.json"
SUCCESS = "_SUCCESS"

#: settings that say how a run was executed, not what the output holds (left out of file metadata)
EXECUTION_SETTINGS = frozenset(
    {"workers", "errors", "max_errors", "engine", "ray_address", "limit", "stats", "dry_run"}
)


@dataclass
class RunSummary:
    """The account of a run (or of a part of one): what was read, written, removed and what failed.

    Parts add up with `+`: numbers add, flags are or-ed, reason counts add.
    """

    documents: int = 0
    written: int = 0
    empty: int = 0
    too_short: int = 0
    duplicates_dropped: int = 0
    failed: int = 0
    read_errors: int = 0
    warnings: int = 0
    skipped_shards: int = 0
    raw_chars: int = 0
    clean_chars: int = 0
    seconds: float = 0.0
    gave_up: bool = False
    reasons: Counter = field(default_factory=Counter)
    #: pages on which a rule's regex ran out of time, by `pack/rule`
    timeouts: Counter = field(default_factory=Counter)
    # for `--stats` (cleaner.stats): characters of every cleaned page, removals by reason family,
    # site and stage, time per stage, problems by kind, duplicate clusters, repeated blocks
    read_chars: int = 0
    reason_chars: Counter = field(default_factory=Counter)
    site_documents: Counter = field(default_factory=Counter)
    site_raw_chars: Counter = field(default_factory=Counter)
    site_removals: Counter = field(default_factory=Counter)
    site_removed_chars: Counter = field(default_factory=Counter)
    stage_removals: Counter = field(default_factory=Counter)
    stage_removed_chars: Counter = field(default_factory=Counter)
    stage_seconds: Counter = field(default_factory=Counter)
    error_kinds: Counter = field(default_factory=Counter)
    warning_kinds: Counter = field(default_factory=Counter)
    dup_clusters: Counter = field(default_factory=Counter)
    repeat_documents: Counter = field(default_factory=Counter)
    repeat_chars: Counter = field(default_factory=Counter)
    repeat_text: dict[str, str] = field(default_factory=dict)
    #: the corpus index's largest duplicate clusters and repeated-block clusters, `(id, size)`,
    #: at most `LARGEST` each (`largest_clusters` merges them)
    largest_duplicates: tuple[tuple[str, int], ...] = ()
    largest_blocks: tuple[tuple[str, int], ...] = ()

    def __add__(self, other: RunSummary) -> RunSummary:
        merged: dict[str, Any] = {}
        for f in dataclasses.fields(self):
            mine, theirs = getattr(self, f.name), getattr(other, f.name)
            if f.name in ("largest_duplicates", "largest_blocks"):
                merged[f.name] = largest_clusters(mine, theirs)
            elif isinstance(mine, bool):
                merged[f.name] = mine or theirs
            elif isinstance(mine, dict) and not isinstance(mine, Counter):
                merged[f.name] = {**theirs, **mine}  # the earlier part's sample wins
            else:
                merged[f.name] = mine + theirs
        return RunSummary(**merged)

    def __iadd__(self, other: RunSummary) -> RunSummary:
        merged = self + other  # once: the per-site and per-cluster counters can be large
        for f in dataclasses.fields(self):
            setattr(self, f.name, getattr(merged, f.name))
        return self

    def add(self, outcome: Result | Failure, config: Config) -> bool:
        """Count one page's outcome; return whether it is written (`--min-words`, `--drop-duplicates`).

        A failure is counted here; reporting it is the error log's job (`RunContext.failure`).
        """
        from cleaner.engine.worker import Failure

        self.documents += 1
        if isinstance(outcome, Failure):
            self.failed += 1
            self.error_kinds[f"{outcome.stage}: {problem_kind(outcome.message)}"] += 1
            return False
        self.read_chars += outcome.raw_chars
        self.stage_seconds.update(outcome.seconds)
        if config.min_words and len(outcome.text.split()) < config.min_words:
            self.too_short += 1
            return False
        if config.drop_duplicates and outcome.dup_rank:
            self.duplicates_dropped += 1
            return False
        self.written += 1
        self.empty += not outcome.text
        self.raw_chars += outcome.raw_chars
        self.clean_chars += outcome.clean_chars
        removals = [(r.start, r.end, r.reason, r.text) for r in outcome.removed]
        self.count_removals(site_key(outcome.site, outcome.url), outcome.raw_chars, removals, outcome.dup_cluster)
        return True

    def count_removals(
        self, site: str | None, raw_chars: int, removals: list[tuple[int, int, str, str]], dup_cluster: str | None
    ) -> None:
        """Count a written page's removals (start, end, reason, text) by reason, site and stage, its
        duplicate cluster and the repeated blocks it lost."""
        site = site or NO_SITE
        self.site_documents[site] += 1
        self.site_raw_chars[site] += raw_chars
        self.site_removals[site] += len(removals)
        if dup_cluster is not None:
            self.dup_clusters[dup_cluster] += 1
        repeats_here: set[str] = set()
        by_reason: dict[str, list[int]] = {}  # counted per page first: most pages repeat a few reasons
        for start, end, reason, text in removals:
            counts = by_reason.get(reason)
            if counts is None:
                counts = by_reason[reason] = [0, 0]
            counts[0] += 1
            counts[1] += end - start
            if reason.startswith("repeat:"):
                cluster = reason.split(":", 1)[1]
                repeats_here.add(cluster)
                self.repeat_text.setdefault(cluster, text[:REPEAT_SAMPLE_CHARS])
        for reason, (count, chars) in by_reason.items():
            key, stage = reason_key(reason), stage_of(reason)
            self.reasons[key] += count
            self.reason_chars[key] += chars
            self.site_removed_chars[site] += chars
            self.stage_removals[stage] += count
            self.stage_removed_chars[stage] += chars
            if key == "repeat":
                self.repeat_chars[reason.split(":", 1)[1]] += chars
        self.repeat_documents.update(repeats_here)

    def note_index(self, index: Any) -> None:
        """Take the corpus index's largest duplicate and block clusters (its `stats`) into the summary."""
        if index is None:
            return
        for name, key in (("largest_duplicates", "duplicate"), ("largest_blocks", "block")):
            rows = index.stats.get(f"largest_{key}_clusters") or []
            setattr(self, name, largest_clusters(getattr(self, name), [(r["cluster"], r["size"]) for r in rows]))

    @property
    def errors(self) -> int:
        return self.failed + self.read_errors

    @property
    def exit_code(self) -> int:
        return 1 if self.errors or self.gave_up else 0

    def line(self, output: str) -> str:
        """One line for the end of a run."""
        kept = self.clean_chars / self.raw_chars if self.raw_chars else 0.0
        rate = self.documents / self.seconds if self.seconds else 0.0
        extras = [f"{self.empty} empty"]
        if self.too_short:
            extras.append(f"{self.too_short} under --min-words")
        if self.duplicates_dropped:
            extras.append(f"{self.duplicates_dropped} duplicates dropped")
        if self.skipped_shards:
            extras.append(f"{self.skipped_shards} finished shards skipped")
        extras.append(f"{self.errors} errors")
        if self.warnings:
            extras.append(f"{self.warnings} warnings")
        if self.timeouts:
            extras.append(f"regex timeouts on {self.timeouts.total()} pages")
        clusters = [
            f"largest {kind} cluster {rows[0][0]} ({rows[0][1]})"
            for kind, rows in (("duplicate", self.largest_duplicates), ("repeated-block", self.largest_blocks))
            if rows
        ]
        return (
            f"{self.documents} documents ({', '.join(extras)}): kept {self.clean_chars:,} of "
            f"{self.raw_chars:,} chars ({kept:.0%}), removed {self.raw_chars - self.clean_chars:,}; "
            f"{''.join(c + '; ' for c in clusters)}{self.seconds:.1f} s, {rate:.0f} docs/s -> {output}"
        )

    def timeout_table(self) -> list[str]:
        """Rules whose regex ran out of time, with the number of pages where it did."""
        return [f"  {count:8d}  {rule}" for rule, count in self.timeouts.most_common()]

    def reason_table(self, top: int | None = 15) -> list[str]:
        """Removals by reason family (`heuristic:nav-label`, `rule:wordpress/akismet`, `repeat`, `lang:es`)."""
        return [f"  {count:8d}  {reason}" for reason, count in self.reasons.most_common(top)]


LARGEST = 5


def largest_clusters(*parts: Sequence[tuple[str, int]]) -> tuple[tuple[str, int], ...]:
    """The `LARGEST` biggest of several `(id, size)` lists: one entry per id (its biggest size),
    by size then id, so any grouping of the parts gives the same list."""
    size: dict[str, int] = {}
    for part in parts:
        for cluster, n in part:
            size[cluster] = max(size.get(cluster, 0), int(n))
    return tuple(sorted(size.items(), key=lambda kv: (-kv[1], kv[0]))[:LARGEST])


def reason_key(reason: str) -> str:
    """Group `repeat:<cluster>` under one key; other reasons are already families."""
    return "repeat" if reason.startswith("repeat:") else reason


#: the stage each reason prefix comes from
STAGES = {"rule": "rules", "heuristic": "heuristics", "lang": "language", "repeat": "repeats"}
NO_SITE = "(no site)"
REPEAT_SAMPLE_CHARS = 300


def site_key(site: str | None, url: str | None) -> str:
    """The site a page counts under in run statistics: its site, else its URL's host, else '(no site)'."""
    if site:
        return site
    if url:
        from urllib.parse import urlsplit

        host = (urlsplit(url).hostname or "").removeprefix("www.")
        if host:
            return host
    return NO_SITE


def stage_of(reason: str) -> str:
    """The stage a removal's reason names (`rule:wordpress/x` -> rules)."""
    prefix = reason.split(":", 1)[0]
    return STAGES.get(prefix, prefix)


def problem_kind(message: str) -> str:
    """A message's kind, for counting: its head (before the first ': '), quoted parts and numbers
    masked (`page over 9000000 bytes` -> `page over N bytes`; `line 12: not JSON` -> `line N`)."""
    head = re.sub(r"'[^']*'|\"[^\"]*\"", "…", message.split(": ", 1)[0])
    return re.sub(r"\d+", "N", head)[:80]


class ErrorLog:
    """Writes each problem as a log line and, with a path, a JSON line; counts nothing (the summary does)."""

    def __init__(self, path: str | None):
        self.file: TextIO | None = None
        if path:
            try:
                self.file = open(path, "w", encoding="utf-8")  # noqa: SIM115 - closed by close()
            except OSError as exc:
                raise ConfigError(f"{path}: cannot write the --errors log: {exc.strerror or exc}") from None

    def write(self, level: str, source: str, message: str, *, id: str | None = None, stage: str = "read") -> None:
        log.log(logging.ERROR if level == "error" else logging.WARNING, "%s: %s", source, message)
        if self.file:
            record = {"level": level, "source": source, "id": id, "stage": stage, "message": message}
            self.file.write(json.dumps(record, ensure_ascii=False) + "\n")
            self.file.flush()

    def close(self) -> None:
        if self.file:
            self.file.close()
            self.file = None


@dataclass
class RunContext:
    """One run's settings, rule packs, account, error log and progress choice (see the module doc)."""

    config: Config
    ruleset: RuleSet
    summary: RunSummary
    errors: ErrorLog
    progress: bool | None = None

    @classmethod
    def start(
        cls,
        config: Config,
        *,
        inputs: Sequence[str] = (),
        output: str | None = None,
        dataset_ok: bool = True,
        progress: bool | None = None,
    ) -> RunContext:
        """Validate the settings, check every output location against the inputs and the inputs'
        page ids, load the rule packs and open the error log: all before any work (ConfigError for
        a usage problem)."""
        from cleaner.engine.output import check_output
        from cleaner.io.readers import check_inputs
        from cleaner.rules import load_ruleset

        check_config(config)
        inputs = list(inputs)
        if output is not None:
            check_output(output, inputs, dataset_ok=dataset_ok)
        if config.errors:
            check_output(config.errors, inputs, flag="--errors", dataset_ok=False, devices_ok=True)
            if output is not None and os.path.realpath(config.errors) == os.path.realpath(output):
                raise ConfigError(f"{config.errors}: --errors and -o name the same file")
        if config.stats:
            check_output(config.stats, inputs, flag="--stats", dataset_ok=False)
        if inputs:
            check_inputs(inputs, config)  # inputs whose pages would share ids: refused before any output is touched
        ruleset = load_ruleset(config.rules)
        return cls(config, ruleset, RunSummary(), ErrorLog(config.errors), progress)

    def __enter__(self) -> RunContext:
        return self

    def __exit__(self, *exc: object) -> None:
        self.errors.close()

    def issue(self, issue: ReadIssue) -> None:
        """A reader's problem: an unreadable input (error) or a repaired or skipped one (warning)."""
        if issue.fatal:
            self.summary.read_errors += 1
            self.summary.error_kinds[f"read: {problem_kind(issue.message)}"] += 1
        else:
            self.summary.warnings += 1
            self.summary.warning_kinds[f"read: {problem_kind(issue.message)}"] += 1
        self.errors.write("error" if issue.fatal else "warning", issue.source, issue.message)

    def failure(self, failure: Failure) -> None:
        """Report a failed page (counted by `RunSummary.add`)."""
        self.errors.write(
            "error", failure.source, f"{failure.stage} failed: {failure.message}", id=failure.id, stage=failure.stage
        )

    def notice(self, notice: Notice) -> None:
        """A page cleaned with a warning (a rule's regex that ran out of time): counted and logged."""
        self.summary.warnings += 1
        self.summary.warning_kinds[f"{notice.stage}: {problem_kind(notice.message)}"] += 1
        if notice.rule:
            self.summary.timeouts[notice.rule] += 1
        self.errors.write("warning", notice.source, notice.message, id=notice.id, stage=notice.stage)

    def too_many_errors(self) -> bool:
        """True (and logged once) when the errors pass `--max-errors`: the run gives up."""
        limit = self.config.max_errors
        if limit is None or self.summary.errors <= limit or self.summary.gave_up:
            return self.summary.gave_up
        self.summary.gave_up = True
        log.error("giving up: more than %d errors (--max-errors)", limit)
        return True

    def file_metadata(self, index: Any = None) -> dict[str, Any]:
        return file_metadata(self.config, self.ruleset, index)


def recorded_config(config: Config) -> dict[str, Any]:
    """The settings that shape the output (not how the run was executed), for file metadata."""
    return {k: v for k, v in config.as_dict().items() if k not in EXECUTION_SETTINGS}


def file_metadata(config: Config, ruleset: RuleSet, index: Any = None) -> dict[str, Any]:
    """How an output was made: tool version, settings, rule packs with their hashes, the corpus index."""
    from cleaner import __version__

    return {
        "tool": "cleaner",
        "version": __version__,
        "config": recorded_config(config),
        "rule_packs": ruleset.manifest(),
        "index": index.description() if index is not None else None,
    }


def run_record(file_metadata: dict[str, Any], *, engine: str, inputs: list[str], limit: int | None) -> dict[str, Any]:
    """What makes two runs the same run for a folder: the output's metadata, the engine, the inputs
    (absolute paths) and `--limit`."""
    where = [p if "://" in p else os.path.abspath(p) for p in inputs]
    return {"engine": engine, "inputs": where, "limit": limit, "run": file_metadata}


class FolderClaim:
    """A dataset folder claimed by a run: `resumed` says it already held the same run.

    On a local folder the claim holds an exclusive lock (`flock` on the folder) until `release()`,
    so a second run into the same folder at the same time is refused.
    """

    def __init__(self, resumed: bool, lock_fd: int | None = None):
        self.resumed = resumed
        self._lock_fd = lock_fd

    def release(self) -> None:
        if self._lock_fd is not None:
            os.close(self._lock_fd)
            self._lock_fd = None


def claim_folder(fs: Any, path: str, record: dict[str, Any], *, display: str) -> FolderClaim:
    """Claim the folder `path` on the pyarrow filesystem `fs` for the run described by `record`.

    Creates the folder if needed; refuses (ConfigError) a folder holding another run, a folder with
    other files and no run, a file, and (locally) a folder another run is writing into. Writes
    `_cleaner_run.json` for a new claim. Deletes nothing: what to clear on a re-run is the engine's call.
    """
    import pyarrow.fs as pafs

    digest = hashlib.sha256(json.dumps(record, sort_keys=True).encode()).hexdigest()
    info = fs.get_file_info(path)
    if info.type == pafs.FileType.File:
        raise ConfigError(f"{display}: is a file, not a folder for a dataset of shards")
    if info.type == pafs.FileType.NotFound:
        try:
            fs.create_dir(path, recursive=True)
        except OSError as exc:
            raise ConfigError(f"{display}: cannot create the output folder: {exc}") from None
    lock_fd = _lock(path, display) if isinstance(fs, pafs.LocalFileSystem) else None
    try:
        names = {os.path.basename(e.path.rstrip("/")) for e in fs.get_file_info(pafs.FileSelector(path))}
        if RUN_FILE in names:
            with fs.open_input_stream(f"{path}/{RUN_FILE}") as fh:
                try:
                    recorded = json.loads(fh.read().decode("utf-8")).get("sha256")
                except (ValueError, AttributeError):
                    recorded = None
            if recorded != digest:
                raise ConfigError(
                    f"{display}: holds a run made with other settings, inputs, rule packs or engine; "
                    "write to an empty folder (or delete it) instead"
                )
            return FolderClaim(True, lock_fd)
        if names:
            raise ConfigError(f"{display}: folder is not empty and holds no cleaner run")
        with fs.open_output_stream(f"{path}/{RUN_FILE}") as fh:
            fh.write(json.dumps({"sha256": digest, **record}, sort_keys=True).encode())
        return FolderClaim(False, lock_fd)
    except BaseException:
        if lock_fd is not None:
            os.close(lock_fd)
        raise


def _lock(path: str, display: str) -> int:
    fd = os.open(path, os.O_RDONLY)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        os.close(fd)
        raise ConfigError(f"{display}: another cleaner run is writing into this folder") from None
    return fd
