"""Parquet input (`.parquet`): one page per row, read in small record batches so memory stays bounded.

The text, id and url columns are `config.text_column`, `config.id_column` and `config.url_column`;
without the id column a row's id is ``<file id>:<row>`` (the row index in the file, counted from 0).
Every other column goes to `Page.metadata`. A row with a null, non-string or over-limit text is
reported and skipped (its text is dropped before it becomes a Python string). Nanosecond
timestamps, times and durations (pandas' default) become microseconds, as Python's datetime holds
them; a file where that loses digits gets one warning.
"""

from __future__ import annotations

from collections.abc import Iterator

from cleaner.io import fs
from cleaner.io.base import Format, InputFile, Item, Limits, ReadIssue, too_big
from cleaner.io.records import record_items

BATCH_ROWS = 64


def read_parquet(entry: InputFile, config, limits: Limits) -> Iterator[Item]:
    """Yield the pages of one Parquet file, `BATCH_ROWS` rows at a time."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    try:
        parquet = pq.ParquetFile(fs.open_input_file(entry.where))
    except (pa.ArrowInvalid, pa.ArrowIOError, OSError) as exc:
        yield ReadIssue(entry.path, f"not a readable Parquet file: {exc}")
        return
    names = parquet.schema_arrow.names
    text_key = config.text_column
    if text_key not in names and "html" not in names:
        columns = ", ".join(names) or "none"
        yield ReadIssue(entry.path, f"no {text_key!r} column (columns: {columns}); set text_column")
        return
    row = 0
    truncated: set[str] = set()
    try:
        for batch in parquet.iter_batches(batch_size=BATCH_ROWS):
            batch, oversize = _bounded(batch, text_key, limits.page_bytes)
            batch = _microseconds(batch, truncated)
            for offset, record in enumerate(batch.to_pylist()):
                where = f"{entry.path}:{row}"
                if offset in oversize:
                    yield ReadIssue(where, too_big(limits.page_bytes))
                else:
                    yield from record_items(
                        record, config, limits, default_id=f"{entry.id}:{row}", source=entry.path, where=where
                    )
                row += 1
    except (pa.ArrowInvalid, pa.ArrowIOError, OSError) as exc:
        yield ReadIssue(entry.path, f"corrupt Parquet data after row {row}: {exc}")
    for name in sorted(truncated):
        yield ReadIssue(entry.path, f"column {name!r}: nanoseconds truncated to microseconds", fatal=False)


def _bounded(batch, text_key: str, limit: int):
    """The batch with texts over `limit` bytes nulled out, and the offsets of those rows."""
    import pyarrow as pa
    import pyarrow.compute as pc

    names = batch.schema.names
    oversize: set[int] = set()
    for key in (text_key, "html"):
        if key not in names:
            continue
        column = batch.column(key)
        if not (pa.types.is_string(column.type) or pa.types.is_large_string(column.type)):
            continue
        over = pc.fill_null(pc.greater(pc.binary_length(column), limit), False)
        if pc.any(over).as_py():
            oversize.update(i for i, flag in enumerate(over.to_pylist()) if flag)
            index = names.index(key)
            batch = batch.set_column(index, key, pc.if_else(over, pa.scalar(None, column.type), column))
    return batch, oversize


def _microseconds(batch, truncated: set[str]):
    """Nanosecond temporal columns cast to microseconds; names of columns that lost digits go to `truncated`."""
    import pyarrow as pa
    import pyarrow.compute as pc

    for index, field in enumerate(batch.schema):
        kind = field.type
        if pa.types.is_timestamp(kind) and kind.unit == "ns":
            target = pa.timestamp("us", kind.tz)
        elif pa.types.is_duration(kind) and kind.unit == "ns":
            target = pa.duration("us")
        elif pa.types.is_time64(kind) and kind.unit == "ns":
            target = pa.time64("us")
        else:
            continue
        column = batch.column(index)
        cast = pc.cast(column, target, safe=False)
        if field.name not in truncated and pc.any(pc.not_equal(pc.cast(cast, kind), column)).as_py():
            truncated.add(field.name)
        batch = batch.set_column(index, field.name, cast)
    return batch


FORMATS = (Format("parquet", (".parquet",), read_parquet),)
