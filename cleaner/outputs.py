"""Read a `cleaner` output back, row by row: a Parquet file, JSON Lines (`.jsonl`, `.jsonl.gz`,
`.jsonl.zst`), or a dataset folder of parts in either format — what `diff` and `report` compare
and summarise. Rows are dicts with the output columns (`removed` a list of dicts).

Only reads; a file that is not a cleaner output is a `ConfigError` naming it (and the line).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

from cleaner.errors import ConfigError
from cleaner.io import fs

JSONL_SUFFIXES = {".jsonl": None, ".ndjson": None, ".jsonl.gz": "gzip", ".ndjson.gz": "gzip"}
JSONL_SUFFIXES |= {".jsonl.zst": "zstd", ".ndjson.zst": "zstd"}
REQUIRED = ("id", "text", "removed")


def output_parts(location: str) -> list[str]:
    """The data files of an output: the file itself, or a folder's parts in name order (files whose
    name starts with `_` or `.` — markers, metadata — are not parts)."""
    import pyarrow.fs as pafs

    try:
        filesystem, inside = fs.resolve(location)
        info = filesystem.get_file_info(inside)
    except (OSError, ValueError) as exc:
        raise ConfigError(f"{location}: cannot open: {exc}") from None
    if info.type == pafs.FileType.NotFound:
        raise ConfigError(f"{location}: no such file or folder")
    if info.type == pafs.FileType.File:
        return [location]
    entries = filesystem.get_file_info(pafs.FileSelector(inside, recursive=False))
    parts = sorted(
        fs.join(location, e.base_name)
        for e in entries
        if e.type == pafs.FileType.File and not e.base_name.startswith(("_", ".")) and _kind(e.base_name)
    )
    if not parts:
        raise ConfigError(f"{location}: folder holds no .parquet or .jsonl parts")
    return parts


def _kind(name: str) -> str | None:
    lower = name.lower()
    if lower.endswith(".parquet"):
        return "parquet"
    if any(lower.endswith(s) for s in JSONL_SUFFIXES):
        return "jsonl"
    return None


def iter_rows(location: str, columns: list[str] | None = None) -> Iterator[dict[str, Any]]:
    """Every row of the output at `location`, in order. `columns` limits what Parquet reads."""
    for part in output_parts(location):
        if _kind(fs.display(part)) == "jsonl":
            yield from _jsonl_rows(part)
        else:
            yield from _parquet_rows(part, columns)


def _parquet_rows(part: str, columns: list[str] | None) -> Iterator[dict[str, Any]]:
    import pyarrow as pa
    import pyarrow.parquet as pq

    filesystem, inside = fs.resolve(part)
    try:
        reader = pq.ParquetFile(filesystem.open_input_file(inside))
    except (OSError, pa.ArrowInvalid) as exc:
        raise ConfigError(f"{fs.display(part)}: not a Parquet file: {exc}") from None
    missing = [c for c in REQUIRED if c not in reader.schema_arrow.names]
    if missing:
        raise ConfigError(f"{fs.display(part)}: not a cleaner output (no column {', '.join(missing)})")
    wanted = None if columns is None else [c for c in columns if c in reader.schema_arrow.names]
    for batch in reader.iter_batches(columns=wanted, batch_size=1000):
        yield from batch.to_pylist()


def _jsonl_rows(part: str) -> Iterator[dict[str, Any]]:
    display = fs.display(part)
    compression = next((c for s, c in JSONL_SUFFIXES.items() if display.lower().endswith(s)), None)
    filesystem, inside = fs.resolve(part)
    try:
        with filesystem.open_input_stream(inside, compression=compression) as stream:
            for number, line in enumerate(_lines(stream), start=1):
                if not line.strip():
                    continue
                try:
                    row = json.loads(line)
                except ValueError as exc:
                    raise ConfigError(f"{display}: line {number}: not JSON: {exc}") from None
                if not isinstance(row, dict) or any(c not in row for c in REQUIRED):
                    raise ConfigError(f"{display}: line {number}: not a cleaner output row (needs id, text, removed)")
                yield row
    except OSError as exc:
        raise ConfigError(f"{display}: cannot read: {exc}") from None


def _lines(stream: Any) -> Iterator[bytes]:
    pending = b""
    while chunk := stream.read(1 << 20):
        pending += chunk
        *lines, pending = pending.split(b"\n")
        yield from lines
    if pending:
        yield pending
