"""The output rows and schema, and Parquet output: streamed row groups, zstd, written under a
temporary name and moved into place, on any file system `cleaner.io.fs` opens.

A file is complete or absent: rows go to `.<name>.tmp-<pid>` and only `close()`
moves it to the final name; `abort()` (or an exception inside `with`) removes
it. Nothing here depends on wall-clock time, so the same rows give the same bytes.
"""

from __future__ import annotations

import contextlib
import json
import os
import posixpath
import sys
from collections.abc import Iterable
from operator import attrgetter
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

from cleaner.document import PageInfo, Result
from cleaner.io import fs


class _PandasNotLooked:
    """A module finder that answers "not installed" for pandas (see `_skip_pandas_probe`)."""

    @staticmethod
    def find_spec(name: str, path: Any = None, target: Any = None) -> None:
        if name == "pandas":
            raise ModuleNotFoundError("pandas is not needed to write cleaner's output", name=name)


def _skip_pandas_probe() -> None:
    """pyarrow imports pandas (about 0.4 s, more than the rest of start-up) on its first conversion
    of Python objects, only to tell whether they are pandas objects; nothing here passes any. Make
    that first look find no pandas, unless pandas is already imported. pyarrow imports pandas later
    all the same when something asks it for a pandas conversion (`Table.to_pandas`,
    `Table.from_pandas`).

    Why a module finder: pyarrow has no setting to skip the look, and the plainer way to hide a
    module, a `sys.modules` entry of None, does not work here (pyarrow's compiled import takes the
    None for the module and fails on it)."""
    if "pandas" in sys.modules:
        return
    sys.meta_path.insert(0, _PandasNotLooked)
    try:
        pa.array([], type=pa.int8())
    finally:
        sys.meta_path.remove(_PandasNotLooked)


_skip_pandas_probe()
#: what an HTML page says about itself (`PageInfo`): nullable string columns
PAGE_INFO_FIELDS = ("title", "author", "date", "sitename")

REMOVAL_TYPE = pa.struct(
    [
        ("block", pa.int32()),
        ("start", pa.int32()),
        ("end", pa.int32()),
        ("reason", pa.string()),
        ("detail", pa.string()),
        ("text", pa.string()),
    ]
)

BASE_FIELDS = [
    pa.field("id", pa.string(), nullable=False),
    pa.field("source", pa.string()),
    pa.field("url", pa.string()),
    pa.field("site", pa.string()),
    pa.field("lang", pa.string()),
    pa.field("text", pa.string()),
    pa.field("raw_chars", pa.int64()),
    pa.field("clean_chars", pa.int64()),
    pa.field("removed", pa.list_(REMOVAL_TYPE)),
    pa.field("dup_cluster", pa.string()),
    pa.field("dup_rank", pa.int32()),
    *(pa.field(name, pa.string()) for name in PAGE_INFO_FIELDS),
]
BASE_NAMES = {f.name for f in BASE_FIELDS}
EXTRA_METADATA = "metadata_extra"
METADATA_KEY = b"cleaner"


_NO_INFO = PageInfo()


def result_row(result: Result) -> dict[str, Any]:
    """The output row of one result, metadata fields beside the fixed columns."""
    row: dict[str, Any] = {
        "id": result.id,
        "source": result.source,
        "url": result.url,
        "site": result.site,
        "lang": result.lang,
        "text": result.text,
        "raw_chars": result.raw_chars,
        "clean_chars": result.clean_chars,
        "removed": result.removed,  # Removal objects: `rows_table` builds their column directly
        "dup_cluster": result.dup_cluster,
        "dup_rank": result.dup_rank,
        **(result.info or _NO_INFO).as_dict(),
    }
    extra: dict[str, Any] = {}
    renamed = [key for key in result.metadata if key in BASE_NAMES or key == EXTRA_METADATA]
    for key, value in result.metadata.items():
        if key not in renamed:
            row[key] = value
    for key in renamed:
        name = f"meta_{key}"
        if name in row:  # `lang` beside `meta_lang`: the renamed one keeps its own name, in metadata_extra
            extra[key] = result.metadata[key]
        else:
            row[name] = result.metadata[key]
    if extra:
        row[EXTRA_METADATA] = extra
    return row


def metadata_fields(rows: list[dict[str, Any]]) -> list[pa.Field]:
    """Columns for the metadata keys of the first row group, typed from their values (integers
    beyond int64 do not count: they go to `metadata_extra`)."""
    names: list[str] = []
    for row in rows:
        names.extend(k for k in row if k not in BASE_NAMES and k != EXTRA_METADATA and k not in names)
    fields = []
    for name in sorted(names):
        values = [None if _huge_int(row.get(name)) else row.get(name) for row in rows]
        try:
            kind = pa.array(values).type
        except (pa.ArrowInvalid, pa.ArrowTypeError, OverflowError):
            kind = pa.string()
        fields.append(pa.field(name, pa.string() if pa.types.is_null(kind) else kind))
    return fields


def _huge_int(value: Any) -> bool:
    return isinstance(value, int) and not -(1 << 63) <= value < (1 << 63)


def output_schema(rows: list[dict[str, Any]], file_metadata: dict[str, Any]) -> pa.Schema:
    """The output schema: the fixed columns, the metadata columns of `rows`, `metadata_extra`, and the
    run description under the `cleaner` key."""
    return pa.schema(
        [*BASE_FIELDS, *metadata_fields(rows), pa.field(EXTRA_METADATA, pa.string())],
        metadata={METADATA_KEY: json.dumps(file_metadata, sort_keys=True).encode()},
    )


def rows_table(rows: list[dict[str, Any]], schema: pa.Schema) -> pa.Table:
    """Rows as a table of `schema`; metadata values that do not fit their column, and keys the schema
    lacks, go to `metadata_extra` as JSON rather than being lost."""
    columns = []
    extras: list[dict[str, Any]] = [{} for _ in rows]
    for field in schema:
        if field.name == EXTRA_METADATA:
            continue
        values = [row.get(field.name) for row in rows]
        if field.name == "removed":
            columns.append(removed_column(values))
            continue
        if any(_huge_int(v) for v in values) and pa.types.is_integer(field.type):
            columns.append(pa.array(_fitting(field, values, extras), type=field.type))
            continue
        try:
            columns.append(pa.array(values, type=field.type))
        except (pa.ArrowInvalid, pa.ArrowTypeError, OverflowError):
            if field.name in BASE_NAMES:
                raise
            columns.append(pa.array(_fitting(field, values, extras), type=field.type))
    known = set(schema.names) - {EXTRA_METADATA}
    for extra, row in zip(extras, rows, strict=True):
        extra.update({k: v for k, v in row.items() if k not in known and k != EXTRA_METADATA})
        extra.update(row.get(EXTRA_METADATA) or {})
    columns.append(pa.array([json.dumps(e, sort_keys=True, default=str) if e else None for e in extras], pa.string()))
    return pa.Table.from_arrays(columns, schema=schema)


def removed_column(values: list[Any]) -> pa.Array:
    """The `removed` column from each row's removals (`Removal` objects, or dicts with its fields),
    built from one flat list per field rather than one dict per removal (the writer's main cost)."""
    offsets: list[int] = [0]
    flat: list[Any] = []
    for removals in values:
        flat.extend(removals or ())
        offsets.append(len(flat))
    if None in values or dict in set(map(type, flat)):
        as_dicts = [None if v is None else [r if isinstance(r, dict) else r.as_dict() for r in v] for v in values]
        return pa.array(as_dicts, type=pa.list_(REMOVAL_TYPE))
    children = [pa.array(list(map(attrgetter(field.name), flat)), type=field.type) for field in REMOVAL_TYPE]
    items = pa.StructArray.from_arrays(children, fields=list(REMOVAL_TYPE))
    return pa.ListArray.from_arrays(pa.array(offsets, type=pa.int32()), items, type=pa.list_(REMOVAL_TYPE))


def _fitting(field: pa.Field, values: list[Any], extras: list[dict[str, Any]]) -> list[Any]:
    fitting: list[Any] = []
    for extra, value in zip(extras, values, strict=True):
        if _huge_int(value) and pa.types.is_integer(field.type):
            extra[field.name] = value
            fitting.append(None)
            continue
        try:
            pa.array([value], type=field.type)
            fitting.append(value)
        except (pa.ArrowInvalid, pa.ArrowTypeError, OverflowError):
            extra[field.name] = value
            fitting.append(None)
    return fitting


class AtomicFile:
    """An output file on any file system, written under `.<name>.tmp-<pid>` beside it and moved to
    its final name only by `commit()`; `discard()` removes the temporary file. The final name is
    never touched before `commit()`."""

    def __init__(self, location: str | Path):
        self.location = str(location)
        self.fs, self.final = fs.resolve(self.location)
        folder, name = posixpath.split(self.final) if fs.is_uri(self.location) else os.path.split(self.final)
        self.folder = folder
        self.tmp = (posixpath if fs.is_uri(self.location) else os.path).join(folder, f".{name}.tmp-{os.getpid()}")
        self.stream = None

    def open(self):
        """The output stream of the temporary file (its folder created when missing)."""
        if self.stream is None:
            if self.folder:
                with contextlib.suppress(OSError):
                    self.fs.create_dir(self.folder, recursive=True)
            self.stream = self.fs.open_output_stream(self.tmp, compression=None)
        return self.stream

    def commit(self) -> None:
        stream = self.open()
        if not stream.closed:
            stream.close()
        self.fs.move(self.tmp, self.final)

    def discard(self) -> None:
        if self.stream is not None:
            with contextlib.suppress(Exception):
                self.stream.close()
            with contextlib.suppress(Exception):
                self.fs.delete_file(self.tmp)


class RowSink:
    """What every sink shares: results become output rows (`result_row`), buffered up to
    `row_group_size` and handed to `_flush`; the schema is `schema` when given (a dataset's shards
    share the first one's), else fixed from the first rows flushed. In a `with` block, leaving
    normally closes the output and an exception aborts it."""

    def __init__(
        self,
        path: str | Path,
        *,
        file_metadata: dict[str, Any],
        row_group_size: int = 1000,
        schema: pa.Schema | None = None,
    ):
        self.path = path
        self.file_metadata = file_metadata
        self.row_group_size = max(1, row_group_size)
        self.schema: pa.Schema | None = schema
        self.rows: list[dict[str, Any]] = []
        self.count = 0

    def __enter__(self):
        return self

    def __exit__(self, kind, value, tb) -> None:
        if kind is None:
            self.close()
        else:
            self.abort()

    def write(self, result: Result) -> None:
        self.rows.append(result_row(result))
        self.count += 1
        if len(self.rows) >= self.row_group_size:
            self._flush()

    def write_all(self, results: Iterable[Result]) -> None:
        for result in results:
            self.write(result)

    def _table(self) -> pa.Table:
        """The buffered rows as a table of the sink's schema (fixed now if it was not), buffer emptied."""
        if self.schema is None:
            self.schema = output_schema(self.rows, self.file_metadata)
        table = rows_table(self.rows, self.schema)
        self.rows = []
        return table

    def _flush(self) -> None:
        raise NotImplementedError

    def close(self) -> None:
        raise NotImplementedError

    def abort(self) -> None:
        raise NotImplementedError


class ParquetSink(RowSink):
    """Write results to one Parquet file in row groups of `row_group_size` (see `RowSink`): metadata
    keys first seen after the schema is fixed, or values that do not fit their column, go to a JSON
    `metadata_extra` column rather than being lost."""

    def __init__(self, path: str | Path, **options: Any):
        super().__init__(path, **options)
        self.file = AtomicFile(path)
        self.writer: pq.ParquetWriter | None = None

    def _flush(self) -> None:
        table = self._table()
        if self.writer is None:
            self.writer = pq.ParquetWriter(self.file.open(), self.schema, compression="zstd")
        if table.num_rows:
            self.writer.write_table(table, row_group_size=self.row_group_size)

    def close(self) -> None:
        """Flush what is left and move the file into place (an empty run still gets a valid file)."""
        self._flush()
        assert self.writer is not None
        self.writer.close()
        self.file.commit()

    def abort(self) -> None:
        """Drop the partial file; the final name is never touched."""
        if self.writer is not None:
            with contextlib.suppress(Exception):
                self.writer.close()
        self.file.discard()


def read_file_metadata(path: str | Path) -> dict[str, Any]:
    """The run description a `cleaner` output carries (version, configuration, rule packs)."""
    filesystem, inside = fs.resolve(str(path))
    schema = pq.read_schema(inside, filesystem=filesystem)
    raw = (schema.metadata or {}).get(METADATA_KEY)
    return json.loads(raw) if raw else {}
