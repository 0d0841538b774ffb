"""Pass 1: fingerprint one document's blocks and its clean text.

Runs in worker processes; the result is small and picklable (hashes and
signatures, never text). Every block gets a stable exact hash of its
normalised text, kept or removed by earlier stages (a footer that a rule
removes on some pages and misses on others still counts). Blocks with at
least `min_block_words` words (characters of unspaced scripts such as Han,
kana or Thai counted at their weight in words) also get a MinHash signature.

Shingles are token `shingle_words`-grams inside one block (tokens are words,
and single characters of unspaced scripts: `normalize.tokens`; a unit shorter
than that is one shingle), so a document's MinHash is the element-wise minimum of
its kept blocks' MinHashes: the index can recompute a document's signature
without its boilerplate, from the block signatures alone.

The fast path hashes each word once with xxh32, combines word hashes into
shingle hashes with numpy, and applies datasketch's "affine32" permutations
to all shingles of a document in one matrix operation. The values are the
ones `datasketch.MinHash(scheme="affine32", hashfunc=<shingle hash>)` gives
shingle by shingle (a test checks this), and `as_minhash` wraps one as a
`LeanMinHash`.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

import numpy as np
import xxhash

from cleaner.dedup.normalize import exact_hash, normalize, tokens, word_weight
from cleaner.dedup.params import DedupParams, affine32_permutations
from cleaner.urls import url_host

SCHEME = "affine32"
HASHING = (
    "xxh3_64(normalized block); xxh32(token) -> fmix64(sum c_j*w_j) token-shingles "
    "(words; characters of unspaced scripts); datasketch affine32"
)
_MAX = np.uint32(0xFFFFFFFF)
# Odd 64-bit multipliers, one per position in a shingle (fixed forever: changing them changes every hash).
_POSITION = np.array(
    [0x9E3779B97F4A7C15, 0xC2B2AE3D27D4EB4F, 0x165667B19E3779F9, 0xD6E8FEB86659FD93,
     0xFF51AFD7ED558CCD, 0xC4CEB9FE1A85EC53, 0x94D049BB133111EB, 0xBF58476D1CE4E5B9],
    dtype=np.uint64,
)  # fmt: skip
_CHUNK = 20_000  # shingles per permutation matrix (20k x 128 x 4 B = 10 MB)


@functools.lru_cache(maxsize=8)
def permutations(num_perm: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """datasketch's affine32 permutation parameters `(a, b)` for `num_perm` and `seed` (see `params`)."""
    return affine32_permutations(num_perm, seed)


def permutation_digest(num_perm: int, seed: int) -> str:
    """A hash of the permutations: a saved index is only valid with the same ones."""
    a, b = permutations(num_perm, seed)
    return xxhash.xxh3_64_hexdigest(a.tobytes() + b.tobytes())


def _fmix32(h: np.ndarray) -> np.ndarray:
    h = h ^ (h >> np.uint32(16))
    h = h * np.uint32(0x85EBCA6B)
    h = h ^ (h >> np.uint32(13))
    h = h * np.uint32(0xC2B2AE35)
    return h ^ (h >> np.uint32(16))


def fmix64(h: np.ndarray) -> np.ndarray:
    """MurmurHash3's 64-bit finaliser, element-wise (wrapping uint64 arithmetic)."""
    h = h ^ (h >> np.uint64(33))
    h = h * np.uint64(0xFF51AFD7ED558CCD)
    h = h ^ (h >> np.uint64(33))
    h = h * np.uint64(0xC4CEB9FE1A85EC53)
    return h ^ (h >> np.uint64(33))


def shingle_hashes(units: list[list[str]], size: int) -> tuple[np.ndarray, np.ndarray]:
    """32-bit hashes of the word `size`-grams of each unit, concatenated, and the count per unit.

    A unit with fewer than `size` words (but at least one) is one shingle; an
    empty unit has none.
    """
    counts = np.array([max(len(u) - size + 1, 1) if u else 0 for u in units], dtype=np.int64)
    cache: dict[str, int] = {}
    flat: list[int] = []
    starts: list[int] = []
    intdigest = xxhash.xxh32_intdigest
    for unit in units:
        if not unit:
            continue
        starts.append(len(flat))
        for word in unit:
            h = cache.get(word)
            if h is None:
                h = cache[word] = intdigest(word.encode("utf-8", "surrogatepass"))
            flat.append(h)
        flat.extend([0] * max(size - len(unit), 0))  # pad short units to one full shingle
    if not flat:
        return np.empty(0, dtype=np.uint32), counts
    w = np.array(flat, dtype=np.uint64)
    n = len(w) - size + 1
    with np.errstate(over="ignore"):
        acc = w[:n] * _POSITION[0]
        for j in range(1, size):
            acc = acc + w[j : j + n] * _POSITION[j % len(_POSITION)]
        mixed = fmix64(acc)
    nonempty = counts[counts > 0]
    offsets = np.repeat(np.array(starts, dtype=np.int64), nonempty)
    within = np.arange(int(nonempty.sum()), dtype=np.int64) - np.repeat(np.cumsum(nonempty) - nonempty, nonempty)
    picked = mixed[offsets + within]
    return (picked ^ (picked >> np.uint64(32))).astype(np.uint32), counts


def signatures(hashes: np.ndarray, counts: np.ndarray, num_perm: int, seed: int) -> np.ndarray:
    """MinHash signatures (uint32, one row per unit) from concatenated shingle hashes.

    A unit with no shingle gets the empty signature (all 0xFFFFFFFF).
    """
    a, b = permutations(num_perm, seed)
    out = np.full((len(counts), num_perm), _MAX, dtype=np.uint32)
    rows = np.flatnonzero(counts)
    if not len(rows):
        return out
    bounds = np.concatenate(([0], np.cumsum(counts[rows])))
    with np.errstate(over="ignore"):
        mixed = _fmix32(hashes)
        first = 0
        while first < len(rows):  # chunks of whole units bound the matrix size
            last = int(np.searchsorted(bounds, bounds[first] + _CHUNK, side="right")) - 1
            if last <= first:  # one unit longer than a chunk: its minimum, a chunk at a time
                lo, hi = int(bounds[first]), int(bounds[first + 1])
                for start in range(lo, hi, _CHUNK):
                    phv = mixed[start : min(start + _CHUNK, hi), None] * a + b
                    out[rows[first]] = np.minimum(out[rows[first]], phv.min(axis=0))
                first += 1
                continue
            lo, hi = int(bounds[first]), int(bounds[last])
            phv = mixed[lo:hi, None] * a + b
            out[rows[first:last]] = np.minimum.reduceat(phv, bounds[first:last] - lo, axis=0)
            first = last
    return out


def site_of(doc, site_key: str = "folder") -> str:
    """The site a document counts under (`DedupParams.site_key`).

    "folder": its `site` (a detected pack's), else its URL's host, else its
    folder under the input argument (`/` and the folder name, so it never
    equals a host), else `""` (one shared pool); "url": the same without
    folders; "none": `""` for every document.
    """
    if site_key == "none":
        return ""
    if doc.site:
        return doc.site.lower()
    if doc.url:
        return url_host(doc.url)
    folder = getattr(doc, "folder", None)
    if site_key == "folder" and folder:
        return "/" + folder
    return ""


@dataclass(frozen=True, slots=True)
class Fingerprint:
    """What the index needs from one document; no text. About 8 B per block + 520 B per long block.

    - `block_hashes`: uint64 exact hash of every block's normalised text;
    - `kept`: bool per block, not removed whole by earlier stages;
    - `long_blocks`: int32 indexes of blocks with a signature; `long_sigs` their
      uint32 MinHash rows; `long_shingles` their shingle counts;
    - `doc_hash`: exact hash of the normalised clean text (0 when empty);
    - `doc_sig`: MinHash of the clean text's shingles (None when empty);
      `doc_shingles` their count;
    - `long_hashes`, `doc_hashes` (only with `keep_shingles`, for `--dup-verify`):
      the long blocks' shingle hashes, concatenated in `long_blocks` order
      (`long_shingles` each), and the clean text's.
    """

    doc_id: str
    site: str
    block_hashes: np.ndarray
    kept: np.ndarray
    long_blocks: np.ndarray
    long_sigs: np.ndarray
    long_shingles: np.ndarray
    doc_hash: int
    doc_sig: np.ndarray | None
    doc_shingles: int
    long_hashes: np.ndarray | None = None
    doc_hashes: np.ndarray | None = None

    def nbytes(self) -> int:
        arrays = (self.block_hashes, self.kept, self.long_blocks, self.long_sigs, self.long_shingles)
        extra = (self.doc_sig, self.long_hashes, self.doc_hashes)
        return sum(a.nbytes for a in arrays) + sum(a.nbytes for a in extra if a is not None)


def is_long(unit: list[str], params: DedupParams) -> bool:
    """A block long enough for a MinHash signature: `min_block_words` words, an unspaced script's
    characters counted at their weight (`word_weight`)."""
    return len(unit) >= params.min_block_words and word_weight(unit) >= params.min_block_words


def fingerprint(doc, params: DedupParams, *, keep_shingles: bool = False) -> Fingerprint:
    """Fingerprint a document that has been through rules, heuristics and language (pure).

    `keep_shingles` also keeps the shingle hashes themselves (exact Jaccard checks).
    """
    normalized = [normalize(b.text) for b in doc.blocks]
    units = [tokens(n) for n in normalized]
    kept = np.array([doc.is_kept(b.index) for b in doc.blocks], dtype=bool)
    doc_units: list[int] = []
    for b in doc.blocks:
        if not kept[b.index]:
            continue
        text = doc.kept_text(b.index)
        if text == b.text:
            doc_units.append(b.index)
        elif text.strip():
            doc_units.append(len(units))
            units.append(tokens(normalize(text)))
    hashes, counts = shingle_hashes(units, params.shingle_words)
    sigs = signatures(hashes, counts, params.num_perm, params.seed)
    n = len(doc.blocks)
    long_blocks = np.array([i for i in range(n) if is_long(units[i], params)], dtype=np.int32)
    doc_units = [u for u in doc_units if counts[u]]
    clean = normalize(doc.clean_text())
    long_hashes = doc_hashes = None
    if keep_shingles:
        starts = np.concatenate(([0], np.cumsum(counts)))
        long_hashes = _slices(hashes, starts, long_blocks.tolist())
        doc_hashes = _slices(hashes, starts, doc_units)
    return Fingerprint(
        doc_id=doc.id,
        site=site_of(doc, params.site_key),
        block_hashes=np.array([exact_hash(t) for t in normalized], dtype=np.uint64),
        kept=kept,
        long_blocks=long_blocks,
        long_sigs=sigs[long_blocks],
        long_shingles=counts[long_blocks].astype(np.uint32),
        doc_hash=exact_hash(clean) if clean else 0,
        doc_sig=sigs[doc_units].min(axis=0) if doc_units else None,
        doc_shingles=int(counts[doc_units].sum()) if doc_units else 0,
        long_hashes=long_hashes,
        doc_hashes=doc_hashes,
    )


def _slices(hashes: np.ndarray, starts: np.ndarray, units: list[int]) -> np.ndarray:
    parts = [hashes[starts[u] : starts[u + 1]] for u in units]
    return np.concatenate(parts).astype(np.uint32) if parts else np.empty(0, dtype=np.uint32)


def as_minhash(signature: np.ndarray, params: DedupParams):
    """Wrap a signature as a `datasketch.LeanMinHash` (for use with datasketch's own tools)."""
    from datasketch import LeanMinHash

    return LeanMinHash(seed=params.seed, hashvalues=signature, scheme=SCHEME)
