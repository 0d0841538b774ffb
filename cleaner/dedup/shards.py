"""Pass 1's fingerprints as columnar shards on disk: what the out-of-core index build reads.

A folder holds:

- `docs-00000.parquet`: one row per document (`seq`, `doc_id`, `site`,
  `doc_hash`, `doc_shingles`, `has_sig`); `seq` is the order documents were
  added, and row `seq` of `doc_sigs.u32` is the document's clean-text MinHash;
- `blocks-00000.parquet`: one row per block (`seq`, `pos`, `hash`, `kept`,
  `sig_row`, `shingles`); `sig_row` is the block's row in `block_sigs.u32`
  (-1 for a block too short to have a signature);
- `doc_sigs.u32`, `block_sigs.u32`: raw little-endian uint32 signature rows of
  `num_perm` values, appended as documents arrive;
- with `keep_shingles` (`--dup-verify`): `doc_shingles.u32` and
  `block_shingles.u32`, every document's clean-text and every long block's
  shingle hashes, with `doc_shingles.off` (per `seq`) and `block_shingles.off`
  (per `sig_row`) int64 start offsets, one more entry at the end.

Memory stays bounded: block rows are buffered in fixed column arrays of
`ROWS_PER_GROUP` rows (documents in lists of `DOCS_PER_GROUP`), each full buffer becomes
a row group of the open Parquet file; signatures go straight to their files.
Nothing here decides anything.
"""

from __future__ import annotations

import itertools
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from cleaner.dedup.fingerprint import Fingerprint

ROWS_PER_GROUP = 131_072  # block rows
DOCS_PER_GROUP = 32_768
_EMPTY = np.uint32(0xFFFFFFFF)

DOC_SCHEMA = pa.schema(
    [
        ("seq", pa.int64()),
        ("doc_id", pa.string()),
        ("site", pa.string()),
        ("doc_hash", pa.uint64()),
        ("doc_shingles", pa.int64()),
        ("has_sig", pa.bool_()),
    ]
)
BLOCK_SCHEMA = pa.schema(
    [
        ("seq", pa.int64()),
        ("pos", pa.int32()),
        ("hash", pa.uint64()),
        ("kept", pa.bool_()),
        ("sig_row", pa.int64()),
        ("shingles", pa.int64()),
    ]
)


def sig_file(path: Path, num_perm: int) -> np.ndarray:
    """A read-only memory map of a signature file (rows of `num_perm` uint32)."""
    size = path.stat().st_size if path.exists() else 0
    if not size:
        return np.empty((0, num_perm), dtype=np.uint32)
    return np.memmap(path, dtype=np.uint32, mode="r", shape=(size // (4 * num_perm), num_perm))


class FingerprintShards:
    """Writes fingerprints to a shard folder (see the module docstring); `close()` finishes it."""

    def __init__(self, folder: str | Path, num_perm: int, *, keep_shingles: bool = False):
        self.folder = Path(folder)
        self.folder.mkdir(parents=True, exist_ok=True)
        self.num_perm = num_perm
        self.docs = 0
        self.block_rows = 0
        self.long_rows = 0
        self._doc_sigs = (self.folder / "doc_sigs.u32").open("wb")
        self._block_sigs = (self.folder / "block_sigs.u32").open("wb")
        self._doc_buf: dict[str, list] = {name: [] for name in DOC_SCHEMA.names}
        self._block_buf = {f.name: np.empty(ROWS_PER_GROUP, f.type.to_pandas_dtype()) for f in BLOCK_SCHEMA}
        self._buffered = 0  # block rows in `_block_buf`
        self._writers: dict[str, pq.ParquetWriter] = {}
        self._empty_sig = np.full(num_perm, _EMPTY, dtype=np.uint32).tobytes()
        self.keep_shingles = keep_shingles
        if keep_shingles:
            self._shingles = {k: (self.folder / f"{k}_shingles.u32").open("wb") for k in ("doc", "block")}
            self._offsets = {k: (self.folder / f"{k}_shingles.off").open("wb") for k in ("doc", "block")}
            self._written = {"doc": 0, "block": 0}

    def add(self, fp: Fingerprint) -> None:
        from cleaner.errors import ConfigError

        p = self.num_perm
        if fp.long_sigs.shape[1:] not in ((p,), ()) or (fp.doc_sig is not None and len(fp.doc_sig) != p):
            raise ConfigError(f"fingerprint of {fp.doc_id} has another num_perm than {p}")
        seq = self.docs
        d = self._doc_buf
        d["seq"].append(seq)
        d["doc_id"].append(fp.doc_id)
        d["site"].append(fp.site)
        d["doc_hash"].append(fp.doc_hash)
        d["doc_shingles"].append(fp.doc_shingles)
        d["has_sig"].append(fp.doc_sig is not None)
        self._doc_sigs.write(self._empty_sig if fp.doc_sig is None else np.asarray(fp.doc_sig, np.uint32).tobytes())
        n = len(fp.block_hashes)
        sig_row = np.full(n, -1, dtype=np.int64)
        shingles = np.zeros(n, dtype=np.int64)
        if len(fp.long_blocks):
            sig_row[fp.long_blocks] = np.arange(self.long_rows, self.long_rows + len(fp.long_blocks))
            shingles[fp.long_blocks] = fp.long_shingles
            self._block_sigs.write(np.ascontiguousarray(fp.long_sigs, dtype=np.uint32).tobytes())
            self.long_rows += len(fp.long_blocks)
        hashes, kept = np.asarray(fp.block_hashes, dtype=np.uint64), np.asarray(fp.kept, dtype=bool)
        self._add_blocks(
            {"seq": seq, "pos": np.arange(n), "hash": hashes, "kept": kept, "sig_row": sig_row, "shingles": shingles}, n
        )
        if self.keep_shingles:
            if fp.long_hashes is None or fp.doc_hashes is None:
                raise ValueError(f"fingerprint of {fp.doc_id} has no shingle hashes (made without keep_shingles)")
            self._append_shingles("doc", [fp.doc_hashes])
            bounds = np.concatenate(([0], np.cumsum(fp.long_shingles.astype(np.int64))))
            self._append_shingles("block", [fp.long_hashes[a:b] for a, b in itertools.pairwise(bounds.tolist())])
        self.docs += 1
        self.block_rows += n
        if len(d["seq"]) >= DOCS_PER_GROUP:
            self._flush_docs()

    def _add_blocks(self, columns: dict[str, Any], n: int) -> None:
        """Buffer one page's block rows (a page with more blocks than a row group is one)."""
        if self._buffered + n > ROWS_PER_GROUP:
            self._flush_blocks()
        if n > ROWS_PER_GROUP:
            table = pa.table({k: np.broadcast_to(v, n) for k, v in columns.items()}, schema=BLOCK_SCHEMA)
            self._write("blocks", table)
            return
        at = self._buffered
        for name, value in columns.items():
            self._block_buf[name][at : at + n] = value
        self._buffered += n

    def _append_shingles(self, kind: str, parts: list[np.ndarray]) -> None:
        starts = []
        for part in parts:
            starts.append(self._written[kind])
            self._shingles[kind].write(np.ascontiguousarray(part, dtype=np.uint32).tobytes())
            self._written[kind] += len(part)
        self._offsets[kind].write(np.array(starts, dtype=np.int64).tobytes())

    def _write(self, kind: str, table: pa.Table) -> None:
        """Append `table` as a row group of this folder's `<kind>-00000.parquet`."""
        writer = self._writers.get(kind)
        if writer is None:
            writer = self._writers[kind] = pq.ParquetWriter(
                self.folder / f"{kind}-00000.parquet", table.schema, compression="zstd"
            )
        writer.write_table(table, row_group_size=len(table) or None)

    def _flush_docs(self) -> None:
        if not self._doc_buf["seq"] and "docs" in self._writers:
            return
        self._write("docs", pa.table(self._doc_buf, schema=DOC_SCHEMA))
        self._doc_buf = {name: [] for name in DOC_SCHEMA.names}

    def _flush_blocks(self) -> None:
        if self._buffered:
            n = self._buffered
            self._write("blocks", pa.table({k: v[:n] for k, v in self._block_buf.items()}, schema=BLOCK_SCHEMA))
            self._buffered = 0

    def close(self) -> None:
        self._flush_docs()
        self._flush_blocks()
        if "blocks" not in self._writers:  # an empty corpus, or no page with blocks: still a (empty) table
            self._write("blocks", BLOCK_SCHEMA.empty_table())
        for writer in self._writers.values():
            writer.close()
        self._doc_sigs.close()
        self._block_sigs.close()
        if self.keep_shingles:
            for kind in ("doc", "block"):
                self._offsets[kind].write(np.array([self._written[kind]], dtype=np.int64).tobytes())
                self._offsets[kind].close()
                self._shingles[kind].close()

    def nbytes_on_disk(self) -> int:
        return sum(f.stat().st_size for f in self.folder.iterdir() if f.is_file())
