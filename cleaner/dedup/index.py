"""The corpus index: block clusters seen in many documents, and duplicate-document clusters.

`CorpusIndex.build` takes pass-1 fingerprints (hashes and signatures, never
text), writes them as columnar shards (`cleaner.dedup.shards`) and builds the
index out of core (`cleaner.dedup.build`, DuckDB group-bys). It:

1. numbers documents by stable id (so nothing depends on input order) and
   groups blocks by exact hash; long blocks' signatures (one per exact hash)
   are banded at `block_threshold` and near-duplicate blocks join clusters
   (union-find over the verified pairs' nodes);
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

The index is a folder (format version 2): `header.json`, one `.npy` file per
array, `doc_ids.arrow`. It is memory-mapped when loaded, so a process holding
it (a pass-2 worker, `clean --index`) pays in RSS only for the pages it
touches. What it holds: the exact hashes of boilerplate clusters' members
(sorted uint64), which (site, cluster) pairs and clusters reach the
thresholds, boilerplate members' signatures (to catch new variants in
streaming mode), duplicate clusters, and one content signature per document
with its band keys sorted (streaming near-duplicate lookups).

Cluster ids are stable: a block cluster is named by the smallest exact hash
among its members (16 hex digits); a duplicate cluster by its representative,
the member with the smallest stable id (`dup_rank` 0; others 1, 2, ... by id).
Singletons have no duplicate cluster (`duplicate()` returns None).
"""

from __future__ import annotations

import json
import shutil
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
    is_long,
    permutation_digest,
    site_of,
)
from cleaner.dedup.normalize import NORMALIZATION_VERSION, site_hash, text_hash, words
from cleaner.dedup.params import DedupParams
from cleaner.errors import ConfigError

FORMAT = "cleaner-corpus-index"
FORMAT_VERSION = 2
HEADER = "header.json"


def pair_key(site_key: np.ndarray | int, cluster: np.ndarray | int) -> np.ndarray:
    """One uint64 key for a (site, block cluster) pair."""
    with np.errstate(over="ignore"):
        return fmix64(
            np.asarray(site_key, dtype=np.uint64) * np.uint64(0x9E3779B97F4A7C15) ^ np.asarray(cluster, dtype=np.uint64)
        )


def _id_key(doc_id: str) -> int:
    return xxhash.xxh3_64_intdigest(doc_id.encode("utf-8", "surrogatepass"))


def _positions(sorted_keys: np.ndarray, keys: np.ndarray) -> np.ndarray:
    """Position of each of `keys` in a sorted array, or -1."""
    keys = np.asarray(keys, dtype=np.uint64)
    if not len(sorted_keys):
        return np.full(len(keys), -1, dtype=np.int64)
    pos = np.minimum(np.searchsorted(sorted_keys, keys), len(sorted_keys) - 1)
    return np.where(sorted_keys[pos] == keys, pos, -1)


def _lookup(sorted_keys: np.ndarray, key: int) -> int:
    """Position of `key` in a sorted array, or -1."""
    pos = int(np.searchsorted(sorted_keys, np.uint64(key)))
    return pos if pos < len(sorted_keys) and sorted_keys[pos] == np.uint64(key) else -1


@dataclass(frozen=True, slots=True)
class NewPage:
    """What streaming mode says about a page that is not in the index."""

    removals: list
    dup_cluster: str | None  # the duplicate cluster it would join (its representative's id)
    dup_of: str | None  # the indexed document it is closest to
    similarity: float | None  # estimated Jaccard with `dup_of` (1.0 for an exact duplicate)


class CorpusIndex:
    """Read-only corpus index in a folder; see the module docstring. `build` one, or `load` a saved one."""

    def __init__(self, params: DedupParams, folder: Path, *, owner: Any = None):
        import pyarrow as pa
        import pyarrow.ipc as ipc

        self.params = params
        self.folder = Path(folder)
        self.header = json.loads((self.folder / HEADER).read_text(encoding="utf-8"))
        self.stats = self.header["stats"]
        self.arrays = {f.stem: _open_array(f) for f in sorted(self.folder.glob("*.npy"))}
        with pa.memory_map(str(self.folder / "doc_ids.arrow")) as source:
            self.doc_ids = ipc.open_file(source).read_all().column(0)
        self._owner = owner  # a temporary folder that lives as long as this index
        self._block_bands: tuple[np.ndarray, np.ndarray] | None = None

    def __reduce__(self):
        return (_reopen, (self.params, str(self.folder)))

    # ---------------------------------------------------------------- build
    @classmethod
    def build(
        cls,
        fingerprints: Iterable[Fingerprint],
        params: DedupParams,
        *,
        folder: str | Path | None = None,
        verify: bool = False,
        memory_limit: str | None = None,
        counter: Any = None,
    ) -> CorpusIndex:
        """Build from pass-1 fingerprints (streamed; any order gives the same index).

        The shards and the index live in `folder` (a temporary folder, removed with
        the index, when not given). `verify` checks near-duplicate pairs by exact Jaccard
        (`--dup-verify`: the fingerprints must keep their shingle hashes). `counter`
        counts repeats per site elsewhere (`cleaner.dedup.build.PartitionCounter`).
        """
        from cleaner.dedup.shards import FingerprintShards

        owner = None
        if folder is None:
            owner = tempfile.TemporaryDirectory(prefix="cleaner-index-")
            folder = owner.name
        shards = FingerprintShards(Path(folder) / "shards", params.num_perm, keep_shingles=verify)
        for fp in fingerprints:
            shards.add(fp)
        shards.close()
        return cls.from_shards(
            shards.folder,
            params,
            Path(folder) / "index",
            owner=owner,
            verify=verify,
            memory_limit=memory_limit,
            counter=counter,
        )

    @classmethod
    def from_shards(
        cls,
        shards: Path,
        params: DedupParams,
        out: Path,
        *,
        owner: Any = None,
        verify: bool = False,
        memory_limit: str | None = None,
        counter: Any = None,
    ) -> CorpusIndex:
        """Build the index folder `out` from a shard folder (pass 1's output)."""
        from cleaner.dedup import build

        out.mkdir(parents=True)
        work = out.parent / f".{out.name}.work"
        work.mkdir()
        try:
            limit = memory_limit or build.MEMORY_LIMIT
            stats = build.build(shards, out, params, workdir=work, verify=verify, memory_limit=limit, counter=counter)
        finally:
            shutil.rmtree(work, ignore_errors=True)
        header = dict(cls._header(params), stats=stats)
        (out / HEADER).write_text(json.dumps(header, sort_keys=True, indent=1), encoding="utf-8")
        return cls(params, out, owner=owner)

    # ---------------------------------------------------------------- queries
    def description(self) -> str:
        s = self.stats
        return (
            f"{s['documents']} documents ({s['duplicate_documents']} in {s['duplicate_clusters']} duplicate "
            f"clusters), {s['blocks']} blocks ({s['boilerplate_blocks']} boilerplate in "
            f"{s['boilerplate_clusters']} repeated clusters)"
        )

    def _rank(self, doc_id: str) -> int:
        """The document's position (id order), or -1 when it is not indexed."""
        a = self.arrays
        pos = _lookup(a["doc_keys_sorted"], _id_key(doc_id))
        if pos < 0:
            return -1
        rank = int(a["doc_keys_rank"][pos])
        return rank if self.doc_ids[rank].as_py() == doc_id else -1

    def duplicate(self, doc_id: str) -> tuple[str, int] | None:
        """`(dup_cluster, dup_rank)` of an indexed document; None for a singleton or an unknown id.

        The cluster id is the representative's document id; rank 0 is the
        representative (smallest id), the others 1, 2, ... in id order.
        """
        rank = self._rank(doc_id)
        if rank < 0 or self.arrays["dup_root"][rank] < 0:
            return None
        return self.doc_ids[int(self.arrays["dup_root"][rank])].as_py(), int(self.arrays["dup_rank"][rank])

    def __contains__(self, doc_id: str) -> bool:
        return self._rank(doc_id) >= 0

    def cluster_of(self, text: str) -> str | None:
        """The boilerplate cluster an exact (normalised) block text belongs to, if any."""
        pos = _lookup(self.arrays["member_hash"], text_hash(text))
        return None if pos < 0 else f"{int(self.arrays['member_cluster'][pos]):016x}"

    def _repeats(self, clusters: np.ndarray, site: str) -> list[str | None]:
        """Why blocks of `clusters` in a document of `site` are boilerplate (a detail each), or None."""
        a = self.arrays
        where = f"of folder {site[1:]}" if site.startswith("/") else f"of site {site}" if site else "with no site"
        site_pos = _positions(a["site_key"], pair_key(site_hash(site), clusters))
        corpus_pos = _positions(a["corpus_key"], clusters)
        out: list[str | None] = []
        for sp, cp in zip(site_pos.tolist(), corpus_pos.tolist(), strict=True):
            if sp >= 0:
                out.append(f"in {int(a['site_count'][sp])} documents {where}")
            elif cp >= 0:
                out.append(f"in {int(a['corpus_count'][cp])} documents of the corpus")
            else:
                out.append(None)
        return out

    def _near_cluster(self, text: str) -> int | None:
        """The boilerplate cluster of a long block not seen before, through its near-duplicates."""
        from cleaner.dedup.fingerprint import shingle_hashes, signatures

        p = self.params
        unit = words(text)
        if not is_long(unit, p) or not len(self.arrays["bp_sig"]):
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
        The document's blocks are looked up together (one sorted search per array).
        """
        a = self.arrays
        blocks = [b for b in doc.blocks if b.index not in doc.protected and not doc.is_removed(b.index)]
        if not blocks:
            return []
        hashes = np.fromiter((text_hash(b.text) for b in blocks), dtype=np.uint64, count=len(blocks))
        pos = _positions(a["member_hash"], hashes)
        clusters: list[int | None] = [None] * len(blocks)
        if (pos >= 0).any():
            found = a["member_cluster"][np.maximum(pos, 0)].tolist()
            clusters = [c if p >= 0 else None for c, p in zip(found, pos.tolist(), strict=True)]
        if doc.id not in self:
            clusters = [
                c if c is not None else self._near_cluster(b.text) for b, c in zip(blocks, clusters, strict=True)
            ]
        hits = [(b, c) for b, c in zip(blocks, clusters, strict=True) if c is not None]
        if not hits:
            return []
        site = site_of(doc, self.params.site_key)
        details = self._repeats(np.array([c for _, c in hits], dtype=np.uint64), site)
        return [
            doc.remove_block(b.index, f"repeat:{c:016x}", detail)
            for (b, c), detail in zip(hits, details, strict=True)
            if detail is not None
        ]

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
            pos = int(np.searchsorted(a["doc_hash_sorted"], np.uint64(fp.doc_hash)))
            if pos < len(a["doc_hash_sorted"]) and a["doc_hash_sorted"][pos] == np.uint64(fp.doc_hash):
                match = (int(a["doc_hash_rank"][pos]), 1.0)
        if match is None:
            trial = Document(doc.id, doc.source, doc.text, doc.url, doc.site, blocks=doc.blocks)
            trial.add(doc.removals)
            trial.add(removals)
            kept = set(trial.kept_indexes())
            rows = [k for k, i in enumerate(fp.long_blocks.tolist()) if i in kept]
            if rows and int(fp.long_shingles[rows].sum()) >= p.min_content_shingles:
                sig = fp.long_sigs[rows].min(axis=0)
                bands = (a["doc_band_key"], a["doc_band_row"])
                match = self._query(sig, a["doc_sig"], bands, p.dup_threshold)
        if match is None:
            return NewPage(removals, None, None, None)
        pos, sim = match
        dup_of = self.doc_ids[pos].as_py()
        root = int(a["dup_root"][pos])
        cluster = self.doc_ids[root].as_py() if root >= 0 else dup_of
        return NewPage(removals, cluster, dup_of, sim)

    def nbytes(self) -> dict[str, int]:
        """Bytes of each array on disk (memory-mapped: RSS grows only with the pages touched)."""
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
        """Copy the index folder to `path`, atomically: a temporary folder renamed into place.

        An existing index at `path` is replaced; anything else there is refused.
        """
        path = Path(path)
        self.check_output(path)
        tmp = Path(tempfile.mkdtemp(prefix=f".{path.name}.", dir=path.parent or "."))
        try:
            for f in self.folder.iterdir():
                shutil.copyfile(f, tmp / f.name)
            old = None
            if path.exists():
                old = path.with_name(f".{path.name}.old")
                shutil.rmtree(old, ignore_errors=True)
                path.rename(old)
            tmp.rename(path)
            if old is not None:
                shutil.rmtree(old, ignore_errors=True)
        except BaseException:
            shutil.rmtree(tmp, ignore_errors=True)
            raise

    @staticmethod
    def check_output(path: str | Path) -> None:
        """Refuse (ConfigError) an index output path that holds something other than an index."""
        path = Path(path)
        if path.is_dir() and not (path / HEADER).exists():
            raise ConfigError(f"{path}: is a folder that is not a cleaner corpus index; not overwriting it")
        if path.exists() and not path.is_dir():
            raise ConfigError(f"{path}: is a file, not a cleaner corpus index; not overwriting it")

    @classmethod
    def load(cls, path: str | Path, params: DedupParams) -> CorpusIndex:
        """Open a saved index folder; refuse (ConfigError) one made with other settings or hashing."""
        path = Path(path)
        try:
            header = json.loads((path / HEADER).read_text(encoding="utf-8"))
        except NotADirectoryError:
            raise ConfigError(
                f"{path}: not a cleaner corpus index folder (an index saved by cleaner before format 2 is one file: "
                "rebuild it with `cleaner index build`)"
            ) from None
        except FileNotFoundError:
            if not path.exists():
                raise ConfigError(f"{path}: cannot read index: no such file or directory") from None
            raise ConfigError(f"{path}: not a cleaner corpus index (no {HEADER})") from None
        except OSError as exc:
            raise ConfigError(f"{path}: cannot read index: {exc.strerror or exc}") from None
        except (ValueError, UnicodeDecodeError):
            raise ConfigError(f"{path}: not a cleaner corpus index (build one with `cleaner index build`)") from None
        if not isinstance(header, dict) or header.get("format") != FORMAT:
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
        try:
            return cls(params, path)
        except (OSError, ValueError, KeyError) as exc:
            raise ConfigError(f"{path}: damaged corpus index ({exc})") from None


def _open_array(path: Path) -> np.ndarray:
    try:
        return np.load(path, mmap_mode="r")
    except ValueError:  # an empty array has nothing to map
        return np.load(path)


def _reopen(params: DedupParams, folder: str) -> CorpusIndex:
    """Unpickle an index as the same folder opened again (workers share the files, not copies)."""
    return CorpusIndex(params, Path(folder))
