"""Golden-file checks of a fixture folder: `cleaner golden check DIR` and `cleaner golden update DIR`.

The layout is the one `fixtures/seeds` uses: `DIR/raw/<name>.<ext>` holds input pages (any format
`clean` reads: text dumps, HTML, ...), `DIR/expected/<name>.txt` the clean text and
`DIR/expected/<name>.removed.jsonl` the removals (one JSON object per line, in block order).
A raw file holding several pages (JSON Lines, WARC) gives `<name>.<k>` (k from 1) per page.
Other folders (`gold/`, `labels/`) are a person's and never touched.

`check` compares what the current rules and version make with `expected/`; `update` rewrites
`expected/` only (and removes expected files whose raw page is gone). The project's own golden
tests use `expected_files` and `file_diff` from here.
"""

from __future__ import annotations

import dataclasses
import difflib
import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from cleaner.config import Config
from cleaner.document import Result
from cleaner.errors import CleanerError, ConfigError

TEXT_SUFFIX = ".txt"
REMOVED_SUFFIX = ".removed.jsonl"


def expected_files(name: str, result: Result) -> dict[str, str]:
    """The expected/ files of one page: `<name>.txt` (clean text and a newline) and
    `<name>.removed.jsonl` (each removal as a JSON line)."""
    removed = "".join(json.dumps(r.as_dict(), ensure_ascii=False) + "\n" for r in result.removed)
    return {name + TEXT_SUFFIX: result.text + "\n", name + REMOVED_SUFFIX: removed}


def file_diff(path: Path | str, expected: str | None, actual: str) -> str:
    """A unified diff of an expected file and what the current version makes ('' when equal)."""
    if expected == actual:
        return ""
    if expected is None:
        return f"{path}: missing (run `cleaner golden update` to create it)\n"
    lines = difflib.unified_diff(
        expected.splitlines(keepends=True), actual.splitlines(keepends=True), fromfile=str(path), tofile="actual"
    )
    return "".join(line if line.endswith("\n") else line + "\n\\ No newline at end of file\n" for line in lines)


@dataclass
class GoldenReport:
    """What a check found: pages checked, files that differ (with their diffs), stale files, errors."""

    pages: int = 0
    diffs: dict[str, str] = field(default_factory=dict)
    stale: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    written: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not (self.diffs or self.stale or self.errors)


def cases(folder: Path, config: Config) -> Iterator[tuple[str, Result | str]]:
    """`(name, result)` for every page under `folder/raw`, in name order, as `clean` cleans it (no
    corpus stage unless `--index` is given); `(name, message)` for a page that cannot be read."""
    from cleaner.config import check_config
    from cleaner.engine.local import load_index
    from cleaner.io.readers import ReadIssue, iter_pages
    from cleaner.pipeline import Pipeline

    raw = folder / "raw"
    if not raw.is_dir():
        raise ConfigError(f"{folder}: no raw/ folder (a golden folder holds raw/ inputs and expected/ outputs)")
    check_config(config)
    pipeline = Pipeline.from_config(config, load_index(config))
    files = sorted(p for p in raw.iterdir() if p.is_file() and not p.name.startswith("."))
    if not files:
        raise ConfigError(f"{raw}: holds no input files")
    for path in files:
        stem = path.name.split(".", 1)[0]
        items = list(iter_pages([str(path)], config))
        pages = [i for i in items if not isinstance(i, ReadIssue)]
        for issue in (i for i in items if isinstance(i, ReadIssue) and i.fatal):
            yield stem, f"{issue.source}: {issue.message}"
        for k, page in enumerate(pages, start=1):
            name = stem if len(pages) == 1 else f"{stem}.{k}"
            try:
                yield name, pipeline.clean(pipeline.document(page))
            except CleanerError as exc:
                yield name, f"{page.source}: {exc}"


def run_golden(folder: str | Path, config: Config, *, update: bool = False) -> GoldenReport:
    """Check (or with `update`, rewrite) `folder/expected` against the current output of `folder/raw`."""
    folder = Path(folder)
    expected_dir = folder / "expected"
    report = GoldenReport()
    made: dict[str, str] = {}
    for name, outcome in cases(folder, config):
        if isinstance(outcome, str):
            report.errors.append(outcome)
            continue
        report.pages += 1
        made.update(expected_files(name, outcome))
    present = sorted(p.name for p in expected_dir.glob("*")) if expected_dir.is_dir() else []
    stale = [n for n in present if n.endswith((TEXT_SUFFIX, REMOVED_SUFFIX)) and n not in made]
    if update:
        expected_dir.mkdir(exist_ok=True)
        for name, content in made.items():
            target = expected_dir / name
            if not target.exists() or target.read_text(encoding="utf-8") != content:
                target.write_text(content, encoding="utf-8")
                report.written.append(name)
        for name in stale:
            (expected_dir / name).unlink()
            report.written.append(f"{name} (removed)")
        return dataclasses.replace(report, stale=[])
    for name, content in made.items():
        target = expected_dir / name
        current = target.read_text(encoding="utf-8") if target.exists() else None
        difference = file_diff(target, current, content)
        if difference:
            report.diffs[name] = difference
    report.stale = stale
    return report


def print_report(report: GoldenReport, folder: str, *, update: bool, out) -> int:
    """Print the result of a check or update; return the exit code (1 on any difference or error)."""
    for message in report.errors:
        print(f"cleaner: error: {message}", file=out)
    if update:
        for name in report.written:
            print(f"wrote {name}", file=out)
        print(f"{report.pages} pages: {len(report.written)} expected files written in {folder}/expected", file=out)
        return 1 if report.errors else 0
    for difference in report.diffs.values():
        out.write(difference)
    for name in report.stale:
        print(f"{folder}/expected/{name}: no raw page makes it any more (run `cleaner golden update`)", file=out)
    verdict = "all match" if report.ok else f"{len(report.diffs)} files differ, {len(report.stale)} stale"
    print(f"{report.pages} pages checked in {folder}: {verdict}", file=out)
    return 0 if report.ok else 1
