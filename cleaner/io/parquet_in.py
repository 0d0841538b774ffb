"""Parquet input: one page per row, read in record batches so memory stays bounded.

The text, id and url columns are `config.text_column`, `config.id_column` and
`config.url_column`; without the id column a row's id is ``<file id>:<row>``
(the row index in the file, counted from 0). Every other column goes to
`Page.metadata`. A row with a null or non-string text is reported and skipped.
"""

from __future__ import annotations

from collections.abc import Iterator

from cleaner.config import Config
from cleaner.io.readers import InputFile, Item, ReadIssue, record_to_page

BATCH_ROWS = 1024


def read_parquet(entry: InputFile, config: Config) -> Iterator[Item]:
    """Yield the pages of one Parquet file, `BATCH_ROWS` rows at a time."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    try:
        parquet = pq.ParquetFile(entry.path)
    except (pa.ArrowInvalid, pa.ArrowIOError, OSError) as exc:
        yield ReadIssue(entry.path, f"not a readable Parquet file: {exc}")
        return
    names = parquet.schema_arrow.names
    if config.text_column not in names and "html" not in names:
        columns = ", ".join(names) or "none"
        yield ReadIssue(entry.path, f"no {config.text_column!r} column (columns: {columns}); set text_column")
        return
    row = 0
    try:
        for batch in parquet.iter_batches(batch_size=BATCH_ROWS):
            for record in batch.to_pylist():
                where = f"{entry.path}:{row}"
                yield record_to_page(record, config, default_id=f"{entry.id}:{row}", source=entry.path, where=where)
                row += 1
    except (pa.ArrowInvalid, pa.ArrowIOError, OSError) as exc:
        yield ReadIssue(entry.path, f"corrupt Parquet data after row {row}: {exc}")
