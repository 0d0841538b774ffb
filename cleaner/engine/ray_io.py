"""Where the Ray engine reads and writes: local paths or any filesystem pyarrow knows (s3://, gs://, ...).

Inputs are listed on the driver (names only, never contents) into `Source`s,
numbered in the same order and with the same page ids as the local readers
give. Workers then read one source each with the local readers
(`cleaner.io.readers.read_file`): a local file in place, a remote one after
copying it to a temporary local file (the readers take local paths), so a
remote input needs as much free worker disk as its largest file.

Output is a dataset folder claimed with `cleaner.engine.run.claim_folder`
(`_cleaner_run.json` first: which run made it), Ray's Parquet shards, `_SUCCESS` last.
"""

from __future__ import annotations

import dataclasses
import os
import posixpath
import shutil
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from cleaner.config import Config
from cleaner.document import Page
from cleaner.engine.run import SUCCESS, FolderClaim, claim_folder
from cleaner.errors import ConfigError
from cleaner.io.readers import InputFile, ReadIssue, iter_inputs, read_file, split_name

PART_PREFIX = "ray-"


def is_uri(path: str) -> bool:
    """True for `scheme://...` paths (`file://` included); plain paths are local."""
    return "://" in path


def resolve(path: str):
    """`(pyarrow filesystem, path inside it)` for a local path or a URI."""
    import pyarrow.fs as pafs

    if not is_uri(path):
        return pafs.LocalFileSystem(), os.path.abspath(path)
    try:
        return pafs.FileSystem.from_uri(path)
    except (ValueError, OSError) as exc:  # pyarrow's ArrowInvalid is a ValueError
        raise ConfigError(f"{path}: cannot open this location with pyarrow.fs: {exc}") from None


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
    for arg in paths:
        entries = _remote_inputs(arg, config) if is_uri(arg) else iter_inputs(arg, config)
        for entry in entries:
            if isinstance(entry, ReadIssue):
                issues.append(entry)
                continue
            location = entry.path if is_uri(entry.path) else os.path.abspath(entry.path)
            sources.append(Source(len(sources), entry.path, location, entry.id, entry.format, entry.compression))
    return sources, issues


def _remote_inputs(arg: str, config: Config) -> Iterator[InputFile | ReadIssue]:
    """`iter_inputs` for a URI: one file, or every file under a prefix in sorted path order.

    Names starting with `.` or `_` are skipped, as are folders starting with `.`,
    and the page ids are the paths under the argument, as for local folders.
    """
    import pyarrow.fs as pafs

    forced = config.format
    fs, root = resolve(arg)
    scheme = arg.split("://", 1)[0]
    try:
        info = fs.get_file_info(root)
    except OSError as exc:
        yield ReadIssue(arg, f"cannot list: {exc}")
        return
    if info.type == pafs.FileType.File:
        fmt, compression, stem = split_name(posixpath.basename(root), forced)
        if fmt is None:
            yield ReadIssue(arg, "unknown input format: use --format")
        else:
            yield InputFile(arg, stem, fmt, compression)
        return
    if info.type != pafs.FileType.Directory:
        yield ReadIssue(arg, "no such file or directory")
        return
    try:
        listing = fs.get_file_info(pafs.FileSelector(root, recursive=True))
    except OSError as exc:
        yield ReadIssue(arg, f"cannot list folder: {exc}")
        return
    found = []
    base = root.rstrip("/")
    for item in listing:
        if item.type != pafs.FileType.File:
            continue
        parts = tuple(posixpath.relpath(item.path, base).split("/"))
        if any(p.startswith(".") for p in parts[:-1]) or parts[-1].startswith((".", "_")):
            continue
        found.append((parts, item.path))
    for parts, path in sorted(found):
        uri = f"{scheme}://{path}"
        fmt, compression, stem = split_name(parts[-1], forced)
        if fmt is None:
            yield ReadIssue(uri, "skipped: not a known input format (--format forces one)", fatal=False)
            continue
        yield InputFile(uri, "/".join((*parts[:-1], stem)), fmt, compression)


def read_source(source: Source, config: Config) -> Iterator[Page | ReadIssue]:
    """The pages and issues of one source, named after `source.given` (as the local engine names them)."""
    if not is_uri(source.location):
        yield from _renamed(read_file(_entry(source, source.location), config), source.location, source.given)
        return
    fs, path = resolve(source.location)
    suffix = posixpath.basename(path)
    with tempfile.TemporaryDirectory(prefix="cleaner-ray-") as folder:
        local = os.path.join(folder, suffix)
        try:
            with fs.open_input_stream(path) as src, open(local, "wb") as dst:
                shutil.copyfileobj(src, dst, 1 << 20)
        except OSError as exc:
            yield ReadIssue(source.given, f"cannot read: {exc}")
            return
        yield from _renamed(read_file(_entry(source, local), config), local, source.given)


def _entry(source: Source, path: str) -> InputFile:
    return InputFile(path, source.id, source.format, source.compression)


def _renamed(items: Iterator[Page | ReadIssue], actual: str, given: str) -> Iterator[Page | ReadIssue]:
    for item in items:
        name = item.source
        if name.startswith(actual):
            name = given + name[len(actual) :]
        yield dataclasses.replace(item, source=name) if name != item.source else item


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
