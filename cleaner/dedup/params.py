"""Settings of the repeat and near-duplicate stage, with the reason for every default."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any

SITE_KEYS = ("folder", "url", "none")


@dataclass(frozen=True)
class DedupParams:
    """What pass 1 fingerprints and how pass 2 decides; all fields are recorded in a saved index.

    - `repeat_min_docs` (3): a block cluster seen in this many distinct documents
      of one site is boilerplate. Two is too few: an article quoting another, or
      a story and its follow-up, share paragraphs. Documents are counted as
      distinct *duplicate clusters*, so a page saved three times counts once.
    - `repeat_min_docs_corpus` (50): the same over the whole corpus, for chrome
      shared by many sites (a CMS footer, a syndication credit). High, because
      cross-site repeats at low counts are mostly syndicated or quoted text.
    - `dup_threshold` (0.8): Jaccard similarity of word shingles above which two
      documents are near-duplicates; the usual value for web text (re-saved
      pages and lightly edited syndication score 0.9+, unrelated stories < 0.2).
    - `block_threshold` (0.5): Jaccard above which two long blocks join one
      cluster: a teaser with another date or comment count, or cut short,
      scores 0.5-0.9 on 3-word shingles; unrelated paragraphs score near 0.
    - `num_perm` (128): MinHash permutations; standard error of a Jaccard
      estimate is about 0.04 at 0.8. 512 bytes per signature (uint32).
    - `shingle_words` (3): word n-gram size, one scheme for blocks and
      documents, so a document's signature is the minimum over its blocks'.
      Short units (fewer words) count as one shingle.
    - `min_block_words` (8): blocks with fewer words get only an exact hash
      (a near-duplicate signature of a 5-word line is noise); their variants
      are still folded by the normalisation (digits, case, quotes, dashes).
    - `min_content_shingles` (20): a document needs this many shingles outside
      boilerplate before its content signature is compared, so two stubs that
      share one quote are not called duplicates.
    - `seed` (1): MinHash permutation seed (datasketch's default).
    - `site_key` ("folder"): what a page counts under (`site_of`): "folder" is the
      detected site pack, else the URL host, else the first folder under the
      input argument (`dumps/<site>/2024/05/page.txt`), else one shared pool;
      "url" the same without folders; "none" one pool for every page (blocks
      then repeat at `repeat_min_docs` across the whole corpus).
    - `false_positive_weight`/`false_negative_weight` (0.1/0.9): weights for
      datasketch's optimal banding. Candidates are verified on the signatures,
      so a false positive only costs a comparison while a false negative is a
      missed duplicate: with equal weights (9 bands x 13 rows at 0.8) a pair
      at Jaccard 0.84 is missed 40% of the time; 14 x 9 misses it 5% of the time.
    """

    repeat_min_docs: int = 3
    repeat_min_docs_corpus: int = 50
    dup_threshold: float = 0.8
    block_threshold: float = 0.5
    num_perm: int = 128
    shingle_words: int = 3
    min_block_words: int = 8
    min_content_shingles: int = 20
    seed: int = 1
    false_positive_weight: float = 0.1
    false_negative_weight: float = 0.9
    site_key: str = "folder"

    def __post_init__(self) -> None:
        from cleaner.errors import ConfigError

        if self.repeat_min_docs < 2 or self.repeat_min_docs_corpus < 2:
            raise ConfigError("repeat-min-docs and repeat-min-docs-corpus must be at least 2")
        for name in ("dup_threshold", "block_threshold"):
            value = getattr(self, name)
            if not 0.0 < value <= 1.0:
                raise ConfigError(f"{name.replace('_', '-')} must be in (0, 1], got {value}")
        if not 16 <= self.num_perm <= 1024:
            raise ConfigError(f"num-perm must be between 16 and 1024, got {self.num_perm}")
        if self.site_key not in SITE_KEYS:
            raise ConfigError(f"site-key must be one of {', '.join(SITE_KEYS)}, got {self.site_key!r}")
        if self.shingle_words < 1 or self.min_block_words < self.shingle_words:
            raise ConfigError("shingle-words must be >= 1 and <= min-block-words")

    def as_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)


# -- MinHash permutations and LSH banding, computed here (numpy only) ---------
#
# Both reproduce datasketch bit for bit (tests/test_dedup_params.py compares them), so signatures and
# saved indexes stay compatible, without importing datasketch and, through it, scipy at run time.

# Gauss-Legendre nodes: exact for polynomials up to degree 2 * 96 - 1, and the banding curves have degree
# bands * rows <= num_perm (so exact up to the default 128 and beyond); above that the error stays near 1e-15,
# far below the gaps between candidates' errors.
_QUADRATURE_POINTS = 96


def affine32_permutations(num_perm: int, seed: int):
    """datasketch's affine32 permutation parameters `(a, b)` for `num_perm` and `seed` (uint32 arrays):
    `a` odd, drawn first, then `b`, from `numpy.random.RandomState(seed)`."""
    import numpy as np

    gen = np.random.RandomState(seed)
    a = gen.randint(0, 1 << 31, num_perm, dtype=np.uint32) * np.uint32(2) + np.uint32(1)
    b = gen.randint(0, 1 << 32, num_perm, dtype=np.uint32)
    return np.ascontiguousarray(a, dtype=np.uint32), np.ascontiguousarray(b, dtype=np.uint32)


def optimal_bands(threshold: float, num_perm: int, fp_weight: float = 0.5, fn_weight: float = 0.5) -> tuple[int, int]:
    """`(bands, rows)` minimising the weighted false positive/negative rates, as datasketch's optimiser picks
    them (the first minimum in its `for b: for r:` order); the integrals by Gauss-Legendre quadrature."""
    import numpy as np
    from numpy.polynomial.legendre import leggauss

    nodes, weights = leggauss(_QUADRATURE_POINTS)
    pairs = np.array([(b, r) for b in range(1, num_perm + 1) for r in range(1, num_perm // b + 1)], dtype=float)
    bands, rows = pairs[:, :1], pairs[:, 1:]

    def integral(curve, low: float, high: float):
        half = (high - low) / 2
        return curve(half * nodes + (low + high) / 2) @ weights * half

    fp = integral(lambda s: 1 - (1 - s**rows) ** bands, 0.0, threshold)
    fn = integral(lambda s: (1 - s**rows) ** bands, threshold, 1.0)
    b, r = pairs[int(np.argmin(fp * fp_weight + fn * fn_weight))]
    return int(b), int(r)
