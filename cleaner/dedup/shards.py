"""Pass 1's fingerprints as columnar shards on disk: what the out-of-core index build reads.

A folder holds:

- `docs-NNNNN.parquet`: one row per document (`seq`, `doc_id`, `site`,
  `doc_hash`, `doc_shingles`, `has_sig`); `seq` is the order documents were
  added, and row `seq` of `doc_sigs.u32` is the document's clean-text MinHash;
- `blocks-NNNNN.parquet`: one row per block (`seq`, `pos`, `hash`, `kept`,
  `sig_row`, `shingles`); `sig_row` is the block's row in `block_sigs.u32`
  (-1 for a block too short to have a signature);
- `doc_sigs.u32`, `block_sigs.u32`: raw little-endian uint32 signature rows of
  `num_perm` values, appended as documents arrive;
- with `keep_shingles` (`--dup-verify`): `doc_shingles.u32` and
  `block_shingles.u32`, every document's clean-text and every long block's
  shingle hashes, with `doc_shingles.off` (per `seq`) and `block_shingles.off`
  (per `sig_row`) int64 start offsets, one more entry at the end.

Memory stays bounded: rows are buffered up to `ROWS_PER_SHARD` blocks, then
written; signatures go straight to their files. Nothing here decides anything.
"""

from __future__ import annotations

import itertools
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from cleaner.dedup.fingerprint import Fingerprint

ROWS_PER_SHARD = 500_000
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
        self._block_buf: list[dict[str, np.ndarray]] = []
        self._buffered = 0
        self._shard = 0
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
        self._block_buf.append(
            {
                "seq": np.full(n, seq, dtype=np.int64),
                "pos": np.arange(n, dtype=np.int32),
                "hash": np.asarray(fp.block_hashes, dtype=np.uint64),
                "kept": np.asarray(fp.kept, dtype=bool),
                "sig_row": sig_row,
                "shingles": shingles,
            }
        )
        if self.keep_shingles:
            if fp.long_hashes is None or fp.doc_hashes is None:
                raise ValueError(f"fingerprint of {fp.doc_id} has no shingle hashes (made without keep_shingles)")
            self._append_shingles("doc", [fp.doc_hashes])
            bounds = np.concatenate(([0], np.cumsum(fp.long_shingles.astype(np.int64))))
            self._append_shingles("block", [fp.long_hashes[a:b] for a, b in itertools.pairwise(bounds.tolist())])
        self.docs += 1
        self.block_rows += n
        self._buffered += n + 1
        if self._buffered >= ROWS_PER_SHARD:
            self._flush()

    def _append_shingles(self, kind: str, parts: list[np.ndarray]) -> None:
        starts = []
        for part in parts:
            starts.append(self._written[kind])
            self._shingles[kind].write(np.ascontiguousarray(part, dtype=np.uint32).tobytes())
            self._written[kind] += len(part)
        self._offsets[kind].write(np.array(starts, dtype=np.int64).tobytes())

    def _flush(self) -> None:
        if not self._doc_buf["seq"]:
            return
        docs = pa.table(self._doc_buf, schema=DOC_SCHEMA)
        pq.write_table(docs, self.folder / f"docs-{self._shard:05d}.parquet", compression="zstd")
        columns = {
            name: np.concatenate([b[name] for b in self._block_buf]) if self._block_buf else np.empty(0)
            for name in BLOCK_SCHEMA.names
        }
        pq.write_table(
            pa.table(columns, schema=BLOCK_SCHEMA),
            self.folder / f"blocks-{self._shard:05d}.parquet",
            compression="zstd",
        )
        self._doc_buf = {name: [] for name in DOC_SCHEMA.names}
        self._block_buf = []
        self._buffered = 0
        self._shard += 1

    def close(self) -> None:
        self._flush()
        if self._shard == 0:  # an empty corpus still has (empty) tables
            pq.write_table(DOC_SCHEMA.empty_table(), self.folder / "docs-00000.parquet")
            pq.write_table(BLOCK_SCHEMA.empty_table(), self.folder / "blocks-00000.parquet")
        self._doc_sigs.close()
        self._block_sigs.close()
        if self.keep_shingles:
            for kind in ("doc", "block"):
                self._offsets[kind].write(np.array([self._written[kind]], dtype=np.int64).tobytes())
                self._offsets[kind].close()
                self._shingles[kind].close()

    def nbytes_on_disk(self) -> int:
        return sum(f.stat().st_size for f in self.folder.iterdir() if f.is_file())
