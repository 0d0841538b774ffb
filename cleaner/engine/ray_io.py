"""Where the Ray engine reads and writes: local paths or any file system `cleaner.io.fs` opens
(s3://, gs://, hf://, memory://, ...).

Inputs are listed on the driver (names only, never contents) into `Source`s,
numbered in the same order and with the same page ids as the local readers
give (`cleaner.io.readers.list_inputs`). Workers then read one source each with
the local readers (`cleaner.io.readers.read_file`), which stream a remote file
in place: no temporary copies.

Output is a dataset folder claimed with `cleaner.engine.run.claim_folder`
(`_cleaner_run.json` first: which run made it), Ray's Parquet shards, `_SUCCESS` last.
"""

from __future__ import annotations

import os
import posixpath
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from cleaner.config import Config
from cleaner.document import Page
from cleaner.engine.run import SUCCESS, FolderClaim, claim_folder
from cleaner.errors import ConfigError
from cleaner.io import fs
from cleaner.io.readers import InputFile, ReadIssue, list_inputs, read_file

PART_PREFIX = "ray-"
is_uri = fs.is_uri


def resolve(path: str):
    """`(pyarrow filesystem, path inside it)` for a local path or a URI."""
    try:
        return fs.resolve(path)
    except fs.LocationError as exc:
        raise ConfigError(f"{path}: {exc}") from None


@dataclass(frozen=True, slots=True)
class Source:
    """One input file: its number in input order, what the readers see, and how to name it.

    `given` is the path as the user's argument spells it (pages' `source`);
    `location` where a worker finds it (an absolute local path or a URI).
    """

    number: int
    given: str
    location: str
    id: str
    format: str
    compression: str | None


def list_sources(paths: list[str], config: Config) -> tuple[list[Source], list[ReadIssue]]:
    """Every input file in the local engine's order, and the problems found while listing."""
    sources: list[Source] = []
    issues: list[ReadIssue] = []
    for entry in list_inputs(paths, config):
        if isinstance(entry, ReadIssue):
            issues.append(entry)
            continue
        where = entry.where
        location = where if is_uri(where) or where == fs.STDIN else os.path.abspath(where)
        sources.append(Source(len(sources), entry.path, location, entry.id, entry.format, entry.compression))
    return sources, issues


def read_source(source: Source, config: Config) -> Iterator[Page | ReadIssue]:
    """The pages and issues of one source, named after `source.given` (as the local engine names them)."""
    entry = InputFile(source.given, source.id, source.format, source.compression, source.location)
    yield from read_file(entry, config)


class DatasetFolder:
    """The output folder on any pyarrow filesystem: claimed for this run, `_SUCCESS` written last."""

    def __init__(self, output: str):
        if not output.endswith(("/", os.sep)) and _looks_like_file(output):
            raise ConfigError(
                f"{output}: the Ray engine writes a dataset folder of Parquet shards; "
                "give a folder ending in '/' (e.g. -o out/) instead of a .parquet file"
            )
        self.output = output
        self.fs, self.path = resolve(output)
        self.path = self.path.rstrip("/") or "/"
        self.claimed: FolderClaim | None = None

    def uri(self) -> str:
        """The folder as Ray's writer takes it (with `filesystem=self.fs`)."""
        return self.path

    def _file(self, name: str) -> str:
        return f"{self.path}/{name}"

    def claim(self, record: dict[str, Any]) -> None:
        """Claim the folder for the run `record` describes; on a re-run of the same run, clear it first.

        A Ray re-run starts over (no resume: Ray's shards are not aligned to input
        pages), so the earlier run's shards and `_SUCCESS` are deleted first.
        """
        import pyarrow.fs as pafs

        self.claimed = claim_folder(self.fs, self.path, record, display=self.output)
        if self.claimed.resumed:
            for entry in self.fs.get_file_info(pafs.FileSelector(self.path)):
                name = posixpath.basename(entry.path)
                if name == SUCCESS or (name.startswith(PART_PREFIX) and name.endswith(".parquet")):
                    self.fs.delete_file(entry.path)

    def parts(self) -> list[str]:
        import pyarrow.fs as pafs

        entries = self.fs.get_file_info(pafs.FileSelector(self.path))
        return sorted(e.path for e in entries if posixpath.basename(e.path).startswith(PART_PREFIX))

    def write_empty_part(self, schema) -> None:
        """A run that kept no rows still leaves one valid (empty) shard with the schema."""
        import pyarrow.parquet as pq

        with self.fs.open_output_stream(self._file(f"{PART_PREFIX}empty-00000.parquet")) as fh:
            pq.write_table(schema.empty_table(), fh, compression="zstd")

    def succeed(self) -> None:
        self._write(SUCCESS, b"")
        self.release()

    def release(self) -> None:
        if self.claimed is not None:
            self.claimed.release()

    def _write(self, name: str, data: bytes) -> None:
        with self.fs.open_output_stream(self._file(name)) as fh:
            fh.write(data)


def _looks_like_file(output: str) -> bool:
    if is_uri(output):
        return output.lower().endswith(".parquet")
    return not os.path.isdir(output)
