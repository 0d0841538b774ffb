"""Output formats: which sink writes an output, chosen by `--output-format` or the output's
extension — `.parquet` (the default), `.jsonl`, `.jsonl.gz`, `.jsonl.zst` — and `-` (stdout,
JSON Lines). A dataset folder's shards are `part-NNNNN<extension>` of the chosen format.

A sink has `write(result)`, `close()` (complete the output), `abort()` (leave nothing) and
`schema` (fixed by its first rows, or given: a dataset's shards share the first one's).
"""

from __future__ import annotations

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
