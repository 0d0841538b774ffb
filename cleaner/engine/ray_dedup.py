"""LSH banding as a Ray shuffle: the same edges as `cleaner.dedup.banding.similar_pairs`, on a cluster.

The signatures go to the object store once. Then:

1. map: each block of rows gets its band keys (`banding.band_keys`), one
   `(key, band, row)` triple per row and band, and a partition `key % P`;
2. group-by on the partition (a hash shuffle over band keys): inside one
   partition, rows with the same `(key, band)` are linked to the group's
   smallest row, exactly as `banding.candidate_edges` links them, and each
   candidate pair is verified against the signatures (`banding.verified`);
3. the driver gathers the verified edges only (16 bytes each) and removes the
   pairs several bands found; connected components are the caller's
   (`banding.components`, a driver-side union-find: 8 bytes per node plus the
   edges).

Since band keys never cross partitions and the star of a group is built from
the same rows in the same order, the edge set equals the in-memory one.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from cleaner.dedup import banding

TRIPLES_PER_PARTITION = 2_000_000  # ~40 MB of (key, band, row, part) per group-by partition


def similar_pairs(
    sigs: np.ndarray, threshold: float, num_perm: int, fp: float = 0.5, fn: float = 0.5, *, partitions: int = 0
) -> np.ndarray:
    """Verified near-duplicate pairs among `sigs` rows, as `banding.similar_pairs` gives them (sorted, unique)."""
    import ray

    sigs = np.ascontiguousarray(sigs, dtype=np.uint32)
    n = len(sigs)
    if n < 2:
        return np.empty((0, 2), dtype=np.int64)
    bands, rows = banding.optimal_bands(threshold, num_perm, fp, fn)
    cpus = max(1, int(ray.cluster_resources().get("CPU", 1)))
    parts = partitions or max(cpus, -(-n * bands // TRIPLES_PER_PARTITION))
    holder = [ray.put(sigs)]  # in a list, so Ray passes the reference and each task fetches it once
    keyed = ray.data.range(n, override_num_blocks=max(1, min(cpus * 2, -(-n // 4096)))).map_batches(
        _band_triples,
        batch_format="numpy",
        fn_kwargs={"holder": holder, "bands": bands, "rows": rows, "parts": parts},
    )
    edges = keyed.groupby("part", num_partitions=min(parts, cpus * 4)).map_groups(
        _partition_edges, batch_format="numpy", fn_kwargs={"holder": holder, "threshold": threshold}
    )
    found = [np.stack([b["a"], b["b"]], axis=1) for b in edges.iter_batches(batch_format="numpy") if len(b["a"])]
    if not found:
        return np.empty((0, 2), dtype=np.int64)
    return np.unique(np.concatenate(found).astype(np.int64), axis=0)


def _signatures(holder: list[Any]) -> np.ndarray:
    import ray

    return ray.get(holder[0])


def _band_triples(batch: dict[str, np.ndarray], *, holder, bands: int, rows: int, parts: int) -> dict[str, np.ndarray]:
    row = batch["id"].astype(np.int64)
    keys = banding.band_keys(_signatures(holder)[row], bands, rows)
    flat = keys.ravel()
    return {
        "key": flat,
        "band": np.tile(np.arange(bands, dtype=np.int32), len(row)),
        "row": np.repeat(row, bands),
        "part": (flat % np.uint64(parts)).astype(np.int64),
    }


def _partition_edges(group: dict[str, np.ndarray], *, holder, threshold: float) -> dict[str, np.ndarray]:
    pairs = banding.star_edges(group["key"], group["band"], group["row"].astype(np.int64))
    if len(pairs):
        pairs = banding.verified(_signatures(holder), pairs, threshold)
    return {"a": pairs[:, 0].astype(np.int64), "b": pairs[:, 1].astype(np.int64)}
