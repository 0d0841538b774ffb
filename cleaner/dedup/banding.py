"""LSH banding as group-by, and union-find: pure functions over arrays.

The steps are the ones a cluster shuffle runs: `band_keys` maps each
signature to `bands` keys (map), `candidate_edges` groups rows by key and
links each group's members (group-by), `verified` drops candidates whose
estimated Jaccard is under the threshold, and `components` joins the edges
(union-find). Nothing here depends on input order beyond the row numbers it
is given: callers number rows in a canonical order.
"""

from __future__ import annotations

import functools

import numpy as np

from cleaner.dedup import params
from cleaner.dedup.fingerprint import fmix64


@functools.lru_cache(maxsize=32)
def optimal_bands(threshold: float, num_perm: int, fp_weight: float = 0.5, fn_weight: float = 0.5):
    """`(bands, rows)` minimising the weighted false positive/negative rates (datasketch's optimiser, see `params`)."""
    return params.optimal_bands(threshold, num_perm, fp_weight, fn_weight)


def band_keys(sigs: np.ndarray, bands: int, rows: int) -> np.ndarray:
    """uint64 key per (signature, band): a stable mix of the band index and its `rows` values.

    Shape (n, bands). Vectorised over rows and bands (a 64-bit multiply-xorshift
    chain); keys collide across different band values with probability ~2^-64.
    """
    sigs = np.asarray(sigs, dtype=np.uint32)
    n = len(sigs)
    values = sigs[:, : bands * rows].reshape(n, bands, rows).astype(np.uint64)
    with np.errstate(over="ignore"):
        acc = np.broadcast_to(np.arange(1, bands + 1, dtype=np.uint64) * _K1, (n, bands)).copy()
        for j in range(rows):
            acc = fmix64(acc * _K2 + values[:, :, j])
    return acc


_K1 = np.uint64(0x9E3779B97F4A7C15)
_K2 = np.uint64(0xBF58476D1CE4E5B9)


def candidate_edges(keys: np.ndarray) -> np.ndarray:
    """Group rows by band key; link each group's rows to the group's first (smallest) row.

    Returns int64 pairs `(first, other)`, unique, `first < other`. A star per
    group gives the same components as all pairs, with edges linear in the
    group size.
    """
    n, bands = keys.shape
    if n < 2:
        return np.empty((0, 2), dtype=np.int64)
    row = np.repeat(np.arange(n, dtype=np.int64), bands)
    band = np.tile(np.arange(bands, dtype=np.int64), n)
    return star_edges(keys.ravel(), band, row)


def star_edges(key: np.ndarray, band: np.ndarray, row: np.ndarray) -> np.ndarray:
    """`candidate_edges` over flat (key, band, row) triples: what one shuffle partition holds on Ray."""
    if len(key) < 2:
        return np.empty((0, 2), dtype=np.int64)
    order = np.lexsort((row, band, key))  # by key, then band, then row
    key, band, row = key[order], band[order], row[order]
    new_group = np.ones(len(key), dtype=bool)
    new_group[1:] = (key[1:] != key[:-1]) | (band[1:] != band[:-1])
    first = row[np.maximum.accumulate(np.where(new_group, np.arange(len(key)), 0))]
    mask = first != row
    pairs = np.stack([first[mask], row[mask]], axis=1)
    return np.unique(pairs, axis=0) if len(pairs) else np.empty((0, 2), dtype=np.int64)


def jaccard(sigs: np.ndarray, pairs: np.ndarray) -> np.ndarray:
    """Estimated Jaccard similarity of each pair of signature rows."""
    if not len(pairs):
        return np.empty(0)
    out = np.empty(len(pairs))
    for start in range(0, len(pairs), 65536):  # bounded temporaries
        p = pairs[start : start + 65536]
        out[start : start + len(p)] = (sigs[p[:, 0]] == sigs[p[:, 1]]).mean(axis=1)
    return out


def verified(sigs: np.ndarray, pairs: np.ndarray, threshold: float) -> np.ndarray:
    """The candidate pairs whose estimated Jaccard is at least `threshold`."""
    return pairs[jaccard(sigs, pairs) >= threshold] if len(pairs) else pairs


def similar_pairs(sigs: np.ndarray, threshold: float, num_perm: int, fp: float = 0.5, fn: float = 0.5):
    """Band, group and verify: the near-duplicate edges among `sigs` rows."""
    bands, rows = optimal_bands(threshold, num_perm, fp, fn)
    return verified(sigs, candidate_edges(band_keys(sigs, bands, rows)), threshold)


def _min_labels(m: int, a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Label of each of `m` nodes: the smallest node of its component (edges `a[i]`-`b[i]`).

    Min-label propagation with pointer jumping, vectorised: each round sends
    the smaller label across every edge, then shortens label chains; it stops
    when nothing changes. Order-independent.
    """
    label = np.arange(m, dtype=np.int64)
    if not len(a):
        return label
    while True:
        low = np.minimum(label[a], label[b])
        new = label.copy()
        np.minimum.at(new, a, low)
        np.minimum.at(new, b, low)
        while True:  # pointer jumping: labels point at smaller nodes, chains halve per round
            jumped = new[new]
            if np.array_equal(jumped, new):
                break
            new = jumped
        if np.array_equal(new, label):
            return label
        label = new


def components(n: int, *edge_arrays: np.ndarray) -> np.ndarray:
    """Label of each of `n` nodes: the smallest node of its connected component."""
    parts = [np.asarray(e, dtype=np.int64).reshape(-1, 2) for e in edge_arrays]
    edges = np.concatenate(parts) if parts else np.empty((0, 2), dtype=np.int64)
    return _min_labels(n, edges[:, 0], edges[:, 1])


def sparse_components(edges: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Union-find over the nodes that appear in `edges` only (compact ids): `(nodes, roots)`, sorted by node.

    A node's root is the smallest node of its component; nodes in no edge are
    their own roots and are not listed.
    """
    edges = np.asarray(edges, dtype=np.int64).reshape(-1, 2)
    nodes, compact = np.unique(edges, return_inverse=True)
    compact = compact.reshape(-1, 2)
    return nodes, nodes[_min_labels(len(nodes), compact[:, 0], compact[:, 1])]
