"""JSON Lines output: one object per document with the output columns (`removed` a list of
objects), to a file (`.jsonl`, `.jsonl.gz`, `.jsonl.zst`, on any file system) or to stdout.

Rows are shaped exactly as Parquet rows are (`cleaner.io.writer.rows_table`): the same columns,
metadata that does not fit the schema in `metadata_extra`, so a folder of shards reads as one
dataset. The schema is fixed by the first `row_group_size` rows (a dataset's later shards get the
first shard's); to stdout, by the first document, and every document is flushed as it is written.

A file is complete or absent, as for Parquet; its run metadata (tool version, settings, rule
packs) is written beside it as `<name>.meta.json` (a dataset folder has `_META.json`). Stdout gets
no metadata: run with `-o FILE.jsonl` to keep it.
"""

from __future__ import annotations

import base64
import datetime
import decimal
import json
import sys
from pathlib import Path
from typing import IO, Any

import pyarrow as pa

from cleaner.io import fs
from cleaner.io.writer import AtomicFile, RowSink

STDOUT = "-"
COMPRESSION = {".gz": "gzip", ".zst": "zstd"}
META_SUFFIX = ".meta.json"


class OutputClosed(BrokenPipeError):
    """The reader of stdout went away (`| head`): stop writing, quietly."""


def json_value(value: Any) -> Any:
    """A JSON form of what `json` cannot encode: ISO dates and times, seconds, text, base64."""
    if isinstance(value, datetime.datetime | datetime.date | datetime.time):
        return value.isoformat()
    if isinstance(value, datetime.timedelta):
        return value.total_seconds()
    if isinstance(value, decimal.Decimal):
        return str(value)
    if isinstance(value, bytes):
        return base64.b64encode(value).decode("ascii")
    return str(value)


def dumps(row: dict[str, Any]) -> str:
    return json.dumps(row, ensure_ascii=False, separators=(",", ":"), default=json_value)


class JsonlSink(RowSink):
    """Write results as JSON Lines to `path` (compressed by its extension) or to stdout (`-`);
    see `RowSink`. `meta_file`: write the run metadata beside the file."""

    def __init__(self, path: str | Path, *, meta_file: bool = True, **options: Any):
        super().__init__(str(path), **options)
        self.stdout = self.path == STDOUT
        if self.stdout:
            self.row_group_size = 1
        self.file: AtomicFile | None = None
        self.meta: AtomicFile | None = None
        self.stream: Any = None
        if not self.stdout:
            self.file = AtomicFile(self.path)
            self.meta = AtomicFile(fs.add_suffix(str(self.path), META_SUFFIX)) if meta_file else None
            name = fs.display(str(self.path)).lower()
            self.compression = next((c for suffix, c in COMPRESSION.items() if name.endswith(suffix)), None)

    def _open(self) -> Any:
        if self.stream is None:
            if self.stdout:
                self.stream = sys.stdout
            else:
                assert self.file is not None
                raw = self.file.open()
                self.stream = pa.CompressedOutputStream(raw, self.compression) if self.compression else raw
        return self.stream

    def _flush(self) -> None:
        if not self.rows:
            return
        lines = "".join(dumps(row) + "\n" for row in self._table().to_pylist())
        stream = self._open()
        if self.stdout:
            _write_stdout(stream, lines)
        else:
            stream.write(lines.encode("utf-8"))

    def close(self) -> None:
        """Flush what is left; a file (and its metadata) is moved into place, stdout flushed."""
        self._flush()
        if self.stdout:
            return
        assert self.file is not None
        stream = self._open()
        if self.compression:
            stream.close()  # ends the compressed stream; the file's own stream closes in commit
        if self.meta is not None:
            self.meta.open().write(json.dumps(self.file_metadata, sort_keys=True, indent=2).encode() + b"\n")
            self.meta.commit()
        self.file.commit()

    def abort(self) -> None:
        """Drop the partial file (stdout keeps what was already written)."""
        for file in (self.file, self.meta):
            if file is not None:
                file.discard()


def _write_stdout(stream: IO[str], text: str) -> None:
    try:
        stream.write(text)
        stream.flush()
    except BrokenPipeError:
        raise OutputClosed("stdout closed by its reader") from None
