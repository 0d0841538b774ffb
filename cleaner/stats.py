"""Run statistics: the JSON a run writes with `--stats FILE.json` (and as `_STATS.json` in an
`-o DIR/` dataset folder), and what `cleaner report` draws.

Everything comes from the run's `RunSummary` (counted per page by every engine, parts merged
with `+`), plus the sizes of the input files and of the output. The same figures can be
recomputed from an output alone (`stats_from_output`), for outputs made without `--stats`.

Shape (all counts are integers, times seconds):
`documents` (read, written, empty, too_short, duplicates_dropped, failed),
`bytes` (in: input files as stored; out: output files), `chars` (in: every cleaned page,
written_in / out: the written ones, removed: the sum of removed spans),
`removals` (`by_reason`, `by_site`, `by_stage`: count and chars each),
`seconds` (total, `by_stage`: summed over workers), `errors`/`warnings` (total, `by_kind`),
`duplicates` (`cluster_sizes`: size -> clusters, `largest`), `repeats` (`most_repeated`),
`index` (the corpus index's largest duplicate clusters, by members, and block clusters, by exact
variants: `largest_duplicate_clusters`, `largest_block_clusters`; empty without a corpus stage).
"""

from __future__ import annotations

import json
from collections import Counter
from typing import Any

from cleaner.engine.run import RunSummary, site_key
from cleaner.io import fs

STATS_FILE = "_STATS.json"
TOP = 20
FORMAT = 1


def _table(counts: Counter, chars: Counter, top: int | None = None) -> dict[str, dict[str, int]]:
    keys = sorted(set(counts) | set(chars), key=lambda k: (-chars[k], -counts[k], k))
    return {k: {"count": counts[k], "chars": chars[k]} for k in keys[:top]}


def build_stats(
    summary: RunSummary,
    *,
    inputs: list[str] | None = None,
    output: str | None = None,
    bytes_in: int | None = None,
    bytes_out: int | None = None,
    top: int = TOP,
) -> dict[str, Any]:
    """The statistics of a run from its summary (see the module doc for the shape)."""
    from cleaner import __version__

    sites = sorted(summary.site_documents, key=lambda s: (-summary.site_removed_chars[s], s))
    by_site = {
        s: {
            "documents": summary.site_documents[s],
            "chars_in": summary.site_raw_chars[s],
            "count": summary.site_removals[s],
            "chars": summary.site_removed_chars[s],
        }
        for s in sites
    }
    sizes = Counter(summary.dup_clusters.values())
    largest = sorted(summary.dup_clusters.items(), key=lambda kv: (-kv[1], kv[0]))[:top]
    repeated = sorted(summary.repeat_documents.items(), key=lambda kv: (-kv[1], -summary.repeat_chars[kv[0]], kv[0]))
    return {
        "format": FORMAT,
        "tool": "cleaner",
        "version": __version__,
        "inputs": inputs,
        "output": output,
        "documents": {
            "read": summary.documents,
            "written": summary.written,
            "empty": summary.empty,
            "too_short": summary.too_short,
            "duplicates_dropped": summary.duplicates_dropped,
            "failed": summary.failed,
        },
        "bytes": {"in": bytes_in, "out": bytes_out},
        "chars": {
            "in": summary.read_chars,
            "written_in": summary.raw_chars,
            "out": summary.clean_chars,
            "removed": sum(summary.reason_chars.values()),
        },
        "removals": {
            "total": sum(summary.reasons.values()),
            "by_reason": _table(summary.reasons, summary.reason_chars),
            "by_site": by_site,
            "by_stage": _table(summary.stage_removals, summary.stage_removed_chars),
        },
        "seconds": {
            "total": round(summary.seconds, 3),
            "by_stage": {k: round(v, 3) for k, v in sorted(summary.stage_seconds.items(), key=lambda kv: -kv[1])},
        },
        "errors": {"total": summary.errors, "by_kind": dict(summary.error_kinds.most_common())},
        "warnings": {"total": summary.warnings, "by_kind": dict(summary.warning_kinds.most_common())},
        "duplicates": {
            "clusters": len(summary.dup_clusters),
            "documents": sum(summary.dup_clusters.values()),
            "cluster_sizes": {str(size): sizes[size] for size in sorted(sizes)},
            "largest": [{"cluster": c, "documents": n} for c, n in largest],
        },
        "index": {
            "largest_duplicate_clusters": [{"cluster": c, "size": n} for c, n in summary.largest_duplicates],
            "largest_block_clusters": [{"cluster": c, "size": n} for c, n in summary.largest_blocks],
        },
        "repeats": {
            "clusters": len(summary.repeat_documents),
            "most_repeated": [
                {
                    "cluster": c,
                    "documents": n,
                    "chars": summary.repeat_chars[c],
                    "text": summary.repeat_text.get(c, ""),
                }
                for c, n in repeated[:top]
            ],
        },
    }


def summary_from_rows(rows: Any) -> RunSummary:
    """A summary counted from output rows (dicts with the output columns), for outputs made
    without `--stats`: no times, no errors, no pages that were not written."""
    summary = RunSummary()
    for row in rows:
        removed = row.get("removed") or []
        raw, clean = row.get("raw_chars") or 0, row.get("clean_chars") or len(row.get("text") or "")
        summary.documents += 1
        summary.written += 1
        summary.empty += not row.get("text")
        summary.read_chars += raw
        summary.raw_chars += raw
        summary.clean_chars += clean
        removals = [(r["start"], r["end"], r["reason"], r.get("text") or "") for r in removed]
        site = site_key(row.get("site"), row.get("url"))
        summary.count_removals(site, raw, removals, row.get("dup_cluster"))
    return summary


def stats_from_output(location: str) -> dict[str, Any]:
    """Statistics recomputed from an output (Parquet or JSON Lines, file or folder of parts)."""
    from cleaner.outputs import iter_rows, output_parts

    columns = ["id", "site", "url", "text", "raw_chars", "clean_chars", "removed", "dup_cluster"]
    summary = summary_from_rows(iter_rows(location, columns))
    return build_stats(summary, output=location, bytes_out=sum(fs.file_size(p) or 0 for p in output_parts(location)))


def input_bytes(paths: list[str], config: Any) -> tuple[int, int]:
    """`(files, bytes)` of the input files under `paths`, as stored (compressed files count as such)."""
    from cleaner.io.base import InputFile
    from cleaner.io.readers import list_inputs

    entries = [e for e in list_inputs(paths, config) if isinstance(e, InputFile)]
    return len(entries), input_sizes_total(entries)


def input_sizes_total(entries: list[Any]) -> int:
    """The bytes of the listed input files (`InputFile`s), as stored."""
    return sum(fs.file_size(e.where) or 0 for e in entries)


def output_bytes(output: str) -> int | None:
    """The size of an output file, or of every file in an output folder (None for stdout)."""
    import pyarrow.fs as pafs

    if output == "-":
        return None
    try:
        filesystem, inside = fs.resolve(output)
        info = filesystem.get_file_info(inside)
        if info.type == pafs.FileType.File:
            return info.size
        if info.type == pafs.FileType.Directory:
            entries = filesystem.get_file_info(pafs.FileSelector(inside, recursive=True))
            return sum(e.size or 0 for e in entries if e.type == pafs.FileType.File and e.base_name != STATS_FILE)
    except (OSError, ValueError):
        return None
    return None


def write_run_stats(paths: list[str], output: str, config: Any, summary: RunSummary) -> dict[str, Any] | None:
    """After a run: write its statistics to `config.stats` and, for a dataset folder that was
    completed, to `_STATS.json` in it (after `_SUCCESS`: the data is complete before its report).
    Returns the statistics, or None when nothing was asked for."""
    from cleaner.engine.output import is_dataset

    in_folder = output != "-" and is_dataset(output) and not summary.gave_up
    if not (config.stats or in_folder):
        return None
    files, size = input_bytes(paths, config)
    stats = build_stats(summary, inputs=list(paths), output=output, bytes_in=size, bytes_out=output_bytes(output))
    stats["input_files"] = files
    if config.stats:
        write_stats(config.stats, stats)
    if in_folder:
        write_stats(fs.join(output, STATS_FILE), stats)
    return stats


def write_stats(location: str, stats: dict[str, Any]) -> None:
    """Write the statistics as JSON to `location` (any file system), complete or not at all."""
    from cleaner.io.writer import AtomicFile

    target = AtomicFile(location)
    try:
        target.open().write(json.dumps(stats, ensure_ascii=False, indent=2).encode("utf-8") + b"\n")
        target.commit()
    except BaseException:
        target.discard()
        raise


def read_stats(location: str) -> dict[str, Any]:
    """A stats file written by `--stats` (or `_STATS.json`); ConfigError if it is not one."""
    from cleaner.errors import ConfigError

    try:
        filesystem, inside = fs.resolve(location)
        with filesystem.open_input_stream(inside) as stream:
            data = json.loads(stream.read().decode("utf-8"))
    except (OSError, ValueError) as exc:
        raise ConfigError(f"{location}: not a readable stats file: {exc}") from None
    if not isinstance(data, dict) or data.get("tool") != "cleaner" or "removals" not in data:
        raise ConfigError(f"{location}: not a cleaner stats file")
    return data
