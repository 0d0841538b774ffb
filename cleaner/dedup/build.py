"""The corpus index built out of core: DuckDB group-bys over pass 1's fingerprint shards.

Input: a shard folder (`cleaner.dedup.shards`). Output: an index folder
(`cleaner.dedup.index`). The steps are the ones `CorpusIndex`'s docstring
lists; every step that grows with the number of blocks runs in DuckDB (an
embedded engine that spills to disk past `memory_limit`), and signatures are
read from their files a chunk at a time (positioned reads, not memory maps). What stays in memory is per
document (a few int64 arrays: rank, site, hashes, union-find labels) or per
verified near-duplicate pair (union-find over the pairs' nodes only).

Why DuckDB: the group-bys here (band key -> rows, hash -> documents per site,
distinct duplicate clusters per block cluster) are hash aggregations and
joins that DuckDB runs in parallel and spills past its memory limit; Arrow's
`Table.group_by` and Polars' eager group-by need the whole table in memory,
and a home-made external sort would repeat what DuckDB does
(benchmarks/README.md, "Corpus stage out of core", has the measurements).

Row order never matters: documents are ranked by id, block nodes by hash, and
every link goes from a group's smallest row, so the index is the same bytes
whatever order pass 1 produced the fingerprints in.
"""

from __future__ import annotations

import json
import logging
import os
import shutil
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa

from cleaner.dedup import banding
from cleaner.dedup.normalize import site_hash
from cleaner.dedup.params import DedupParams

log = logging.getLogger("cleaner")

CHUNK_ROWS = 16_384  # signature rows per chunk (8 MiB at 128 permutations; band keys take 2x more)
PAIR_CHUNK = 16_384  # candidate pairs verified per chunk
#: DuckDB's memory cap: past it, its tables and group-bys spill to the work folder. Its joins on
#: per-document tables need room for their hash tables: at 1M generated pages the repeat counts failed
#: under 128 MB (benchmarks/README.md, "Corpus stage out of core")
MEMORY_LIMIT = "512MB"
_EMPTY = 0xFFFFFFFF


def connect(workdir: Path, memory_limit: str, threads: int | None):
    """A DuckDB database in a file of `workdir`, that spills there past `memory_limit`.

    Not an in-memory database: its tables (the band keys: 32 rows per unique long block)
    could not leave memory, and past `memory_limit` an insert failed (1M generated pages).
    """
    import duckdb

    con = duckdb.connect(str(workdir / "build.duckdb"))
    con.execute(f"SET memory_limit = '{memory_limit}'")
    con.execute(f"SET temp_directory = '{workdir / 'spill'}'")
    con.execute("SET preserve_insertion_order = false")
    con.execute(f"SET threads = {int(threads or max(1, min(4, os.cpu_count() or 1)))}")
    return con


def _batches(con, sql: str, size: int):
    """The result of `sql` as Arrow record batches of up to `size` rows, streamed."""
    relation = con.sql(sql)
    if hasattr(relation, "to_arrow_reader"):  # duckdb >= 1.4
        return relation.to_arrow_reader(size)
    return relation.fetch_record_batch(size)


def _id_key_array(ids: list[str]) -> np.ndarray:
    import xxhash

    return np.fromiter(
        (xxhash.xxh3_64_intdigest(i.encode("utf-8", "surrogatepass")) for i in ids), dtype=np.uint64, count=len(ids)
    )


class _RowFile:
    """Write a `.npy` array row chunk by row chunk (the shape is known up front)."""

    def __init__(self, path: Path, rows: int, cols: int | None, dtype: str = "<u4"):
        self.path, self.expected, self.written, self.dtype = path, rows, 0, np.dtype(dtype)
        self.file = path.open("wb")
        shape = (rows,) if cols is None else (rows, cols)
        np.lib.format.write_array_header_2_0(self.file, {"descr": dtype, "fortran_order": False, "shape": shape})

    def write(self, rows: np.ndarray) -> None:
        self.file.write(np.ascontiguousarray(rows, dtype=self.dtype).tobytes())
        self.written += len(rows)

    def close(self) -> None:
        self.file.close()
        if self.written != self.expected:
            raise RuntimeError(f"{self.path}: wrote {self.written} rows, expected {self.expected}")


def _gather(path: Path, num_perm: int, rows: np.ndarray) -> np.ndarray:
    """Rows of a signature file (raw `.u32` or `.npy`), by positioned reads of each run of consecutive rows.

    Not a memory map: touching a mapped page maps its neighbours too (fault-around),
    so a random gather from a map holds most of the file in the RSS, and the file
    grows with the corpus.
    """
    rows = np.asarray(rows, dtype=np.int64)
    width = 4 * num_perm
    out = np.empty((len(rows), num_perm), dtype=np.uint32)
    if not len(rows):
        return out
    wanted, inverse = np.unique(rows, return_inverse=True)
    got = np.empty((len(wanted), num_perm), dtype=np.uint32)
    starts = np.flatnonzero(np.r_[True, np.diff(wanted) != 1])
    ends = np.r_[starts[1:], len(wanted)]
    with path.open("rb") as f:
        offset = _data_offset(f, path)
        fd = f.fileno()
        for a, b in zip(starts.tolist(), ends.tolist(), strict=True):
            size = (b - a) * width
            if os.preadv(fd, [got[a:b].data.cast("B")], offset + int(wanted[a]) * width) != size:
                raise ValueError(f"{path}: signature rows {wanted[a]}..{wanted[b - 1]} are past the end of the file")
    out[:] = got[inverse.reshape(-1)]
    return out


def _data_offset(f, path: Path) -> int:
    """Where the rows start: after the header of a `.npy` file, at 0 in a raw signature file."""
    if path.suffix != ".npy":
        return 0
    major, _ = np.lib.format.read_magic(f)
    (np.lib.format.read_array_header_1_0 if major == 1 else np.lib.format.read_array_header_2_0)(f)
    return f.tell()


def similar_pairs(
    work: Path,
    sigs_path: Path,
    rows: np.ndarray,
    threshold: float,
    p: DedupParams,
    *,
    check: Callable | None = None,
    keep_bands: Path | None = None,
) -> np.ndarray:
    """Verified near-duplicate pairs `(a, b)`, `a < b`, among signature `rows` of a file.

    The band keys are written to files in `work` by key range (`_BandFiles`);
    each file, read back alone, links each (band, key) group's rows to its
    smallest row (`banding.star_edges`); the distinct candidate pairs are
    verified a chunk at a time on the signatures (estimated Jaccard >= `threshold`),
    then by `check` when given. With `keep_bands`, the band keys are also
    saved there, sorted by key then row (`<name>_key.npy`, `<name>_row.npy`),
    for streaming lookups: the key ranges are in order, so each file sorted
    in turn gives the whole order.

    Not a DuckDB group-by: at 1M generated pages (198 M band-key rows) DuckDB
    ran out of memory under its 128 MB cap, in the insert and then in the
    group-by-and-join. Memory here is one file's rows (`PART_ROWS`), whatever
    the corpus size, and the candidate pairs.
    """
    step = _Steps()
    bands, width = banding.optimal_bands(threshold, p.num_perm, p.false_positive_weight, p.false_negative_weight)
    rows = np.asarray(rows, dtype=np.int64)
    files = _BandFiles(work, len(rows) * bands)
    try:
        for start in range(0, len(rows), CHUNK_ROWS):
            chunk = rows[start : start + CHUNK_ROWS]
            keys = banding.band_keys(_gather(sigs_path, p.num_perm, chunk), bands, width)
            files.add(keys.ravel(), np.tile(np.arange(bands, dtype=np.uint64), len(chunk)), np.repeat(chunk, bands))
        files.close()
        step(f"  band keys of {len(rows)} rows, {files.parts} files")
        saved = _BandsOut(keep_bands, len(rows) * bands) if keep_bands is not None else None
        candidates = []
        for key, band, row in files.read():
            candidates.append(banding.star_edges(key, band, row))
            if saved is not None:
                saved.write(key, row)
        if saved is not None:
            saved.close()
    finally:
        files.remove()
    pairs = np.concatenate(candidates) if candidates else np.empty((0, 2), dtype=np.int64)
    pairs = np.unique(pairs, axis=0) if len(pairs) else pairs
    step(f"  candidate pairs: {len(pairs)}")
    found = []
    for start in range(0, len(pairs), PAIR_CHUNK):
        chunk = pairs[start : start + PAIR_CHUNK]
        nodes, local = np.unique(chunk, return_inverse=True)
        chunk = chunk[banding.jaccard(_gather(sigs_path, p.num_perm, nodes), local.reshape(-1, 2)) >= threshold]
        if check is not None and len(chunk):
            chunk = chunk[check(chunk)]
        found.append(chunk)
    step(f"  verified: {sum(len(f) for f in found)}")
    return np.concatenate(found) if found else np.empty((0, 2), dtype=np.int64)


#: band-key rows per file of `_BandFiles` (24 bytes each in memory when a file is read, plus its sort)
PART_ROWS = 1 << 20
_ROW_BITS = 56  # a band-key record packs the band into the top 8 bits of its row


class _BandFiles:
    """Band-key rows `(key, band, row)` written to files by key range, read back one file at a time.

    The number of files is a power of two chosen so that each holds about `PART_ROWS`
    rows; a row goes to the file of its key's top bits, so every (band, key) group is in
    one file and the files are in key order. Records are 16 bytes: the key, then the
    band and the row packed in one uint64.
    """

    def __init__(self, work: Path, total: int):
        bits = max(0, int(np.ceil(np.log2(max(1, total) / PART_ROWS))))
        self.parts, self.shift = 1 << bits, np.uint64(64 - bits)
        self.folder = work / "bands"
        shutil.rmtree(self.folder, ignore_errors=True)
        self.folder.mkdir(parents=True)
        self.handles = [(self.folder / f"{k:05d}.bin").open("wb") for k in range(self.parts)]

    def add(self, key: np.ndarray, band: np.ndarray, row: np.ndarray) -> None:
        if len(row) and int(row.max()) >> _ROW_BITS:
            raise ValueError(f"row {int(row.max())} does not fit the band-key records")
        records = np.empty((len(key), 2), dtype=np.uint64)
        records[:, 0] = key
        records[:, 1] = (band.astype(np.uint64) << np.uint64(_ROW_BITS)) | row.astype(np.uint64)
        if self.parts == 1:
            self.handles[0].write(records.tobytes())
            return
        part = (key >> self.shift).astype(np.int64)
        order = np.argsort(part, kind="stable")
        bounds = np.searchsorted(part[order], np.arange(self.parts + 1))
        records = records[order]
        for k in np.flatnonzero(np.diff(bounds)).tolist():
            self.handles[k].write(records[bounds[k] : bounds[k + 1]].tobytes())

    def close(self) -> None:
        for handle in self.handles:
            handle.close()

    def read(self):
        """`(key, band, row)` arrays of each file in key-range order (int64 band and row)."""
        low = np.uint64((1 << _ROW_BITS) - 1)
        for k in range(self.parts):
            records = np.fromfile(self.folder / f"{k:05d}.bin", dtype=np.uint64).reshape(-1, 2)
            yield (
                records[:, 0],
                (records[:, 1] >> np.uint64(_ROW_BITS)).astype(np.int64),
                (records[:, 1] & low).astype(np.int64),
            )

    def remove(self) -> None:
        self.close()
        shutil.rmtree(self.folder, ignore_errors=True)


class _BandsOut:
    """`<prefix>_key.npy` and `<prefix>_row.npy`: band keys sorted by key then row, written file by file."""

    def __init__(self, prefix: Path, count: int):
        self.keys = _RowFile(prefix.with_name(prefix.name + "_key.npy"), count, None, "<u8")
        self.rows = _RowFile(prefix.with_name(prefix.name + "_row.npy"), count, None, "<i8")

    def write(self, key: np.ndarray, row: np.ndarray) -> None:
        order = np.lexsort((row, key))
        self.keys.write(key[order])
        self.rows.write(row[order])

    def close(self) -> None:
        self.keys.close()
        self.rows.close()


def build(
    shards: Path,
    out: Path,
    p: DedupParams,
    *,
    workdir: Path,
    memory_limit: str = MEMORY_LIMIT,
    threads: int | None = None,
    verify: bool = False,
    max_cluster: int = 1000,
    counter: PartitionCounter | None = None,
) -> dict[str, Any]:
    """Build the index folder `out` (which must exist, empty) from the shard folder; return its stats.

    `verify` (`--dup-verify`; the shards must hold shingle hashes) checks every
    near-duplicate document pair that passed the signature test by the exact
    Jaccard of its shingle sets. A duplicate or block cluster larger than
    `max_cluster` is logged as a warning (a chain of near-duplicates can join
    unrelated pages). `counter` runs the per-site repeat counting of partitions
    elsewhere (see `_count_repeats`); without it, it runs here.
    """
    con = connect(workdir, memory_limit, threads)
    try:
        return _build(con, shards, out, p, verify, max_cluster, workdir, counter)
    finally:
        con.close()


class _Steps:
    """Logs (debug) the wall time and the RSS after each build step: where a corpus size's time goes."""

    def __init__(self):
        self.clock = time.perf_counter
        self.last = self.clock()

    def __call__(self, name: str) -> None:
        if log.isEnabledFor(logging.DEBUG):
            now = self.clock()
            log.debug("build step %s: %.2f s, rss %d MiB", name, now - self.last, _rss_mib())
        self.last = self.clock()


def _rss_mib() -> int:
    try:
        return int(Path("/proc/self/statm").read_text().split()[1]) * os.sysconf("SC_PAGE_SIZE") >> 20
    except OSError:
        return -1


def _build(con, shards: Path, out: Path, p: DedupParams, verify: bool, max_cluster: int, workdir: Path, counter):
    step = _Steps()
    con.execute(f"CREATE VIEW docs AS SELECT * FROM read_parquet('{shards}/docs-*.parquet')")
    con.execute(f"CREATE VIEW blocks AS SELECT * FROM read_parquet('{shards}/blocks-*.parquet')")
    dupes = con.execute(
        "SELECT doc_id FROM docs GROUP BY doc_id HAVING count(*) > 1 ORDER BY doc_id LIMIT 3"
    ).fetchall()
    if dupes:
        raise ValueError(f"document ids must be unique; repeated: {', '.join(d for (d,) in dupes)}")

    # 1. documents in canonical order (by id); sites numbered by name
    con.execute(
        """
        CREATE TABLE d AS SELECT row_number() OVER (ORDER BY doc_id) - 1 AS rank, seq, doc_id,
            dense_rank() OVER (ORDER BY site) - 1 AS site_idx, doc_hash, doc_shingles, has_sig FROM docs
        """
    )
    cols = con.execute("SELECT seq, site_idx, doc_hash, has_sig FROM d ORDER BY rank").fetchnumpy()
    n = len(cols["seq"])
    seq_of_rank = np.asarray(cols["seq"], dtype=np.int64)
    site_idx = np.asarray(cols["site_idx"], dtype=np.int64)
    doc_hash = np.asarray(cols["doc_hash"], dtype=np.uint64)
    has_sig = np.asarray(cols["has_sig"], dtype=bool)
    del cols
    site_names = [s for (s,) in con.execute("SELECT DISTINCT site FROM docs ORDER BY site").fetchall()]
    site_keys = np.array([site_hash(s) for s in site_names], dtype=np.uint64)
    doc_keys = _write_doc_ids(con, out)
    step("documents")

    # clean-text signatures in rank order
    doc_sigs = out / "text_sig.npy"
    writer = _RowFile(doc_sigs, n, p.num_perm)
    for start in range(0, n, CHUNK_ROWS):
        writer.write(_gather(shards / "doc_sigs.u32", p.num_perm, seq_of_rank[start : start + CHUNK_ROWS]))
    writer.close()
    check = ExactJaccard(shards, seq_of_rank, workdir / "content_rows.i64", p.dup_threshold) if verify else None
    del seq_of_rank
    step("text signatures")

    # 2. block nodes: one per exact hash with a signature (by hash); near-duplicate nodes joined
    con.execute(
        """
        CREATE TABLE nodes AS SELECT row_number() OVER (ORDER BY hash) - 1 AS node, hash, sig_row
        FROM (SELECT hash, min(sig_row) AS sig_row FROM blocks WHERE sig_row >= 0 GROUP BY hash)
        """
    )
    m = con.execute("SELECT count(*) FROM nodes").fetchall()[0][0]
    node_sigs = out / "node_sig.npy"
    writer = _RowFile(node_sigs, m, p.num_perm)
    reader = _batches(con, "SELECT sig_row FROM nodes ORDER BY node", CHUNK_ROWS)
    for batch in reader:
        writer.write(_gather(shards / "block_sigs.u32", p.num_perm, batch.column(0).to_numpy()))
    writer.close()
    step("block nodes")
    edges = similar_pairs(workdir, node_sigs, np.arange(m, dtype=np.int64), p.block_threshold, p)
    step("block pairs")
    nodes, roots = banding.sparse_components(edges)
    step("block union-find")
    merged = nodes != roots
    con.register("merged", pa.table({"node": nodes[merged], "root": roots[merged]}))
    con.execute(
        """
        CREATE TABLE hcluster AS SELECT n.hash AS hash, r.hash AS cluster
        FROM merged m JOIN nodes n ON n.node = m.node JOIN nodes r ON r.node = m.root
        """
    )
    con.unregister("merged")
    del edges, nodes, roots, merged
    con.execute(
        """
        CREATE TABLE b AS SELECT d.rank, d.site_idx, bl.hash, coalesce(h.cluster, bl.hash) AS cluster,
            bl.kept, n.node, bl.shingles, bl.sig_row
        FROM blocks bl JOIN d USING (seq) LEFT JOIN hcluster h USING (hash) LEFT JOIN nodes n USING (hash)
        """
    )
    step("block table")

    # 3. duplicate documents from the clean text: exact hash, then banded signatures
    valid = np.flatnonzero(has_sig)
    exact_edges = valid[banding.candidate_edges(doc_hash[valid, None])]
    step("exact duplicates")
    text_edges = similar_pairs(workdir, doc_sigs, valid, p.dup_threshold, p, check=_bind(check, "text"))
    step("text pairs")
    dc1 = banding.components(n, exact_edges, text_edges)
    step("text union-find")

    # 4. content signatures: kept long blocks outside the boilerplate candidates
    _count_repeats(con, dc1, p, counter, workdir)
    step("repeat counts 1")
    content_sh = np.zeros(n, dtype=np.int64)
    writer = _RowFile(out / "doc_sig.npy", n, p.num_perm)
    _content_signatures(con, node_sigs, p, writer, content_sh, check)
    writer.close()
    step("content signatures")
    cvalid = np.flatnonzero(content_sh >= p.min_content_shingles)
    content_edges = similar_pairs(
        workdir,
        out / "doc_sig.npy",
        cvalid,
        p.dup_threshold,
        p,
        check=_bind(check, "content"),
        keep_bands=out / "doc_band",
    )
    step("content pairs")
    dc = banding.components(n, exact_edges, text_edges, content_edges)
    step("content union-find")
    del exact_edges, text_edges, content_edges, dc1, valid, cvalid, has_sig

    # 5. final counts over the final duplicate clusters
    _count_repeats(con, dc, p, counter, workdir)
    step("repeat counts 2")
    stats = _write_outputs(con, out, p, n, dc, doc_hash, doc_keys, content_sh, site_idx, site_keys, max_cluster)
    step("outputs")
    if check is not None:
        stats["dup_verify_rejected"] = dict(check.rejected)
    return stats


def _bind(check: ExactJaccard | None, kind: str) -> Callable | None:
    return None if check is None else (lambda pairs: check(pairs, kind))


class ExactJaccard:
    """`--dup-verify`: the exact Jaccard of candidate document pairs, from the shingle hashes pass 1 kept.

    "text" pairs compare the documents' clean-text shingle sets; "content"
    pairs the union of the shingles of their content blocks (kept, long, not
    boilerplate candidates), as the content signatures were made. Memory: the
    two documents of a pair at a time; the hashes stay in files.
    """

    def __init__(self, shards: Path, seq_of_rank: np.ndarray, content_rows: Path, threshold: float):
        self.shards, self.seq, self.threshold = shards, seq_of_rank.copy(), threshold
        self.content_rows = content_rows
        self.content_file = content_rows.open("wb")
        self.content_count = np.zeros(len(seq_of_rank), dtype=np.int64)
        self.content_off: np.ndarray | None = None
        self.rejected = {"text": 0, "content": 0}

    def add_content(self, ranks: np.ndarray, sig_rows: np.ndarray) -> None:
        """Record content blocks (their `sig_row`), in rank order, while content signatures are made."""
        self.content_file.write(np.ascontiguousarray(sig_rows, dtype=np.int64).tobytes())
        np.add.at(self.content_count, ranks, 1)

    def _array(self, name: str, dtype) -> np.ndarray:
        path = self.shards / name if not name.endswith(".i64") else self.content_rows
        if not path.exists() or not path.stat().st_size:
            return np.empty(0, dtype=dtype)
        return np.memmap(path, dtype=dtype, mode="r")

    def _sets(self, kind: str, ranks: np.ndarray) -> list[np.ndarray]:
        if kind == "text":
            off, hashes = self._array("doc_shingles.off", np.int64), self._array("doc_shingles.u32", np.uint32)
            return [np.unique(hashes[off[s] : off[s + 1]]) for s in self.seq[ranks].tolist()]
        if self.content_off is None:
            self.content_file.close()
            self.content_off = np.concatenate(([0], np.cumsum(self.content_count)))
        rows = self._array("content_rows.i64", np.int64)
        off, hashes = self._array("block_shingles.off", np.int64), self._array("block_shingles.u32", np.uint32)
        out = []
        for r in ranks.tolist():
            parts = [hashes[off[k] : off[k + 1]] for k in rows[self.content_off[r] : self.content_off[r + 1]].tolist()]
            out.append(np.unique(np.concatenate(parts)) if parts else np.empty(0, dtype=np.uint32))
        return out

    def similarity(self, pairs: np.ndarray, kind: str) -> np.ndarray:
        """Exact Jaccard of each pair's shingle sets (1.0 for two empty sets)."""
        left, right = self._sets(kind, pairs[:, 0]), self._sets(kind, pairs[:, 1])
        out = np.empty(len(pairs))
        for k, (a, b) in enumerate(zip(left, right, strict=True)):
            inter = len(np.intersect1d(a, b, assume_unique=True))
            union = len(a) + len(b) - inter
            out[k] = inter / union if union else 1.0
        return out

    def __call__(self, pairs: np.ndarray, kind: str) -> np.ndarray:
        keep = self.similarity(pairs, kind) >= self.threshold
        self.rejected[kind] += int((~keep).sum())
        return keep


def _write_doc_ids(con, out: Path) -> np.ndarray:
    """Stream the ids in rank order into `doc_ids.arrow`; return their stable 64-bit keys."""
    import pyarrow.ipc as ipc

    keys = []
    schema = pa.schema([("doc_id", pa.string())])
    with ipc.new_file(str(out / "doc_ids.arrow"), schema) as sink:
        for batch in _batches(con, "SELECT doc_id FROM d ORDER BY rank", CHUNK_ROWS):
            column = batch.column(0).cast(pa.string())
            sink.write_batch(pa.record_batch([column], schema=schema))
            keys.append(_id_key_array(column.to_pylist()))
    return np.concatenate(keys) if keys else np.empty(0, np.uint64)


#: Runs the per-site repeat counting of each partition: `counter([(source, dcmap, target), ...], min_site,
#: min_corpus)` calls `count_partition(source, dcmap, target, min_site, min_corpus)` for each, anywhere
#: the files are reachable (the Ray engine: one task per partition)
PartitionCounter = Callable[[list[tuple[str, str, str]], int, int], None]


def _count_repeats(con, dc: np.ndarray, p: DedupParams, counter: PartitionCounter | None, work: Path) -> None:
    """Table `bpc`: distinct duplicate clusters per (block cluster, site) and per block cluster, the pairs
    over the thresholds (boilerplate candidates).

    With a `counter`, the block rows (cluster, site, document) are written as up to `REPEAT_PARTITIONS`
    Parquet files by block cluster (all of a cluster's rows, every site's, in one file, so its counts are
    the file's) beside the documents' duplicate clusters, and the counter aggregates each file; `bpc` is
    the union of what it writes: the same rows as counting here.
    """
    thresholds = {"min_site": int(p.repeat_min_docs), "min_corpus": int(p.repeat_min_docs_corpus)}
    dcmap = pa.table({"rank": np.arange(len(dc), dtype=np.int64), "dc": dc.astype(np.int64)})
    if counter is None or not con.execute("SELECT count(*) FROM b").fetchall()[0][0]:
        con.register("dcmap", dcmap)
        con.execute(f"CREATE OR REPLACE TABLE bpc AS {_REPEAT_COUNTS.format(source='b', dcmap='dcmap', **thresholds)}")
        con.unregister("dcmap")
        return
    import pyarrow.parquet as pq

    folder = work / "repeats"
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir()
    pq.write_table(dcmap, folder / "dcmap.parquet")
    con.execute(
        f"""
        COPY (SELECT cluster, site_idx, rank, cluster % {REPEAT_PARTITIONS} AS part FROM b)
        TO '{folder / "blocks"}' (FORMAT parquet, PARTITION_BY (part))
        """
    )
    jobs = [
        (str(part), str(folder / "dcmap.parquet"), str(folder / f"bpc-{k:04d}.parquet"))
        for k, part in enumerate(sorted((folder / "blocks").iterdir()))
    ]
    counter(jobs, thresholds["min_site"], thresholds["min_corpus"])
    con.execute(f"CREATE OR REPLACE TABLE bpc AS SELECT * FROM read_parquet('{folder}/bpc-*.parquet')")
    shutil.rmtree(folder, ignore_errors=True)


REPEAT_PARTITIONS = 16
_REPEAT_COUNTS = """
    WITH bd AS (SELECT DISTINCT s.cluster, s.site_idx, d.dc FROM {source} s JOIN {dcmap} d USING (rank)),
    sc AS (SELECT cluster, site_idx, count(*) AS c FROM bd GROUP BY ALL),
    cc AS (SELECT cluster, count(DISTINCT dc) AS c FROM bd GROUP BY ALL)
    SELECT sc.cluster, sc.site_idx, sc.c AS site_count, cc.c AS corpus_count
    FROM sc JOIN cc USING (cluster) WHERE sc.c >= {min_site} OR cc.c >= {min_corpus}
"""


def count_partition(source: str, dcmap: str, target: str, min_site: int, min_corpus: int) -> None:
    """The repeat counts (`bpc` rows) of one partition folder of block rows, written to `target`."""
    import duckdb

    con = duckdb.connect(":memory:")
    try:
        con.execute(f"SET memory_limit = '{MEMORY_LIMIT}'")
        con.execute(f"SET temp_directory = '{target}.spill'")
        sql = _REPEAT_COUNTS.format(
            source=f"read_parquet('{source}/*.parquet')",
            dcmap=f"read_parquet('{dcmap}')",
            min_site=min_site,
            min_corpus=min_corpus,
        )
        con.execute(f"COPY ({sql}) TO '{target}' (FORMAT parquet)")
    finally:
        con.close()
    shutil.rmtree(f"{target}.spill", ignore_errors=True)


def count_partitions_here(jobs: list[tuple[str, str, str]], min_site: int, min_corpus: int) -> None:
    """A `PartitionCounter` that counts every partition in this process, one after the other."""
    for source, dcmap, target in jobs:
        count_partition(source, dcmap, target, min_site, min_corpus)


def _content_signatures(
    con, node_sigs: Path, p: DedupParams, writer: _RowFile, content_sh: np.ndarray, check: ExactJaccard | None
) -> None:
    """Per document (rank order), the minimum of its kept, non-boilerplate long blocks' signatures."""
    empty = np.full((1, p.num_perm), _EMPTY, dtype=np.uint32)
    reader = _batches(
        con,
        """
        SELECT b.rank, b.node, b.shingles, b.sig_row FROM b LEFT JOIN bpc USING (cluster, site_idx)
        WHERE b.kept AND b.node IS NOT NULL AND bpc.cluster IS NULL ORDER BY b.rank
        """,
        CHUNK_ROWS,
    )
    next_rank = 0  # documents before this one are written
    carry: tuple[int, np.ndarray] | None = None  # the last document of a chunk may go on in the next
    for batch in reader:
        ranks = batch.column(0).to_numpy()
        sigs = _gather(node_sigs, p.num_perm, batch.column(1).to_numpy())
        np.add.at(content_sh, ranks, batch.column(2).to_numpy())
        if check is not None:
            check.add_content(ranks, batch.column(3).to_numpy())
        starts = np.flatnonzero(np.r_[True, ranks[1:] != ranks[:-1]])
        mins = np.minimum.reduceat(sigs, starts, axis=0)
        doc_ranks = ranks[starts]
        if carry is not None and carry[0] == doc_ranks[0]:
            mins[0] = np.minimum(mins[0], carry[1])
        elif carry is not None:
            next_rank = _write_until(writer, next_rank, carry[0], empty)
            writer.write(carry[1][None, :])
            next_rank += 1
        for rank, sig in zip(doc_ranks[:-1].tolist(), mins[:-1], strict=True):
            next_rank = _write_until(writer, next_rank, rank, empty)
            writer.write(sig[None, :])
            next_rank += 1
        carry = (int(doc_ranks[-1]), mins[-1].copy())
    if carry is not None:
        next_rank = _write_until(writer, next_rank, carry[0], empty)
        writer.write(carry[1][None, :])
        next_rank += 1
    _write_until(writer, next_rank, writer.expected, empty)


def _write_until(writer: _RowFile, start: int, stop: int, empty: np.ndarray) -> int:
    """Write empty signatures for ranks `start..stop-1` (documents without content)."""
    while start < stop:
        count = min(stop - start, CHUNK_ROWS)
        writer.write(np.broadcast_to(empty, (count, empty.shape[1])))
        start += count
    return stop


def _write_outputs(
    con, out, p, n, dc, doc_hash, doc_keys, content_sh, site_idx, site_keys, max_cluster
) -> dict[str, Any]:
    con.execute("CREATE TABLE bpclusters AS SELECT DISTINCT cluster FROM bpc")
    _save_query(
        con,
        out,
        """
        SELECT hash, any_value(cluster) AS cluster FROM b SEMI JOIN bpclusters USING (cluster)
        GROUP BY hash ORDER BY hash
        """,
        {"member_hash": "<u8", "member_cluster": "<u8"},
    )
    _save_site_counts(con, out, site_keys, p)
    _save_query(
        con,
        out,
        f"SELECT cluster, max(corpus_count) AS c FROM bpc WHERE corpus_count >= {int(p.repeat_min_docs_corpus)} "
        "GROUP BY cluster ORDER BY cluster",
        {"corpus_key": "<u8", "corpus_count": "<i8"},
    )
    bp_sig = _RowFile(out / "bp_sig.npy", _count(con, _BP_NODES), p.num_perm)
    bp_cluster = _RowFile(out / "bp_sig_cluster.npy", bp_sig.expected, None, "<u8")
    for batch in _batches(con, _BP_NODES, CHUNK_ROWS):
        bp_sig.write(_gather(out / "node_sig.npy", p.num_perm, batch.column(0).to_numpy()))
        bp_cluster.write(batch.column(1).to_numpy())
    bp_sig.close()
    bp_cluster.close()

    def save(name: str, array: np.ndarray) -> None:  # one array at a time: each is n int64
        np.save(out / f"{name}.npy", array)

    for name, keys in (("doc_hash", doc_hash), ("doc_keys", doc_keys)):
        order = np.argsort(keys, kind="stable")
        save(f"{name}_sorted", keys[order])
        save(f"{name}_rank", order.astype(np.int64))
        save(name, keys)
        del order
    save("doc_sig_ok", content_sh >= p.min_content_shingles)
    sizes = np.bincount(dc, minlength=n)
    in_dup = sizes[dc] > 1
    save("dup_root", np.where(in_dup, dc, -1))
    dup_rank = np.zeros(n, dtype=np.int64)
    if in_dup.any():
        o = np.lexsort((np.arange(n), dc))
        dsorted = dc[o]
        starts = np.r_[True, dsorted[1:] != dsorted[:-1]]
        group_start = np.maximum.accumulate(np.where(starts, np.arange(n), 0))
        del dsorted, starts
        dup_rank[o] = np.arange(n) - group_start
        del o, group_start
    save("dup_rank", np.where(in_dup, dup_rank, -1))
    del dup_rank
    (out / "text_sig.npy").unlink()  # only the content signatures are kept for streaming lookups
    (out / "node_sig.npy").unlink()

    counts = con.execute(
        """
        SELECT (SELECT count(*) FROM b), (SELECT count(DISTINCT hash) FROM b), (SELECT count(node) FROM b),
            (SELECT count(DISTINCT cluster) FROM b), (SELECT count(*) FROM bpclusters),
            (SELECT count(*) FROM b SEMI JOIN bpc USING (cluster, site_idx))
        """
    ).fetchall()[0]
    blocks, unique_blocks, long_blocks, block_clusters, bp_clusters, bp_blocks = (int(c) for c in counts)
    stats = {
        "documents": n,
        "sites": int(site_idx.max()) + 1 if n else 0,
        "blocks": blocks,
        "unique_blocks": unique_blocks,
        "long_blocks": long_blocks,
        "block_clusters": block_clusters,
        "boilerplate_clusters": bp_clusters,
        "boilerplate_blocks": bp_blocks,
        "duplicate_documents": int(in_dup.sum()),
        "duplicate_clusters": int(((sizes > 1) & (np.arange(n) == dc)).sum()) if n else 0,
        "largest_duplicate_clusters": _largest_duplicates(out, sizes),
        "largest_block_clusters": _largest_blocks(con),
    }
    for kind, rows in (("duplicate", stats["largest_duplicate_clusters"]), ("block", stats["largest_block_clusters"])):
        for row in rows:
            if row["size"] > max_cluster:
                log.warning(
                    "%s cluster %s has %d members (more than %d): check it is not a chain of unrelated pages",
                    kind, row["cluster"], row["size"], max_cluster,
                )  # fmt: skip
    (out / "stats.json").write_text(json.dumps(stats, sort_keys=True), encoding="utf-8")
    return stats


_BP_NODES = """
    SELECT n.node, coalesce(h.cluster, n.hash) AS cluster FROM nodes n LEFT JOIN hcluster h USING (hash)
    WHERE coalesce(h.cluster, n.hash) IN (SELECT cluster FROM bpclusters) ORDER BY n.node
"""


def _count(con, sql: str) -> int:
    return int(con.execute(f"SELECT count(*) FROM ({sql})").fetchall()[0][0])


def _save_query(con, out: Path, sql: str, columns: dict[str, str]) -> None:
    """Stream the result of `sql` into one `.npy` file per column (`name: dtype`, in column order)."""
    files = [_RowFile(out / f"{name}.npy", _count(con, sql), None, dtype) for name, dtype in columns.items()]
    for batch in _batches(con, sql, CHUNK_ROWS):
        for k, f in enumerate(files):
            f.write(batch.column(k).to_numpy().astype(f.dtype, copy=False))
    for f in files:
        f.close()


def _save_site_counts(con, out: Path, site_keys: np.ndarray, p: DedupParams) -> None:
    """`site_key` (sorted `pair_key`s of the (site, block cluster) pairs at `repeat_min_docs`) and `site_count`."""
    from cleaner.dedup.index import pair_key

    con.execute("CREATE OR REPLACE TABLE sk (key UBIGINT, c BIGINT)")
    sql = f"SELECT cluster, site_idx, site_count FROM bpc WHERE site_count >= {int(p.repeat_min_docs)}"
    reader = con.cursor()  # a second connection to the same database: it streams while `con` inserts
    for batch in _batches(reader, sql, CHUNK_ROWS):
        keys = pair_key(site_keys[batch.column(1).to_numpy().astype(np.int64)], batch.column(0).to_numpy())
        con.register("sk_chunk", pa.table({"key": keys, "c": batch.column(2)}))
        con.execute("INSERT INTO sk SELECT * FROM sk_chunk")
        con.unregister("sk_chunk")
    reader.close()
    _save_query(
        con, out, "SELECT key, min(c) FROM sk GROUP BY key ORDER BY key", {"site_key": "<u8", "site_count": "<i8"}
    )
    con.execute("DROP TABLE sk")


def _largest_duplicates(out: Path, sizes: np.ndarray, top: int = 5) -> list[dict[str, Any]]:
    import pyarrow.ipc as ipc

    if not len(sizes) or sizes.max() < 2:
        return []
    ranks = np.lexsort((np.arange(len(sizes)), -sizes))[:top]
    ranks = ranks[sizes[ranks] > 1]
    with pa.memory_map(str(out / "doc_ids.arrow")) as source:
        ids = ipc.open_file(source).read_all().column(0)
        return [{"cluster": ids[int(r)].as_py(), "size": int(sizes[r])} for r in ranks]


def _largest_blocks(con, top: int = 5) -> list[dict[str, Any]]:
    rows = con.execute(
        f"SELECT cluster, count(*) + 1 AS size FROM hcluster GROUP BY cluster ORDER BY size DESC, cluster LIMIT {top}"
    ).fetchall()
    return [{"cluster": f"{int(c):016x}", "size": int(s)} for c, s in rows]
