"""Where results go: one file, standard output, or a dataset folder of shards that a re-run can resume.

The format follows `--output-format`, else the extension (`cleaner.io.sinks`):
`-o FILE.parquet` (the default), `FILE.jsonl`, `FILE.jsonl.gz`, `FILE.jsonl.zst`
write one file, moved into place at the end (JSON Lines with its run metadata
beside it, `FILE.jsonl.meta.json`); `-o -` streams JSON Lines to standard output
(no metadata file). `-o DIR/` writes `part-00000.parquet` (or `.jsonl`, …; one per
`shard_size` input pages, each moved into place when complete), `_META.json` (the
run metadata) and `_SUCCESS` last; every shard has the first shard's schema, so
the folder reads as one dataset. A re-run of the same command into the same
folder skips shards already complete; a folder holding a run with other settings,
inputs or `--limit` is refused rather than mixed (the claim is
`cleaner.engine.run.claim_folder`). `check_output` refuses, before any work, an
output location that must not be written. Locations may be local paths or URIs
(`cleaner.io.fs`).
"""

from __future__ import annotations

import os
import posixpath
import stat
from pathlib import Path
from typing import Any

from cleaner.config import Config
from cleaner.document import Result
from cleaner.engine.run import SUCCESS, claim_folder
from cleaner.errors import ConfigError
from cleaner.io import fs
from cleaner.io.jsonl_out import STDOUT
from cleaner.io.sinks import META_FILE, dataset_meta, dataset_schema, open_sink, output_format, part_name


def is_dataset(output: str) -> bool:
    if output == STDOUT:
        return False
    if fs.is_uri(output):
        return fs.display(output).endswith("/")
    return output.endswith(("/", os.sep)) or Path(output).is_dir()


def format_of(output: str, config: Config) -> str:
    """The output format of a run (ConfigError for a format the output cannot take)."""
    try:
        return output_format(output, config.output_format, folder=is_dataset(output))
    except ValueError as exc:
        raise ConfigError(f"{output}: {exc}") from None


def check_output(
    output: str, inputs: list[str], *, flag: str = "-o", dataset_ok: bool = True, devices_ok: bool = False
) -> None:
    """Refuse (ConfigError, before any work) an output location a run cannot or must not write.

    Refused: a path that is one of the inputs (or the same file or folder under another name); a
    device, FIFO or socket (cleaner replaces only regular files: a link to a regular file is
    written through, the link stays); a file whose folder does not exist or cannot be written.
    URIs (`s3://...`) and `-` (standard output) are left to their writers. With `devices_ok`
    (a log, appended line by line, never replaced) a device or FIFO is fine.
    """
    if output == "-" or "://" in output:
        return
    dataset = dataset_ok and is_dataset(output)
    target = os.path.realpath(output)
    for given in inputs:
        if "://" in given or not os.path.lexists(given):
            continue
        if os.path.realpath(given) == target:
            raise ConfigError(f"{output}: {flag} is one of the inputs ({given}); write the output somewhere else")
    if os.path.exists(target):
        mode = os.stat(target).st_mode
        if stat.S_ISDIR(mode) and not dataset:
            raise ConfigError(f"{output}: {flag} is a folder; give a file name")
        if not stat.S_ISDIR(mode) and not stat.S_ISREG(mode) and not devices_ok:
            raise ConfigError(
                f"{output}: {flag} is not a regular file (a device, FIFO or socket); cleaner writes only "
                "regular files and folders"
            )
    if dataset:
        parent = _existing_ancestor(target)
        if not os.path.isdir(parent):
            raise ConfigError(f"{output}: {flag} folder cannot be created: {parent} is a file")
    else:
        parent = os.path.dirname(target) or "."
        if not os.path.isdir(parent):
            raise ConfigError(f"{output}: {flag} folder {os.path.dirname(output) or '.'} does not exist")
    if not os.access(parent, os.W_OK | os.X_OK):
        raise ConfigError(f"{output}: {flag} cannot be written here ({parent} is not writable)")


def _existing_ancestor(path: str) -> str:
    while not os.path.exists(path):
        path = os.path.dirname(path)
    return path


def open_output(output: str, config: Config, file_metadata: dict[str, Any], record: dict[str, Any]):
    """The output of a run: a dataset folder claimed for `record` (see `claim_folder`), or one file."""
    fmt = format_of(output, config)
    if is_dataset(output):
        return DatasetOutput(output, config, file_metadata, record, fmt)
    return FileOutput(output, config, file_metadata, fmt)


class FileOutput:
    skipped = 0

    def __init__(self, output: str, config: Config, file_metadata: dict[str, Any], fmt: str):
        local = output != STDOUT and not fs.is_uri(output)
        path = Path(output)
        if local and path.parent and not path.parent.exists():
            raise ConfigError(f"{path}: output folder {path.parent} does not exist")
        # a local link is written through: the file it points to is replaced, the link stays
        target = os.path.realpath(output) if local else output
        self.sink = open_sink(target, fmt, file_metadata=file_metadata, row_group_size=config.row_group_size)

    def skip(self, ordinal: int) -> bool:
        return False

    def write(self, ordinal: int, result: Result) -> None:
        self.sink.write(result)

    def close(self) -> None:
        self.sink.close()

    def abort(self) -> None:
        self.sink.abort()


class DatasetOutput:
    """Shards of `config.shard_size` input pages; shard k holds pages k*size … (k+1)*size-1."""

    def __init__(self, output: str, config: Config, file_metadata: dict[str, Any], record: dict[str, Any], fmt: str):
        self.output = output
        self.config = config
        self.file_metadata = file_metadata
        self.format = fmt
        self.size = max(1, config.shard_size)
        self.fs, self.path = fs.resolve(output)
        self.path = self.path.rstrip("/") or "/"
        self.claim = claim_folder(self.fs, self.path, record, display=output)
        self._delete(SUCCESS)
        suffix = f".{fmt}"
        names = self._names()
        self.done = {int(n[len("part-") : -len(suffix)]) for n in names if _is_part(n, suffix)}
        self.schema = self._recorded_schema() if self.done else None
        self.reported_skips: set[int] = set()
        self.current: int | None = None
        self.sink: Any = None

    @property
    def skipped(self) -> int:
        return len(self.reported_skips)

    def _names(self) -> set[str]:
        import pyarrow.fs as pafs

        return {posixpath.basename(e.path) for e in self.fs.get_file_info(pafs.FileSelector(self.path))}

    def _location(self, name: str) -> str:
        return fs.join(self.output, name)

    def _delete(self, name: str) -> None:
        import pyarrow.fs as pafs

        where = f"{self.path}/{name}"
        if self.fs.get_file_info(where).type == pafs.FileType.File:
            self.fs.delete_file(where)

    def _write(self, name: str, data: bytes) -> None:
        with self.fs.open_output_stream(f"{self.path}/{name}", compression=None) as fh:
            fh.write(data)

    def part(self, shard: int) -> str:
        return self._location(part_name(shard, self.format))

    def skip(self, ordinal: int) -> bool:
        shard = ordinal // self.size
        if shard in self.done:
            self.reported_skips.add(shard)
            return True
        return False

    def _sink(self, shard: int) -> Any:
        return open_sink(
            self.part(shard),
            self.format,
            file_metadata=self.file_metadata,
            row_group_size=self.config.row_group_size,
            schema=self.schema,
            meta_file=False,
        )

    def write(self, ordinal: int, result: Result) -> None:
        shard = ordinal // self.size
        if shard != self.current:
            self._finish_up_to(shard)
            self.current = shard
            self.sink = self._sink(shard)
        self.sink.write(result)

    def _close_sink(self) -> None:
        assert self.current is not None
        self.sink.close()
        if self.schema is None:
            self.schema = self.sink.schema
            self._write_meta()
        self.done.add(self.current)
        self.sink = None

    def _finish_up_to(self, shard: int) -> None:
        """Close the open shard; shards before `shard` that got no rows still get an (empty) part."""
        if self.sink is not None:
            self._close_sink()
        first = 0 if self.current is None else self.current + 1
        for missing in range(first, shard):
            if missing not in self.done:
                self.current, self.sink = missing, self._sink(missing)
                self._close_sink()

    def _write_meta(self) -> None:
        self._write(META_FILE, dataset_meta(self.file_metadata, self.format, self.schema))

    def _recorded_schema(self):
        try:
            return dataset_schema(self.output)
        except (OSError, ValueError, KeyError) as exc:
            raise ConfigError(f"{self.output}: cannot resume: {META_FILE} is missing or unreadable ({exc})") from None

    def close(self) -> None:
        if self.sink is not None:
            self._close_sink()
        if not self.done:
            self.current, self.sink = 0, self._sink(0)
            self._close_sink()
        self._write(SUCCESS, b"")
        self.claim.release()

    def abort(self) -> None:
        if self.sink is not None:
            self.sink.abort()
            self.sink = None
        self.claim.release()


def _is_part(name: str, suffix: str) -> bool:
    return name.startswith("part-") and name.endswith(suffix) and name[len("part-") : -len(suffix)].isdigit()
