"""Output formats: which sink writes an output, chosen by `--output-format` or the output's
extension — `.parquet` (the default), `.jsonl`, `.jsonl.gz`, `.jsonl.zst` — and `-` (stdout,
JSON Lines). A dataset folder's shards are `part-NNNNN<extension>` of the chosen format.

A sink has `write(result)`, `close()` (complete the output), `abort()` (leave nothing) and
`schema` (fixed by its first rows, or given: a dataset's shards share the first one's).
"""

from __future__ import annotations

import base64
import json
from pathlib import Path
from typing import Any

from cleaner.io import fs
from cleaner.io.jsonl_out import STDOUT, JsonlSink
from cleaner.io.writer import ParquetSink

OUTPUT_FORMATS: dict[str, type] = {
    "parquet": ParquetSink,
    "jsonl": JsonlSink,
    "jsonl.gz": JsonlSink,
    "jsonl.zst": JsonlSink,
}
DEFAULT_FORMAT = "parquet"
META_FILE = "_META.json"
_SUFFIXES = {".parquet": "parquet", ".jsonl": "jsonl", ".ndjson": "jsonl", ".jsonl.gz": "jsonl.gz"}
_SUFFIXES |= {".ndjson.gz": "jsonl.gz", ".jsonl.zst": "jsonl.zst", ".ndjson.zst": "jsonl.zst"}


def output_format(output: str, forced: str | None = None, *, folder: bool = False) -> str:
    """The format of `output`: stdout is JSON Lines; else `forced`; else a file's extension
    (unknown ones give Parquet); a folder's shards are Parquet unless `forced`.

    >>> output_format("out.jsonl.gz"), output_format("-"), output_format("out/", "jsonl", folder=True)
    ('jsonl.gz', 'jsonl', 'jsonl')
    """
    if output == STDOUT:
        if forced not in (None, "jsonl"):
            raise ValueError(f"stdout takes JSON Lines only, not --output-format {forced}")
        return "jsonl"
    if forced is not None:
        if forced not in OUTPUT_FORMATS:
            raise ValueError(f"unknown output format {forced!r}: choose one of {', '.join(OUTPUT_FORMATS)}")
        return forced
    if folder:
        return DEFAULT_FORMAT
    lower = fs.display(output).lower()
    for suffix in sorted(_SUFFIXES, key=len, reverse=True):
        if lower.endswith(suffix):
            return _SUFFIXES[suffix]
    return DEFAULT_FORMAT


def part_name(shard: int, fmt: str) -> str:
    """The file name of a dataset folder's shard `shard` in format `fmt`."""
    return f"part-{shard:05d}.{fmt}"


def open_sink(output: str | Path, fmt: str, *, file_metadata: dict[str, Any], **options: Any):
    """A sink writing `fmt` to `output` (`row_group_size`, `schema`, and for JSON Lines `meta_file`)."""
    sink = OUTPUT_FORMATS[fmt]
    if sink is not JsonlSink:
        options.pop("meta_file", None)
    return sink(output, file_metadata=file_metadata, **options)


def dataset_meta(file_metadata: dict[str, Any], fmt: str, schema: Any) -> bytes:
    """The `_META.json` of a dataset folder: the run metadata, the shards' format and their Arrow
    schema (base64 of its IPC form), which a resumed run reuses and readers of JSON Lines shards need."""
    encoded = base64.b64encode(schema.serialize().to_pybytes()).decode("ascii")
    meta = {**file_metadata, "format": fmt, "arrow_schema": encoded}
    return json.dumps(meta, sort_keys=True, indent=2).encode() + b"\n"


def dataset_schema(folder: str | Path) -> Any:
    """The Arrow schema of every shard in a dataset folder `cleaner` wrote (from its `_META.json`).

    JSON Lines carries no types, and `pyarrow.dataset` infers them from the first shard (a column
    null there is typed null): pass this schema, `ds.dataset(folder, format="json", schema=...)`.
    """
    import pyarrow as pa

    filesystem, path = fs.resolve(str(folder))
    with filesystem.open_input_stream(f"{path.rstrip('/')}/{META_FILE}", compression=None) as fh:
        meta = json.loads(fh.read().decode("utf-8"))
    return pa.ipc.read_schema(pa.py_buffer(base64.b64decode(meta["arrow_schema"])))
