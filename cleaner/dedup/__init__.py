"""Corpus-level repeated blocks and near-duplicate documents (MinHash, datasketch).

Pass 1 (workers): `fingerprint(doc, params)` -> `Fingerprint` (hashes and
signatures, no text). Driver: `CorpusIndex.build(fingerprints, params)`.
Pass 2 (workers): `index.find_removals(doc)` -> `repeat:<cluster>` removals;
`index.duplicate(doc_id)` -> `(dup_cluster, dup_rank)` or None. Streaming:
`CorpusIndex.load(path, params).lookup_new(doc)`. For rule authors:
`repeated_clusters(docs, params)` -> per site, the clusters that repeat there,
their counts and member texts.
"""

from cleaner.dedup.fingerprint import Fingerprint, as_minhash, fingerprint, site_of
from cleaner.dedup.index import CorpusIndex, NewPage
from cleaner.dedup.normalize import normalize, text_hash
from cleaner.dedup.params import DedupParams
from cleaner.dedup.repeated import RepeatedCluster, repeated_clusters

__all__ = [
    "CorpusIndex",
    "DedupParams",
    "Fingerprint",
    "NewPage",
    "RepeatedCluster",
    "as_minhash",
    "fingerprint",
    "normalize",
    "repeated_clusters",
    "site_of",
    "text_hash",
]
