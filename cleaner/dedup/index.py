"""The corpus index: block clusters seen in many documents, and duplicate-document clusters.

`CorpusIndex.build` streams pass-1 fingerprints and keeps compact arrays
(8-byte hashes, uint32 signatures), never text. It then:

1. numbers documents by stable id (so nothing depends on input order) and
   groups blocks by exact hash; long blocks' signatures are banded at
   `block_threshold` and near-duplicate blocks join clusters (union-find);
2. groups documents by exact clean-text hash and by banding their clean-text
   MinHash at `dup_threshold` (first duplicate clusters);
3. counts, for every block cluster, the distinct duplicate clusters it occurs
   in, per site and corpus-wide: clusters at `repeat_min_docs` in a site, or
   `repeat_min_docs_corpus` overall, are boilerplate candidates;
4. recomputes each document's MinHash without its boilerplate (the minimum of
   its kept, non-boilerplate long blocks' signatures) and bands those too, so
   a story syndicated to two sites with different chrome is a duplicate;
5. recounts over the final duplicate clusters. Counts can only fall (clusters
   only merge), so the final boilerplate is a subset of step 3's.

What stays: the exact hashes of boilerplate clusters' members (a sorted
uint64 array), which (site, cluster) pairs and clusters reach the thresholds,
boilerplate members' signatures (to catch new variants in streaming mode),
duplicate clusters, and one content signature per document (for streaming
near-duplicate lookups; `slim()` drops them for pass-2 workers).

Cluster ids are stable: a block cluster is named by the smallest exact hash
among its members (16 hex digits); a duplicate cluster by its representative,
the member with the smallest stable id (`dup_rank` 0; others 1, 2, ... by id).
Singletons have no duplicate cluster (`duplicate()` returns None).
"""

from __future__ import annotations

import io
import json
import os
import tempfile
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import xxhash

from cleaner.dedup import banding
from cleaner.dedup.fingerprint import (
    HASHING,
    SCHEME,
    Fingerprint,
    fingerprint,
    fmix64,
    permutation_digest,
    site_of,
)
from cleaner.dedup.normalize import NORMALIZATION_VERSION, site_hash, text_hash, words
from cleaner.dedup.params import DedupParams
from cleaner.errors import ConfigError

FORMAT = "cleaner-corpus-index"
FORMAT_VERSION = 1
_EMPTY_SIG = np.uint32(0xFFFFFFFF)


def _pair_key(site_key: np.ndarray | int, cluster: np.ndarray | int) -> np.ndarray:
    """One uint64 key for a (site, block cluster) pair."""
    with np.errstate(over="ignore"):
        return fmix64(np.uint64(site_key) * np.uint64(0x9E3779B97F4A7C15) ^ np.uint64(cluster))


def _id_key(doc_id: str) -> int:
    return xxhash.xxh3_64_intdigest(doc_id.encode("utf-8", "surrogatepass"))


def _lookup(sorted_keys: np.ndarray, key: int) -> int:
    """Position of `key` in a sorted array, or -1."""
    pos = int(np.searchsorted(sorted_keys, np.uint64(key)))
    return pos if pos < len(sorted_keys) and sorted_keys[pos] == np.uint64(key) else -1


def _distinct(groups: list[np.ndarray], dc: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Count distinct `dc` values per group of rows (a group = equal values in all `groups` arrays).

    Returns (per-row count of its group, sort order, first-row-of-group mask in that order).
    """
    order = np.lexsort((dc, *reversed(groups)))
    n = len(order)
    new_group = np.zeros(n, dtype=bool)
    new_group[:1] = True
    for g in groups:
        gs = g[order]
        new_group[1:] |= gs[1:] != gs[:-1]
    ds = dc[order]
    new_value = new_group.copy()
    new_value[1:] |= ds[1:] != ds[:-1]
    group_id = np.cumsum(new_group) - 1
    counts = np.bincount(group_id, weights=new_value).astype(np.int64)
    per_row = np.empty(n, dtype=np.int64)
    per_row[order] = counts[group_id]
    return per_row, order, new_group


@dataclass(frozen=True, slots=True)
class NewPage:
    """What streaming mode says about a page that is not in the index."""

    removals: list
    dup_cluster: str | None  # the duplicate cluster it would join (its representative's id)
    dup_of: str | None  # the indexed document it is closest to
    similarity: float | None  # estimated Jaccard with `dup_of` (1.0 for an exact duplicate)


class CorpusIndex:
    """Read-only corpus index; see the module docstring. Build with `build`, or `load` a saved one."""

    def __init__(self, params: DedupParams, arrays: dict[str, np.ndarray], stats: dict[str, Any]):
        self.params = params
        self.arrays = arrays
        self.stats = stats
        self._dup: dict[str, tuple[str, int]] | None = None
        self._doc_bands: tuple[np.ndarray, np.ndarray] | None = None
        self._block_bands: tuple[np.ndarray, np.ndarray] | None = None

    # ---------------------------------------------------------------- build
    @classmethod
    def build(
        cls, fingerprints: Iterable[Fingerprint], params: DedupParams, *, similar_pairs=banding.similar_pairs
    ) -> CorpusIndex:
        """Build from pass-1 fingerprints (streamed; any order gives the same index).

        `similar_pairs` finds the verified near-duplicate pairs among signature rows;
        the Ray engine passes its shuffle version, which gives the same pairs.
        """
        p = params
        ids, sites, doc_hash, doc_sh, nblocks = [], [], [], [], []
        doc_sigs, block_hash, kept, long_rows, long_sigs, long_sh = [], [], [], [], [], []
        for fp in fingerprints:
            if fp.long_sigs.shape[1:] not in ((p.num_perm,), ()) or (
                fp.doc_sig is not None and len(fp.doc_sig) != p.num_perm
            ):
                raise ConfigError(f"fingerprint of {fp.doc_id} has another num_perm than {p.num_perm}")
            ids.append(fp.doc_id)
            sites.append(fp.site)
            doc_hash.append(fp.doc_hash)
            doc_sh.append(fp.doc_shingles)
            doc_sigs.append(fp.doc_sig)
            nblocks.append(len(fp.block_hashes))
            block_hash.append(fp.block_hashes)
            kept.append(fp.kept)
            long_rows.append(fp.long_blocks)
            long_sigs.append(fp.long_sigs.reshape(-1, p.num_perm))
            long_sh.append(fp.long_shingles)
        n = len(ids)
        if len(set(ids)) != n:
            dupes = sorted({i for i in ids if ids.count(i) > 1})[:3]
            raise ValueError(f"document ids must be unique; repeated: {', '.join(dupes)}")

        # 1. canonical order: documents by id, blocks by (document, position)
        order = np.argsort(np.array(ids, dtype=object).astype(str), kind="stable")
        ids = [ids[i] for i in order]
        site_names, site_idx = np.unique(np.array([sites[i] for i in order] or [""], dtype=str), return_inverse=True)
        site_idx = site_idx[:n]
        doc_hash = np.array([doc_hash[i] for i in order], dtype=np.uint64)
        doc_sh = np.array([doc_sh[i] for i in order], dtype=np.int64)
        has_sig = np.array([doc_sigs[i] is not None for i in order], dtype=bool)
        dsig = np.full((n, p.num_perm), _EMPTY_SIG, dtype=np.uint32)
        for pos, i in enumerate(order):
            if doc_sigs[i] is not None:
                dsig[pos] = doc_sigs[i]
        del doc_sigs
        # concatenate in canonical order directly: one copy of the signatures, no re-indexing
        counts = np.array([nblocks[i] for i in order], dtype=np.int64)
        block_doc = np.repeat(np.arange(n, dtype=np.int64), counts)
        starts = np.concatenate(([0], np.cumsum(counts)[:-1])) if n else np.empty(0, np.int64)
        bhash = np.concatenate([block_hash[i] for i in order] or [np.empty(0, np.uint64)])
        bkept = np.concatenate([kept[i] for i in order] or [np.empty(0, bool)])
        lrows = np.concatenate(
            [long_rows[i].astype(np.int64) + starts[pos] for pos, i in enumerate(order)] or [np.empty(0, np.int64)]
        )
        lsh = np.concatenate([long_sh[i] for i in order] or [np.empty(0, np.uint32)]).astype(np.int64)
        del block_hash, kept, long_rows, long_sh
        lsig = np.concatenate([long_sigs[i] for i in order] or [np.empty((0, p.num_perm), np.uint32)])
        del long_sigs

        # block clusters: exact groups, joined by verified band matches of long blocks
        uniq, inv = np.unique(bhash, return_inverse=True)
        lnode = inv[lrows]
        unodes, first = np.unique(lnode, return_index=True)
        usig = lsig[first]
        edges = similar_pairs(usig, p.block_threshold, p.num_perm, p.false_positive_weight, p.false_negative_weight)
        node_root = banding.components(len(uniq), unodes[edges]) if len(uniq) else np.empty(0, np.int64)
        comp = node_root[inv]  # per block row: root node (smallest hash) of its cluster
        row_site = site_idx[block_doc]

        def boilerplate(dc: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
            dcr = dc[block_doc]
            site_count, _, _ = _distinct([comp, row_site], dcr)
            corpus_count, _, _ = _distinct([comp], dcr)
            bp = (site_count >= p.repeat_min_docs) | (corpus_count >= p.repeat_min_docs_corpus)
            return bp, site_count, corpus_count

        # 2. duplicate documents from the clean text
        valid = np.flatnonzero(has_sig)
        exact_edges = valid[banding.candidate_edges(doc_hash[valid, None])]
        text_edges = valid[
            similar_pairs(dsig[valid], p.dup_threshold, p.num_perm, p.false_positive_weight, p.false_negative_weight)
        ]
        dc1 = banding.components(n, exact_edges, text_edges)

        # 3-4. content signatures without boilerplate candidates
        bp1, _, _ = boilerplate(dc1)
        content = bkept[lrows] & ~bp1[lrows]
        crow, csig, csh = block_doc[lrows[content]], lsig[content], lsh[content]
        content_sig = np.full((n, p.num_perm), _EMPTY_SIG, dtype=np.uint32)
        content_sh = np.zeros(n, dtype=np.int64)
        if len(crow):
            starts = np.flatnonzero(np.r_[True, crow[1:] != crow[:-1]])
            content_sig[crow[starts]] = np.minimum.reduceat(csig, starts, axis=0)
            content_sh[crow[starts]] = np.add.reduceat(csh, starts)
        cvalid = np.flatnonzero(content_sh >= p.min_content_shingles)
        content_edges = cvalid[
            similar_pairs(
                content_sig[cvalid], p.dup_threshold, p.num_perm, p.false_positive_weight,
                p.false_negative_weight,
            )
        ]  # fmt: skip
        dc = banding.components(n, exact_edges, text_edges, content_edges)
        del lsig, csig, dsig

        # 5. final counts
        bp, site_count, corpus_count = boilerplate(dc)
        bp_nodes = np.unique(comp[bp])
        member = np.isin(node_root, bp_nodes)
        site_rows = np.flatnonzero(bp & (site_count >= p.repeat_min_docs))
        site_keys_all = _pair_key(
            np.array([site_hash(s) for s in site_names], dtype=np.uint64)[row_site[site_rows]],
            uniq[comp[site_rows]],
        )
        site_keys, first_site = np.unique(site_keys_all, return_index=True)
        corpus_rows = np.flatnonzero(corpus_count >= p.repeat_min_docs_corpus)
        corpus_keys, first_corpus = np.unique(uniq[comp[corpus_rows]], return_index=True)
        bp_unodes = np.isin(node_root[unodes], bp_nodes)

        # duplicate clusters: root = smallest position = smallest id
        sizes = np.bincount(dc, minlength=n)
        in_dup = sizes[dc] > 1
        dup_rank = np.zeros(n, dtype=np.int64)
        if in_dup.any():
            o = np.lexsort((np.arange(n), dc))
            dsorted = dc[o]
            starts = np.r_[True, dsorted[1:] != dsorted[:-1]]
            group_start = np.maximum.accumulate(np.where(starts, np.arange(n), 0))
            dup_rank[o] = np.arange(n) - group_start
        arrays = {
            "doc_ids": np.array(ids, dtype=str) if ids else np.empty(0, dtype="<U1"),
            "doc_keys": np.array([_id_key(i) for i in ids], dtype=np.uint64),
            "doc_hash": doc_hash,
            "dup_root": np.where(in_dup, dc, -1),
            "dup_rank": np.where(in_dup, dup_rank, -1),
            "doc_sig": content_sig,
            "doc_sig_ok": content_sh >= p.min_content_shingles,
            "member_hash": uniq[member],
            "member_cluster": uniq[node_root[member]],
            "site_key": site_keys,
            "site_count": site_count[site_rows][first_site].astype(np.int64),
            "corpus_key": corpus_keys,
            "corpus_count": corpus_count[corpus_rows][first_corpus].astype(np.int64),
            "bp_sig": usig[bp_unodes],
            "bp_sig_cluster": uniq[node_root[unodes[bp_unodes]]],
        }
        stats = {
            "documents": n,
            "sites": len(site_names) if n else 0,
            "blocks": len(bhash),
            "unique_blocks": len(uniq),
            "long_blocks": len(lrows),
            "block_clusters": len(np.unique(node_root)) if len(uniq) else 0,
            "boilerplate_clusters": len(bp_nodes),
            "boilerplate_blocks": int(bp.sum()),
            "duplicate_documents": int(in_dup.sum()),
            "duplicate_clusters": int(((sizes > 1) & (np.arange(n) == dc)).sum()) if n else 0,
        }
        return cls(p, arrays, stats)

    # ---------------------------------------------------------------- queries
    def description(self) -> str:
        s = self.stats
        return (
            f"{s['documents']} documents ({s['duplicate_documents']} in {s['duplicate_clusters']} duplicate "
            f"clusters), {s['blocks']} blocks ({s['boilerplate_blocks']} boilerplate in "
            f"{s['boilerplate_clusters']} repeated clusters)"
        )

    def _dups(self) -> dict[str, tuple[str, int]]:
        if self._dup is None:
            a = self.arrays
            ids = a["doc_ids"]
            self._dup = {
                str(ids[i]): (str(ids[a["dup_root"][i]]), int(a["dup_rank"][i]))
                for i in np.flatnonzero(a["dup_root"] >= 0)
            }
        return self._dup

    def duplicate(self, doc_id: str) -> tuple[str, int] | None:
        """`(dup_cluster, dup_rank)` of an indexed document; None for a singleton or an unknown id.

        The cluster id is the representative's document id; rank 0 is the
        representative (smallest id), the others 1, 2, ... in id order.
        """
        return self._dups().get(doc_id)

    def __contains__(self, doc_id: str) -> bool:
        return _lookup(self._sorted_doc_keys(), _id_key(doc_id)) >= 0

    def _sorted_doc_keys(self) -> np.ndarray:
        if "doc_keys_sorted" not in self.arrays:
            self.arrays["doc_keys_sorted"] = np.sort(self.arrays["doc_keys"])
        return self.arrays["doc_keys_sorted"]

    def cluster_of(self, text: str) -> str | None:
        """The boilerplate cluster an exact (normalised) block text belongs to, if any."""
        pos = _lookup(self.arrays["member_hash"], text_hash(text))
        return None if pos < 0 else f"{int(self.arrays['member_cluster'][pos]):016x}"

    def _repeat(self, cluster: int, site: str) -> str | None:
        """Why a block of `cluster` in a document of `site` is boilerplate (a detail), or None."""
        a = self.arrays
        pos = _lookup(a["site_key"], int(_pair_key(site_hash(site), cluster)))
        if pos >= 0:
            where = f"of site {site}" if site else "with no site"
            return f"in {int(a['site_count'][pos])} documents {where}"
        pos = _lookup(a["corpus_key"], cluster)
        if pos >= 0:
            return f"in {int(a['corpus_count'][pos])} documents of the corpus"
        return None

    def _near_cluster(self, text: str) -> int | None:
        """The boilerplate cluster of a long block not seen before, through its near-duplicates."""
        from cleaner.dedup.fingerprint import shingle_hashes, signatures

        p = self.params
        unit = words(text)
        if len(unit) < p.min_block_words or not len(self.arrays["bp_sig"]):
            return None
        sig = signatures(*shingle_hashes([unit], p.shingle_words), p.num_perm, p.seed)
        if self._block_bands is None:
            self._block_bands = self._bands(self.arrays["bp_sig"], p.block_threshold)
        best = self._query(sig[0], self.arrays["bp_sig"], self._block_bands, p.block_threshold)
        return None if best is None else int(self.arrays["bp_sig_cluster"][best[0]])

    def _bands(self, sigs: np.ndarray, threshold: float) -> tuple[np.ndarray, np.ndarray]:
        p = self.params
        b, r = banding.optimal_bands(threshold, p.num_perm, p.false_positive_weight, p.false_negative_weight)
        keys = banding.band_keys(sigs, b, r).ravel()
        order = np.argsort(keys, kind="stable")
        return keys[order], order // b

    def _query(self, sig, sigs, bands, threshold) -> tuple[int, float] | None:
        """Best verified match of `sig` among banded `sigs`: (row, jaccard), ties to the smaller row."""
        p = self.params
        b, r = banding.optimal_bands(threshold, p.num_perm, p.false_positive_weight, p.false_negative_weight)
        keys, rows = bands
        found = set()
        for key in banding.band_keys(sig[None, :], b, r)[0]:
            lo, hi = np.searchsorted(keys, key, "left"), np.searchsorted(keys, key, "right")
            found.update(rows[lo:hi].tolist())
        if not found:
            return None
        cand = np.array(sorted(found))
        sim = (sigs[cand] == sig).mean(axis=1)
        ok = np.flatnonzero(sim >= threshold)
        if not len(ok):
            return None
        best = ok[np.argmax(sim[ok])]  # argmax takes the first (smallest row) of equal maxima
        return int(cand[best]), float(sim[best])

    def find_removals(self, doc) -> list:
        """Pass 2 (pure): whole-block removals `repeat:<cluster>` for the document's boilerplate blocks.

        Protected and already removed blocks are skipped. A document that is
        not in the index (streaming mode) also has its long blocks matched to
        boilerplate clusters through near-duplicates (a teaser with a new date).
        """
        site = site_of(doc)
        new = doc.id not in self
        removals = []
        for block in doc.blocks:
            i = block.index
            if i in doc.protected or doc.is_removed(i):
                continue
            pos = _lookup(self.arrays["member_hash"], text_hash(block.text))
            cluster = int(self.arrays["member_cluster"][pos]) if pos >= 0 else None
            if cluster is None and new:
                cluster = self._near_cluster(block.text)
            if cluster is None:
                continue
            detail = self._repeat(cluster, site)
            if detail is not None:
                removals.append(doc.remove_block(i, f"repeat:{cluster:016x}", detail))
        return removals

    def lookup_new(self, doc) -> NewPage:
        """Streaming mode: clean a page that is not in the index against it.

        `doc` has been through rules, heuristics and language. Returns its
        repeat removals (not recorded: `doc.add(page.removals)`), and the
        indexed document it duplicates, if any: the same clean text, or a
        Jaccard of at least `dup_threshold` between the page's content (its
        kept blocks minus boilerplate) and an indexed document's.
        """
        from cleaner.document import Document

        p = self.params
        removals = self.find_removals(doc)
        a = self.arrays
        fp = fingerprint(doc, p)
        match: tuple[int, float] | None = None
        if fp.doc_hash:
            hits = np.flatnonzero(a["doc_hash"] == np.uint64(fp.doc_hash))
            if len(hits):
                match = (int(hits[0]), 1.0)
        if match is None:
            trial = Document(doc.id, doc.source, doc.text, doc.url, doc.site, blocks=doc.blocks)
            trial.add(doc.removals)
            trial.add(removals)
            kept = set(trial.kept_indexes())
            rows = [k for k, i in enumerate(fp.long_blocks.tolist()) if i in kept]
            if rows and int(fp.long_shingles[rows].sum()) >= p.min_content_shingles:
                sig = fp.long_sigs[rows].min(axis=0)
                ok = np.flatnonzero(a["doc_sig_ok"])
                if len(ok):
                    if self._doc_bands is None:
                        self._doc_bands = self._bands(a["doc_sig"][ok], p.dup_threshold)
                    best = self._query(sig, a["doc_sig"][ok], self._doc_bands, p.dup_threshold)
                    if best is not None:
                        match = (int(ok[best[0]]), best[1])
        if match is None:
            return NewPage(removals, None, None, None)
        pos, sim = match
        dup_of = str(a["doc_ids"][pos])
        root = int(a["dup_root"][pos])
        cluster = str(a["doc_ids"][root]) if root >= 0 else dup_of
        return NewPage(removals, cluster, dup_of, sim)

    def slim(self) -> CorpusIndex:
        """A copy without document signatures, for pass-2 workers (near-duplicate lookups of new
        pages then fail over to exact clean-text matches only)."""
        arrays = dict(self.arrays)
        arrays["doc_sig"] = np.empty((0, self.params.num_perm), dtype=np.uint32)
        arrays["doc_sig_ok"] = np.zeros(len(arrays["doc_ids"]), dtype=bool)
        return CorpusIndex(self.params, arrays, self.stats)

    def nbytes(self) -> dict[str, int]:
        """Bytes held by each array (the index's memory, less Python object overhead)."""
        return {k: int(v.nbytes) for k, v in self.arrays.items()}

    # ---------------------------------------------------------------- persistence
    @staticmethod
    def _header(params: DedupParams) -> dict[str, Any]:
        import datasketch

        return {
            "format": FORMAT,
            "format_version": FORMAT_VERSION,
            "datasketch": datasketch.__version__,
            "scheme": SCHEME,
            "hashing": HASHING,
            "normalization": NORMALIZATION_VERSION,
            "permutations": permutation_digest(params.num_perm, params.seed),
            "params": params.as_dict(),
        }

    def save(self, path: str | Path) -> None:
        """Write the index (numpy .npz, no pickles) atomically: a temporary file renamed into place."""
        path = Path(path)
        header = dict(self._header(self.params), stats=self.stats)
        arrays = {k: v for k, v in self.arrays.items() if k != "doc_keys_sorted"}
        arrays["header"] = np.frombuffer(json.dumps(header, sort_keys=True).encode(), dtype=np.uint8)
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent or ".")
        try:
            with os.fdopen(fd, "wb") as fh:
                np.savez(fh, **arrays)
            os.replace(tmp, path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise

    @classmethod
    def load(cls, path: str | Path, params: DedupParams) -> CorpusIndex:
        """Read a saved index; refuse (ConfigError) one made with other settings or hashing."""
        try:
            data = Path(path).read_bytes()
            with np.load(io.BytesIO(data), allow_pickle=False) as npz:
                arrays = {k: npz[k] for k in npz.files}
            header = json.loads(arrays.pop("header").tobytes())
        except OSError as exc:
            raise ConfigError(f"{path}: cannot read index: {exc.strerror or exc}") from None
        except (ValueError, KeyError, json.JSONDecodeError, EOFError):
            # numpy's own message suggests allow_pickle, which would be wrong advice here
            raise ConfigError(f"{path}: not a cleaner corpus index (build one with `cleaner index build`)") from None
        if header.get("format") != FORMAT:
            raise ConfigError(f"{path}: not a cleaner corpus index")
        expected = cls._header(params)
        problems = []
        for key in ("format_version", "scheme", "hashing", "normalization", "permutations"):
            if header.get(key) != expected[key]:
                problems.append(f"{key} {header.get(key)!r} (this version: {expected[key]!r})")
        if header.get("datasketch", "").split(".")[:2] != expected["datasketch"].split(".")[:2]:
            problems.append(f"datasketch {header.get('datasketch')} (installed: {expected['datasketch']})")
        saved = header.get("params", {})
        for key, value in expected["params"].items():
            if saved.get(key) != value:
                problems.append(f"{key}={saved.get(key)!r} (this run: {value!r})")
        if problems:
            raise ConfigError(
                f"{path}: index was built with other settings: {'; '.join(problems)}. "
                "Rebuild it with `cleaner index build` and these settings, or run with the index's settings."
            )
        return cls(params, arrays, header.get("stats", {}))
