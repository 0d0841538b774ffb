"""The corpus index built out of core: DuckDB group-bys over pass 1's fingerprint shards.

Input: a shard folder (`cleaner.dedup.shards`). Output: an index folder
(`cleaner.dedup.index`). The steps are the ones `CorpusIndex`'s docstring
lists; every step that grows with the number of blocks runs in DuckDB (an
embedded engine that spills to disk past `memory_limit`, a small constant:
no join's build side grows with the corpus), band keys and candidate pairs go
to files by key range, and signatures are read from their files a chunk at a
time (positioned reads, not memory maps). What stays in memory is per verified
near-duplicate pair (union-find over the pairs' nodes only), one per-document
array at a time while an output is written, and chunks.

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
import resource
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
from cleaner.heap import large_arrays_returned

log = logging.getLogger("cleaner")

CHUNK_ROWS = 16_384  # signature rows per chunk (8 MiB at 128 permutations; band keys take 2x more)
PAIR_CHUNK = 16_384  # candidate pairs verified per chunk
#: DuckDB's memory cap (the build's database and the repeat counting's each): past it, its tables,
#: sorts and group-bys spill to the work folder. No join has a build side that grows with the corpus
#: (`_block_table` joins by key range, the repeat counts look duplicate clusters up in numpy), so the
#: cap is a constant (benchmarks/README.md, "Corpus stage out of core")
MEMORY_LIMIT = "64MB"
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

    def __init__(self, path: Path, rows: int, cols: int | None, dtype: str = "<u4", version: tuple[int, int] = (2, 0)):
        self.path, self.expected, self.written, self.dtype = path, rows, 0, np.dtype(dtype)
        self.file = path.open("wb")
        shape = (rows,) if cols is None else (rows, cols)
        header = np.lib.format.write_array_header_1_0 if version == (1, 0) else np.lib.format.write_array_header_2_0
        header(self.file, {"descr": dtype, "fortran_order": False, "shape": shape})

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
    rows: np.ndarray | int,
    threshold: float,
    p: DedupParams,
    *,
    check: Callable | None = None,
    keep_bands: Path | None = None,
) -> np.ndarray:
    """Verified near-duplicate pairs `(a, b)`, `a < b`, sorted, among signature `rows` of a file
    (an int `m`: rows `0..m-1`, without an array of them).

    The band keys are written to files in `work` by key range (`_BandFiles`);
    each file, read back alone, links each (band, key) group's rows to its
    smallest row (`banding.star_edges`), and those candidate pairs are written to
    files by range of their first row (`_PairFiles`); each pair file, read back
    alone, is made distinct and verified a chunk at a time on the signatures
    (estimated Jaccard >= `threshold`), then by `check` when given. With
    `keep_bands`, the band keys are also saved there, sorted by key then row
    (`<name>_key.npy`, `<name>_row.npy`), for streaming lookups: the key ranges
    are in order, so each file sorted in turn gives the whole order.

    Not a DuckDB group-by: at 1M generated pages (198 M band-key rows) DuckDB
    ran out of memory under its 128 MB cap, in the insert and then in the
    group-by-and-join. Memory here is one file's rows (`PART_ROWS`) and the
    verified pairs, whatever the corpus size.
    """
    step = _Steps()
    bands, width = banding.optimal_bands(threshold, p.num_perm, p.false_positive_weight, p.false_negative_weight)
    count = rows if isinstance(rows, int) else len(rows)
    files = _BandFiles(work, count * bands)
    pairs = None
    try:
        for start in range(0, count, CHUNK_ROWS):
            chunk = (
                np.arange(start, min(count, start + CHUNK_ROWS), dtype=np.int64)
                if isinstance(rows, int)
                else np.asarray(rows[start : start + CHUNK_ROWS], dtype=np.int64)
            )
            keys = banding.band_keys(_gather(sigs_path, p.num_perm, chunk), bands, width)
            files.add(keys.ravel(), np.tile(np.arange(bands, dtype=np.uint64), len(chunk)), np.repeat(chunk, bands))
        files.files.close()
        step(f"  band keys of {count} rows, {files.parts} files")
        last = max(0, count - 1) if isinstance(rows, int) else int(np.max(rows, initial=0))
        pairs = _PairFiles(work, files.parts, last)
        saved = _BandsOut(keep_bands, count * bands) if keep_bands is not None else None
        for key, band, row in files.read():
            pairs.add(banding.star_edges(key, band, row))
            if saved is not None:
                saved.write(key, row)
        if saved is not None:
            saved.close()
        files.files.remove()
        pairs.files.close()
        step(f"  candidate pairs: {pairs.files.count} in {pairs.parts} files")
        found, candidates = [], 0
        for distinct in pairs.read():
            candidates += len(distinct)
            for start in range(0, len(distinct), PAIR_CHUNK):
                chunk = distinct[start : start + PAIR_CHUNK]
                nodes, local = np.unique(chunk, return_inverse=True)
                chunk = chunk[banding.jaccard(_gather(sigs_path, p.num_perm, nodes), local.reshape(-1, 2)) >= threshold]
                if check is not None and len(chunk):
                    chunk = chunk[check(chunk)]
                found.append(chunk)
    finally:
        files.files.remove()
        if pairs is not None:
            pairs.files.remove()
    step(f"  verified: {sum(len(f) for f in found)} of {candidates} distinct")
    return np.concatenate(found) if found else np.empty((0, 2), dtype=np.int64)


#: band-key rows per file of `_BandFiles` (24 bytes each in memory when a file is read, plus its sort)
PART_ROWS = 1 << 20
_ROW_BITS = 56  # a band-key record packs the band into the top 8 bits of its row


class _RangeFiles:
    """Records of `width` uint64 written to `parts` files by a part number each, read back one file at a time."""

    def __init__(self, folder: Path, parts: int, width: int):
        self.folder, self.parts, self.width = folder, parts, width
        shutil.rmtree(folder, ignore_errors=True)
        folder.mkdir(parents=True)
        self.handles = [(folder / f"{k:05d}.bin").open("wb") for k in range(parts)]
        self.count = 0

    def add(self, records: np.ndarray, part: np.ndarray | None) -> None:
        """Append `records` (rows of `width`), row `i` to file `part[i]` (None: all to the only file)."""
        self.count += len(records)
        if part is None:
            self.handles[0].write(records.tobytes())
            return
        order = np.argsort(part, kind="stable")
        bounds = np.searchsorted(part[order], np.arange(self.parts + 1))
        records = records[order]
        for k in np.flatnonzero(np.diff(bounds)).tolist():
            self.handles[k].write(records[bounds[k] : bounds[k + 1]].tobytes())

    def close(self) -> None:
        for handle in self.handles:
            handle.close()

    def read(self):
        """The records of each file in part order."""
        for k in range(self.parts):
            yield np.fromfile(self.folder / f"{k:05d}.bin", dtype=np.uint64).reshape(-1, self.width)

    def remove(self) -> None:
        self.close()
        shutil.rmtree(self.folder, ignore_errors=True)


class _BandFiles:
    """Band-key rows `(key, band, row)` written to files by key range, read back one file at a time.

    The number of files is a power of two chosen so that each holds about `PART_ROWS`
    rows; a row goes to the file of its key's top bits, so every (band, key) group is in
    one file and the files are in key order. Records are 16 bytes: the key, then the
    band and the row packed in one uint64.
    """

    def __init__(self, work: Path, total: int):
        bits = max(0, int(np.ceil(np.log2(max(1, total) / PART_ROWS))))
        self.shift = np.uint64(64 - bits)
        self.files = _RangeFiles(work / "bands", 1 << bits, 2)
        self.parts = self.files.parts

    def add(self, key: np.ndarray, band: np.ndarray, row: np.ndarray) -> None:
        if len(row) and int(row.max()) >> _ROW_BITS:
            raise ValueError(f"row {int(row.max())} does not fit the band-key records")
        records = np.empty((len(key), 2), dtype=np.uint64)
        records[:, 0] = key
        records[:, 1] = (band.astype(np.uint64) << np.uint64(_ROW_BITS)) | row.astype(np.uint64)
        self.files.add(records, None if self.parts == 1 else (key >> self.shift).astype(np.int64))

    def read(self):
        """`(key, band, row)` arrays of each file in key-range order (int64 band and row)."""
        low = np.uint64((1 << _ROW_BITS) - 1)
        for records in self.files.read():
            yield (
                records[:, 0],
                (records[:, 1] >> np.uint64(_ROW_BITS)).astype(np.int64),
                (records[:, 1] & low).astype(np.int64),
            )


class _PairFiles:
    """Candidate pairs `(a, b)`, `a < b <= last`, written to `parts` files by range of `a`; read back
    distinct and sorted, one file at a time, so the files in turn give the sorted distinct pairs.

    A pair is one uint64 record, `a << 32 | b`: a file's distinct pairs are a 1-D `np.unique`.
    """

    def __init__(self, work: Path, parts: int, last: int):
        if last >> 32:
            raise ValueError(f"row {last} does not fit the pair records")
        self.span = max(1, -(-(last + 1) // parts))
        self.files = _RangeFiles(work / "pairs", parts, 1)
        self.parts = parts

    def add(self, pairs: np.ndarray) -> None:
        if not len(pairs):
            return
        records = (pairs[:, 0].astype(np.uint64) << np.uint64(32)) | pairs[:, 1].astype(np.uint64)
        self.files.add(records[:, None], None if self.parts == 1 else pairs[:, 0] // self.span)

    def read(self):
        """Each file's distinct pairs, sorted, as an int64 `(k, 2)` array."""
        for records in self.files.read():
            packed = np.unique(records.ravel())
            out = np.empty((len(packed), 2), dtype=np.int64)
            out[:, 0] = packed >> np.uint64(32)
            out[:, 1] = packed & np.uint64(0xFFFFFFFF)
            yield out


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
    with large_arrays_returned():
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
            peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss >> 10
            log.debug("build step %s: %.2f s, rss %d MiB, peak %d MiB", name, now - self.last, _rss_mib(), peak)
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
    n = _count(con, "SELECT rank FROM d")
    site_names = [s for (s,) in con.execute("SELECT DISTINCT site FROM docs ORDER BY site").fetchall()]
    site_keys = np.array([site_hash(s) for s in site_names], dtype=np.uint64)
    _write_doc_keys(con, out, workdir)
    exact_edges = _write_doc_hashes(con, out)
    step("documents")

    # clean-text signatures in rank order
    doc_sigs = out / "text_sig.npy"
    writer = _RowFile(doc_sigs, n, p.num_perm)
    for batch in _batches(con, "SELECT seq FROM d ORDER BY rank", CHUNK_ROWS):
        writer.write(_gather(shards / "doc_sigs.u32", p.num_perm, batch.column(0).to_numpy()))
    writer.close()
    check = None
    if verify:
        seq_of_rank = con.execute("SELECT seq FROM d ORDER BY rank").fetchnumpy()["seq"]
        check = ExactJaccard(shards, np.asarray(seq_of_rank, np.int64), workdir / "content_rows.i64", p.dup_threshold)
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
    edges = similar_pairs(workdir, node_sigs, int(m), p.block_threshold, p)
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
    _block_table(con, n, m)
    step("block table")

    # 3. duplicate documents from the clean text: exact hash (above), then banded signatures
    valid = con.execute("SELECT rank FROM d WHERE has_sig ORDER BY rank").fetchnumpy()["rank"]
    text_edges = similar_pairs(
        workdir, doc_sigs, np.asarray(valid, np.int64), p.dup_threshold, p, check=_bind(check, "text")
    )
    del valid
    step("text pairs")
    dups = banding.sparse_components(np.concatenate([exact_edges, text_edges]))
    step("text union-find")

    # 4. content signatures: kept long blocks outside the boilerplate candidates
    _count_repeats(con, dups, p, counter, workdir)
    step("repeat counts 1")
    content_sh = np.zeros(n, dtype=np.int64)
    writer = _RowFile(out / "doc_sig.npy", n, p.num_perm)
    _content_signatures(con, node_sigs, p, writer, content_sh, check)
    writer.close()
    sig_ok = content_sh >= p.min_content_shingles
    del content_sh
    np.save(out / "doc_sig_ok.npy", sig_ok)
    cvalid = np.flatnonzero(sig_ok)
    del sig_ok
    step("content signatures")
    content_edges = similar_pairs(
        workdir,
        out / "doc_sig.npy",
        cvalid,
        p.dup_threshold,
        p,
        check=_bind(check, "content"),
        keep_bands=out / "doc_band",
    )
    del cvalid
    step("content pairs")
    dups = banding.sparse_components(np.concatenate([exact_edges, text_edges, content_edges]))
    step("content union-find")
    del exact_edges, text_edges, content_edges

    # 5. final counts over the final duplicate clusters
    _count_repeats(con, dups, p, counter, workdir)
    step("repeat counts 2")
    stats = _write_outputs(con, out, p, n, dups, len(site_names), site_keys, max_cluster)
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


def _write_doc_keys(con, out: Path, work: Path) -> None:
    """Stream the ids in rank order into `doc_ids.arrow` and their stable 64-bit keys into `doc_keys.npy`;
    `doc_keys_sorted.npy` and `doc_keys_rank.npy` (the keys' stable sort) by DuckDB's sort of the keys.

    Never all keys in memory: a chunk of ids at a time, and the sort spills to the work folder.
    """
    import pyarrow.ipc as ipc
    import pyarrow.parquet as pq

    schema = pa.schema([("doc_id", pa.string())])
    n = _count(con, "SELECT rank FROM d")
    keys_file = _RowFile(out / "doc_keys.npy", n, None, "<u8", version=(1, 0))
    with (
        ipc.new_file(str(out / "doc_ids.arrow"), schema) as sink,
        pq.ParquetWriter(work / "doc_keys.parquet", pa.schema([("key", pa.uint64()), ("rank", pa.int64())])) as keys,
    ):
        for batch in _batches(con, "SELECT rank, doc_id FROM d ORDER BY rank", CHUNK_ROWS):
            column = batch.column(1).cast(pa.string())
            sink.write_batch(pa.record_batch([column], schema=schema))
            key = _id_key_array(column.to_pylist())
            keys_file.write(key)
            keys.write_table(pa.table({"key": key, "rank": batch.column(0).cast(pa.int64())}))
    keys_file.close()
    _save_query(
        con,
        out,
        f"SELECT key, rank FROM read_parquet('{work / 'doc_keys.parquet'}') ORDER BY key, rank",
        {"doc_keys_sorted": "<u8", "doc_keys_rank": "<i8"},
        version=(1, 0),
    )
    (work / "doc_keys.parquet").unlink()


def _write_doc_hashes(con, out: Path) -> np.ndarray:
    """`doc_hash.npy` (rank order), `doc_hash_sorted.npy` and `doc_hash_rank.npy` (its stable sort), by
    DuckDB; return the exact-duplicate edges: each document with a signature linked to the smallest rank
    with a signature and the same clean-text hash."""
    _save_query(con, out, "SELECT doc_hash FROM d ORDER BY rank", {"doc_hash": "<u8"}, version=(1, 0))
    _save_query(
        con,
        out,
        "SELECT doc_hash, rank FROM d ORDER BY doc_hash, rank",
        {"doc_hash_sorted": "<u8", "doc_hash_rank": "<i8"},
        version=(1, 0),
    )
    edges = con.execute(
        """
        SELECT g.first, d.rank FROM d JOIN (
            SELECT doc_hash, min(rank) AS first FROM d WHERE has_sig GROUP BY doc_hash HAVING count(*) > 1
        ) g USING (doc_hash) WHERE d.has_sig AND d.rank <> g.first
        """
    ).fetchnumpy()
    return np.stack([np.asarray(edges["first"], np.int64), np.asarray(edges["rank"], np.int64)], axis=1)


#: Runs the per-site repeat counting of each partition: `counter([(source, target), ...], min_site,
#: min_corpus)` calls `count_partition(source, target, min_site, min_corpus)` for each, anywhere
#: the files are reachable (the Ray engine: one task per partition)
PartitionCounter = Callable[[list[tuple[str, str]], int, int], None]


def _block_table(con, n: int, m: int) -> None:
    """Table `b`: every block row with its document's rank and site, its node and its block cluster.

    The joins run by key range, so each join's build side holds at most `JOIN_ROWS` rows whatever the corpus
    size: first the documents by `seq` range (the shards' row groups are in `seq` order, so each range reads
    only its own), then the nodes and merged hashes by range of the hash's top bits.
    """
    con.execute("CREATE TABLE bs AS SELECT 0::BIGINT AS rank, 0::BIGINT AS site_idx, hash, kept, shingles, sig_row "
                "FROM blocks LIMIT 0")  # fmt: skip
    for lo in range(0, max(n, 1), JOIN_ROWS):
        con.execute(
            f"""
            INSERT INTO bs SELECT d.rank, d.site_idx, bl.hash, bl.kept, bl.shingles, bl.sig_row
            FROM blocks bl JOIN (SELECT seq, rank, site_idx FROM d WHERE seq >= {lo} AND seq < {lo + JOIN_ROWS}) d
            USING (seq) WHERE bl.seq >= {lo} AND bl.seq < {lo + JOIN_ROWS}
            """
        )
    bits = max(0, int(np.ceil(np.log2(max(1, m) / JOIN_ROWS))))
    con.execute("CREATE TABLE b AS SELECT rank, site_idx, hash, hash AS cluster, kept, 0::BIGINT AS node, shingles, "
                "sig_row FROM bs LIMIT 0")  # fmt: skip
    for k in range(1 << bits):
        part = f"hash >> {64 - bits} = {k}" if bits else "true"
        con.execute(
            f"""
            INSERT INTO b SELECT bs.rank, bs.site_idx, bs.hash, coalesce(h.cluster, bs.hash), bs.kept, n.node,
                bs.shingles, bs.sig_row
            FROM (SELECT * FROM bs WHERE {part}) bs LEFT JOIN (SELECT * FROM hcluster WHERE {part}) h USING (hash)
            LEFT JOIN (SELECT hash, node FROM nodes WHERE {part}) n USING (hash)
            """
        )
    con.execute("DROP TABLE bs")


#: rows of the build side of each of `_block_table`'s joins
JOIN_ROWS = 1 << 20


def _count_repeats(
    con, dups: tuple[np.ndarray, np.ndarray], p: DedupParams, counter: PartitionCounter | None, work: Path
) -> None:
    """Table `bpc`: distinct duplicate clusters per (block cluster, site) and per block cluster, the pairs
    over the thresholds (boilerplate candidates). `dups`: the documents in a duplicate cluster and its
    smallest rank (`banding.sparse_components`); every other document is its own cluster.

    The block rows (cluster, site, duplicate cluster) are written as Parquet files by range of the block
    cluster (all of a cluster's rows, every site's, in one file, so its counts are the file's; files of
    about `REPEAT_ROWS` rows at most, and at least `REPEAT_PARTITIONS` for a `counter`), and `counter` (this
    process when None) counts each file; `bpc` is the union of what it writes. A row's duplicate cluster is looked up in
    the compact `dups` arrays a batch at a time: no join on a per-document table.
    """
    import pyarrow.parquet as pq

    folder = work / "repeats"
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir()
    rows = _count(con, "SELECT rank FROM b")
    least = int(np.log2(REPEAT_PARTITIONS)) if counter is not None else 0  # parts to spread over workers
    bits = max(least, int(np.ceil(np.log2(max(1, rows) / REPEAT_ROWS))))
    shift = np.uint64(64 - bits)
    nodes, roots = dups
    schema = pa.schema([("cluster", pa.uint64()), ("site_idx", pa.int64()), ("dc", pa.int64())])
    writers: dict[int, Any] = {}
    for batch in _batches(con, "SELECT cluster, site_idx, rank FROM b", 16 * CHUNK_ROWS):
        cluster = batch.column(0).to_numpy().astype(np.uint64)
        dc = batch.column(2).to_numpy().astype(np.int64)
        pos = np.minimum(np.searchsorted(nodes, dc), max(len(nodes) - 1, 0))
        hit = nodes[pos] == dc if len(nodes) else np.zeros(len(dc), dtype=bool)
        dc[hit] = roots[pos[hit]]
        part = (cluster >> shift).astype(np.int64)
        order = np.argsort(part, kind="stable")
        bounds = np.searchsorted(part[order], np.arange((1 << bits) + 1))
        table = pa.table({"cluster": cluster, "site_idx": batch.column(1).cast(pa.int64()), "dc": dc}, schema=schema)
        table = table.take(order)
        for k in np.flatnonzero(np.diff(bounds)).tolist():
            if k not in writers:
                writers[k] = pq.ParquetWriter(folder / f"blocks-{k:05d}.parquet", schema)
            writers[k].write_table(table.slice(bounds[k], bounds[k + 1] - bounds[k]))
    for writer in writers.values():
        writer.close()
    jobs = [(str(folder / f"blocks-{k:05d}.parquet"), str(folder / f"bpc-{k:05d}.parquet")) for k in sorted(writers)]
    (counter or count_partitions_here)(jobs, int(p.repeat_min_docs), int(p.repeat_min_docs_corpus))
    con.execute(
        "CREATE OR REPLACE TABLE bpc (cluster UBIGINT, site_idx BIGINT, site_count BIGINT, corpus_count BIGINT)"
    )
    if jobs:
        con.execute(f"INSERT INTO bpc SELECT * FROM read_parquet('{folder}/bpc-*.parquet')")
    shutil.rmtree(folder, ignore_errors=True)


REPEAT_PARTITIONS = 16
#: block rows per partition file of the repeat counts, at most (past `REPEAT_PARTITIONS` files)
REPEAT_ROWS = 1 << 22
_REPEAT_COUNTS = """
    WITH bd AS (SELECT DISTINCT cluster, site_idx, dc FROM read_parquet('{source}')),
    sc AS (SELECT cluster, site_idx, count(*) AS c FROM bd GROUP BY ALL),
    cc AS (SELECT cluster, count(DISTINCT dc) AS c FROM bd GROUP BY ALL)
    SELECT sc.cluster, sc.site_idx, sc.c AS site_count, cc.c AS corpus_count
    FROM sc JOIN cc USING (cluster) WHERE sc.c >= {min_site} OR cc.c >= {min_corpus}
"""


def count_partition(source: str, target: str, min_site: int, min_corpus: int) -> None:
    """The repeat counts (`bpc` rows) of one partition file of block rows, written to `target`."""
    count_partitions_here([(source, target)], min_site, min_corpus)


def count_partitions_here(jobs: list[tuple[str, str]], min_site: int, min_corpus: int) -> None:
    """A `PartitionCounter` that counts every partition in this process, one after the other, in one
    in-memory DuckDB capped at `MEMORY_LIMIT` that spills beside the first target."""
    import duckdb

    if not jobs:
        return
    spill = f"{jobs[0][1]}.spill"
    con = duckdb.connect(":memory:")
    try:
        con.execute(f"SET memory_limit = '{MEMORY_LIMIT}'")
        con.execute(f"SET temp_directory = '{spill}'")
        con.execute("SET preserve_insertion_order = false")
        for source, target in jobs:
            sql = _REPEAT_COUNTS.format(source=source, min_site=min_site, min_corpus=min_corpus)
            con.execute(f"COPY ({sql}) TO '{target}' (FORMAT parquet)")
    finally:
        con.close()
    shutil.rmtree(spill, ignore_errors=True)


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


def _write_outputs(con, out, p, n, dups, sites, site_keys, max_cluster) -> dict[str, Any]:
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

    nodes, roots = dups
    dup_root = np.full(n, -1, dtype=np.int64)
    dup_root[nodes] = roots
    np.save(out / "dup_root.npy", dup_root)
    del dup_root
    order = np.lexsort((nodes, roots))  # members of a cluster together, by rank: the rank in the cluster
    first = np.flatnonzero(np.r_[True, roots[order][1:] != roots[order][:-1]]) if len(order) else order
    sizes = np.diff(np.r_[first, len(order)])
    dup_rank = np.full(n, -1, dtype=np.int64)
    dup_rank[nodes[order]] = np.arange(len(order)) - np.repeat(first, sizes)
    np.save(out / "dup_rank.npy", dup_rank)
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
        "sites": sites if n else 0,
        "blocks": blocks,
        "unique_blocks": unique_blocks,
        "long_blocks": long_blocks,
        "block_clusters": block_clusters,
        "boilerplate_clusters": bp_clusters,
        "boilerplate_blocks": bp_blocks,
        "duplicate_documents": len(nodes),
        "duplicate_clusters": len(first),
        "largest_duplicate_clusters": _largest_duplicates(out, roots[order[first]], sizes),
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


def _save_query(con, out: Path, sql: str, columns: dict[str, str], version: tuple[int, int] = (2, 0)) -> None:
    """Stream the result of `sql` into one `.npy` file per column (`name: dtype`, in column order)."""
    rows = _count(con, sql)
    files = [_RowFile(out / f"{name}.npy", rows, None, dtype, version) for name, dtype in columns.items()]
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


def _largest_duplicates(out: Path, roots: np.ndarray, sizes: np.ndarray, top: int = 5) -> list[dict[str, Any]]:
    """The `top` largest duplicate clusters (`roots`, their `sizes`), largest first, then by rank."""
    import pyarrow.ipc as ipc

    if not len(sizes):
        return []
    largest = np.lexsort((roots, -sizes))[:top]
    with pa.memory_map(str(out / "doc_ids.arrow")) as source:
        ids = ipc.open_file(source).read_all().column(0)
        return [{"cluster": ids[int(roots[k])].as_py(), "size": int(sizes[k])} for k in largest]


def _largest_blocks(con, top: int = 5) -> list[dict[str, Any]]:
    rows = con.execute(
        f"SELECT cluster, count(*) + 1 AS size FROM hcluster GROUP BY cluster ORDER BY size DESC, cluster LIMIT {top}"
    ).fetchall()
    return [{"cluster": f"{int(c):016x}", "size": int(s)} for c, s in rows]
